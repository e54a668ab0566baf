#!/usr/bin/env bash
# One-command test set-up, run by `npm test` (its `pretest` script) before the suite. Idempotent: each part
# already present is skipped with one line saying so, so a second run takes seconds.
#
#   bash scripts/test-setup.sh          # everything the whole suite needs
#   STAMPEDE_SKIP_SETUP=1 npm test      # skip it (you manage the machine yourself)
#
# Parts: Debian packages (installed with apt-get when running as root, otherwise the exact command is printed
# and the script stops), the Kubernetes control-plane binaries and helm built from the Go module proxy and
# cached under ~/.cache/stampede, then anything listed in scripts/test-setup.d/*.sh (image builds and the like).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${STAMPEDE_SKIP_SETUP:-}" ]]; then
  echo "setup: skipped (STAMPEDE_SKIP_SETUP is set)"
  exit 0
fi

# One set-up at a time on a machine: two test runs (or worktrees) building the same cached binary would race.
mkdir -p "$HOME/.cache/stampede"
exec 9>"$HOME/.cache/stampede/.setup.lock"
if ! flock -n 9; then
  echo "setup: another set-up is running on this machine; waiting for it"
  flock 9
fi

# Go lives in /usr/local/go on these machines; a login shell may not have it on PATH.
[[ -d /usr/local/go/bin ]] && export PATH="/usr/local/go/bin:$PATH"

# --- Debian packages ---------------------------------------------------------------------------------------
# Each entry: "<package> <check>", where the check is a shell test that holds when the package is usable.
#   openssl            the local control plane's certificates
#   postgresql         real PostgreSQL for the pg step tests (initdb/pg_ctl from its bin directory)
#   prometheus         promtool lints /metrics; the server answers every Grafana dashboard query
#   chromium           headless Chromium loads report.html (DevTools protocol, no browser download)
#   util-linux         taskset pins truth tests' server and generator to separate cores
PACKAGES=(
  "openssl command -v openssl"
  "postgresql compgen -G '/usr/lib/postgresql/*/bin/initdb'"
  "prometheus command -v promtool && command -v prometheus"
  "chromium command -v chromium"
  "util-linux command -v taskset"
)
# More packages may be named by parts in scripts/test-setup.d/ (one "<package> <check>" per line).
for extra in scripts/test-setup.d/*.packages; do
  [[ -e "$extra" ]] || continue
  while IFS= read -r line; do
    [[ -z "$line" || "$line" == \#* ]] || PACKAGES+=("$line")
  done <"$extra"
done

missing=()
for entry in "${PACKAGES[@]}"; do
  pkg="${entry%% *}"
  check="${entry#* }"
  if bash -c "$check" >/dev/null 2>&1; then :; else missing+=("$pkg"); fi
done
if ((${#missing[@]} == 0)); then
  echo "setup: skip  Debian packages (all ${#PACKAGES[@]} present)"
elif [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "setup: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "setup: missing Debian packages: ${missing[*]}" >&2
  echo "setup: install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

# --- slow builds, with a heartbeat so nobody thinks they hang ------------------------------------------------
# with_progress LABEL CMD...: runs CMD, printing "still LABEL (Ns)" every 30 s while it runs.
with_progress() {
  local label="$1" start=$SECONDS
  shift
  # Everything the part prints goes to stdout, indented under "setup:", in order.
  (
    set -o pipefail
    "$@" 2>&1 | sed -u 's/^/setup:   /'
  ) &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    kill -0 "$pid" 2>/dev/null && echo "setup:       still $label ($((SECONDS - start))s)"
  done
  wait "$pid"
}

command -v go >/dev/null || {
  echo "setup: Go is needed to build the Kubernetes test binaries (expected in /usr/local/go/bin)" >&2
  exit 1
}
# The build scripts print "skip NAME (present)" or "build NAME" per binary; the first build takes about
# 8 minutes on 2 cores, later runs reuse the cache.
with_progress "building the Kubernetes control plane (first time: ~8 min)" \
  bash -c "bash test/cluster/build-binaries.sh >/dev/null"
with_progress "building helm (first time: ~2 min)" bash -c "bash test/cluster/build-helm.sh >/dev/null"

# --- further parts (images, node binaries), each idempotent and announcing itself -----------------------------
for part in scripts/test-setup.d/*.sh; do
  [[ -e "$part" ]] || continue
  with_progress "running $(basename "$part")" bash "$part"
done

echo "setup: ready"
