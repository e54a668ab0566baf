#!/usr/bin/env bash
# Builds helm for the chart tests (test/e2e/helm-install.test.ts) from the Go module proxy, into
# the same cache directory as build-binaries.sh: ${STAMPEDE_K8S_CACHE:-~/.cache/stampede/k8s/<k8s
# version>}/bin/helm. Idempotent: a helm of the pinned version already there is kept, so only
# the first run is slow (about 2 minutes on 2 cores). Needs only Go (GOTOOLCHAIN=local, no cgo).
#
#   bash test/cluster/build-helm.sh       # last line of output: the helm binary
set -euo pipefail
cd "$(dirname "$0")"

# The newest helm v3 the module proxy serves whose go.mod accepts this toolchain (go 1.26.0).
HELM_VERSION="${STAMPEDE_HELM_VERSION:-v3.22.0}"

export GOTOOLCHAIN=local CGO_ENABLED=0
# -buildvcs=false: no git stamping from the surrounding repo. (`go install pkg@version` builds the
# module's own go.mod/go.sum, so -mod does not apply.)
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"

K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" {print $2}' go.mod)"
[[ -n "$K8S_VERSION" ]] || { echo "cannot read the Kubernetes version from go.mod" >&2; exit 1; }
BIN_DIR="${STAMPEDE_K8S_CACHE:-$HOME/.cache/stampede/k8s/$K8S_VERSION}/bin"
mkdir -p "$BIN_DIR"

if [[ -x "$BIN_DIR/helm" ]] && "$BIN_DIR/helm" version --template '{{.Version}}' 2>/dev/null |
  grep -qx "$HELM_VERSION"; then
  echo "skip  helm $HELM_VERSION (present)" >&2
  echo "$BIN_DIR/helm"
  exit 0
fi

JOBS="${STAMPEDE_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"
(( JOBS > 2 )) && JOBS=2

# The stamps helm's Makefile sets: the version, so `helm version` tells the truth (otherwise
# "v3.22"), and the Kubernetes version that `helm template` and `helm lint` assume without a
# cluster (otherwise v1.20), taken from the client-go helm itself is built with, as the Makefile does.
HELM_GOMOD="$(go mod download -json "helm.sh/helm/v3@${HELM_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
CLIENT_GO="$(awk '$1 == "k8s.io/client-go" {print $2}' "$HELM_GOMOD")" # v0.37.0 -> Kubernetes 1.37
[[ "$CLIENT_GO" =~ ^v0\.([0-9]+)\. ]] || { echo "cannot read k8s.io/client-go from $HELM_GOMOD" >&2; exit 1; }
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X ${pkg}.k8sVersionMajor=1 -X ${pkg}.k8sVersionMinor=${BASH_REMATCH[1]}"
done

echo "build helm $HELM_VERSION" >&2
start=$SECONDS
# Install into a temp GOBIN and rename: an interrupted build never leaves a half-written binary.
tmp="$(mktemp -d "$BIN_DIR/.helm-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" go install -p "$JOBS" -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
mv -f "$tmp/helm" "$BIN_DIR/helm"
echo "      helm built in $((SECONDS - start))s" >&2
echo "$BIN_DIR/helm"
