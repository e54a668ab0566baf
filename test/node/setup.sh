#!/usr/bin/env bash
# One-command set-up of the real node the end-to-end tests run pods on (test/node/real-node.ts):
#   1. Debian packages: containerd and runc (the runtime), containernetworking-plugins (CNI bridge,
#      host-local, loopback), buildah (images without a registry or a daemon), iproute2 (bridge clean-up);
#   2. kubelet and kube-scheduler, built from the same wrapper module and cache as the control plane;
#   3. the images: pause, a Node 24 base and the project's own image from its Dockerfile (images.sh).
# Idempotent and cached: a second run only rebuilds the project image when src/ changed. Needs root (the
# kubelet, containerd and buildah do) and `npm ci` done first (the image build installs from npm's cache).
#
#   bash test/node/setup.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
export PATH="/usr/local/go/bin:$PATH"

[[ $(id -u) == 0 ]] || { echo "the real node needs root (kubelet, containerd, buildah)" >&2; exit 1; }

missing=()
command -v containerd >/dev/null || missing+=(containerd)
command -v runc >/dev/null || missing+=(runc)
[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
command -v buildah >/dev/null || missing+=(buildah)
command -v ip >/dev/null || missing+=(iproute2)
if ((${#missing[@]})); then
  echo "apt-get install ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

echo "== kubelet, kube-scheduler" >&2
STAMPEDE_K8S_EXTRA="kubelet kube-scheduler" bash "$HERE/../cluster/build-binaries.sh" >/dev/null
echo "== images" >&2
bash "$HERE/images.sh"
