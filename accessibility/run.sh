#!/usr/bin/env bash
# The browser checks: every page of both services in Chromium, with axe-core,
# reflow, text size, the keyboard, forms, "Exit this page" and passkeys (see
# accessibility/README.md). Installs what it needs, starts the demo on free
# ports with a fresh data folder, runs the suite, stops the demo. Exits
# non-zero on any failure.
#
#   bash accessibility/run.sh                 # everything
#   bash accessibility/run.sh tests/quick-exit.test.mjs   # one file
#
# FAMILYSTORY_BIN=path uses that binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

# Chromium from Debian's packages: never a browser downloaded by npm.
if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Chromium (apt)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Node.js and npm (the machine's own, or Debian's), curl for the readiness check.
for tool in node:nodejs npm:npm curl:curl; do
  if ! command -v "${tool%%:*}" >/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${tool#*:}" >/dev/null
  fi
done

echo "== npm ci (accessibility/)"
(cd accessibility && npm ci --no-audit --no-fund --loglevel=error)

target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
if [ -n "${FAMILYSTORY_BIN:-}" ]; then
  bin=$(realpath "$FAMILYSTORY_BIN")   # a binary built already (e.g. by an earlier CI step)
else
  echo "== cargo build --release --bin familystory"
  cargo build --release --locked --bin familystory
  bin="$target_dir/release/familystory"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
portal_port=$(free_port)
bridge_port=$(free_port)
internal_port=$(free_port)
while [ "$bridge_port" = "$portal_port" ]; do bridge_port=$(free_port); done
while [ "$internal_port" = "$portal_port" ] || [ "$internal_port" = "$bridge_port" ]; do internal_port=$(free_port); done

data_dir=$(mktemp -d /tmp/familystory-a11y.XXXXXX)
demo_pid=""
stop_demo() {
  if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
    kill -INT "$demo_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$demo_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$demo_pid" 2>/dev/null || true
  fi
  demo_pid=""
}
cleanup() { stop_demo; rm -rf "$data_dir"; }
trap cleanup EXIT

echo "== starting the demo (data in $data_dir)"
"$bin" demo --data-dir "$data_dir" \
  --portal-addr "127.0.0.1:$portal_port" \
  --bridge-addr "127.0.0.1:$bridge_port" \
  --internal-addr "127.0.0.1:$internal_port" >"$data_dir/demo.log" 2>&1 &
demo_pid=$!

ready=""
for _ in $(seq 1 300); do
  if ! kill -0 "$demo_pid" 2>/dev/null; then break; fi
  if curl -fsS "http://localhost:$portal_port/healthz" >/dev/null 2>&1 &&
     curl -fsS "http://localhost:$bridge_port/healthz" >/dev/null 2>&1 &&
     [ -f "$data_dir/demo-users.json" ]; then
    ready=1
    break
  fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "The demo did not start:" >&2
  cat "$data_dir/demo.log" >&2 || true
  exit 1
fi

export PORTAL_URL="http://localhost:$portal_port"
export BRIDGE_URL="http://localhost:$bridge_port"
export PORTAL_INTERNAL_URL="http://127.0.0.1:$internal_port"
export DEMO_DATA_DIR="$data_dir"
export FAMILYSTORY_BIN="$bin"
export CARGO_TARGET_DIR="$target_dir"
rm -rf "$target_dir/accessibility-screenshots"

echo "== browser checks"
status=0
(
  cd accessibility
  if [ "$#" -gt 0 ]; then files=("$@"); else files=(tests/*.test.mjs); fi
  node --test --test-concurrency=1 --test-timeout=400000 --test-reporter=spec "${files[@]}"
) || status=$?

stop_demo
if [ "$status" -ne 0 ]; then
  echo "== the demo's log (last 40 lines)"
  tail -n 40 "$data_dir/demo.log" || true
fi
echo "Screenshots at phone size: $target_dir/accessibility-screenshots/"
exit "$status"
