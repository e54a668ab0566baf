#!/usr/bin/env bash
# Builds the real control-plane binaries for end-to-end tests from the wrapper module in
# this directory (go.mod pins k8s.io/kubernetes and etcd): kube-apiserver,
# kube-controller-manager, kubectl and etcd (STAMPEDE_K8S_EXTRA="kubelet kube-scheduler" adds the real
# node's binaries; test/node/setup.sh sets it). Idempotent: binaries already in the cache are skipped, so only the first run is
# slow. Needs only Go (GOTOOLCHAIN=local, no cgo, no Docker); modules come from the Go proxy.
#
#   bash test/cluster/build-binaries.sh       # last line of output: the bin directory
set -euo pipefail
cd "$(dirname "$0")"

export GOTOOLCHAIN=local CGO_ENABLED=0
# -mod=readonly: build exactly what go.mod/go.sum pin, never rewrite them; -buildvcs=false:
# no git stamping from the surrounding repo.
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly -buildvcs=false"

K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" {print $2}' go.mod)"
ETCD_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2}' go.mod)"
[[ -n "$K8S_VERSION" && -n "$ETCD_VERSION" ]] || { echo "cannot read versions from go.mod" >&2; exit 1; }
BIN_DIR="${STAMPEDE_K8S_CACHE:-$HOME/.cache/stampede/k8s/$K8S_VERSION}/bin"
mkdir -p "$BIN_DIR"

# 2 cores: `go build -p 2` keeps at most two compile/link jobs at once; one binary at a time
# so peak memory stays at one linker (kube-apiserver's link needs ~2 GiB). The Go build cache
# is shared, so the packages the binaries have in common compile only once.
JOBS="${STAMPEDE_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"
(( JOBS > 2 )) && JOBS=2

# The same version stamps as hack/lib/version.sh, so `kubectl version` and /version tell the
# truth (otherwise they report v0.0.0-master and kubectl warns about version skew).
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X ${pkg}.gitVersion=${K8S_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
  ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
done

declare -A PKG=(
  [kube-apiserver]=k8s.io/kubernetes/cmd/kube-apiserver
  [kube-controller-manager]=k8s.io/kubernetes/cmd/kube-controller-manager
  [kube-scheduler]=k8s.io/kubernetes/cmd/kube-scheduler
  [kubectl]=k8s.io/kubernetes/cmd/kubectl
  [kubelet]=k8s.io/kubernetes/cmd/kubelet
  [etcd]=go.etcd.io/etcd/server/v3
)
# shellcheck disable=SC2206
NAMES=(kube-apiserver kube-controller-manager kubectl etcd ${STAMPEDE_K8S_EXTRA:-})

for name in "${NAMES[@]}"; do
  pkg="${PKG[$name]:?unknown binary $name}"
  if [[ -x "$BIN_DIR/$name" ]]; then
    echo "skip  $name (present)" >&2
    continue
  fi
  echo "build $name ($pkg)" >&2
  start=$SECONDS
  # Build to a temp name and rename: an interrupted build never leaves a half-written binary
  # that a later run would skip.
  go build -p "$JOBS" -trimpath -ldflags "$ldflags" -o "$BIN_DIR/.$name.tmp" "$pkg"
  mv -f "$BIN_DIR/.$name.tmp" "$BIN_DIR/$name"
  echo "      $name built in $((SECONDS - start))s" >&2
done

printf 'kubernetes %s\netcd %s\n' "$K8S_VERSION" "$ETCD_VERSION" > "$BIN_DIR/../VERSIONS"
echo "$BIN_DIR"
