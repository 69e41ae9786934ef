#!/usr/bin/env bash
# The whole test suite, on a fresh machine: formatting, lints, the Rust tests
# on SQLite and PostgreSQL, and the browser checks. It installs what it needs.
#
# PostgreSQL: the server DATABASE_URL names; when none is named, a throwaway
# cluster started here with initdb/pg_ctl (Debian's postgresql package) and
# removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
apt_updated=""
need_packages() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# openssl for webauthn-rs; pkg-config to find it.
need_packages libssl-dev pkg-config

cleanup_pg=""
cleanup() { [ -n "$cleanup_pg" ] && eval "$cleanup_pg" || true; }
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$pg_bin" ]; then need_packages postgresql; pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1); fi
  pg_dir=$(mktemp -d /tmp/familystory-pg.XXXXXX)
  pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
  run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1" -l "$pg_dir/log" -w start >/dev/null
  cleanup_pg="run_pg '$pg_bin/pg_ctl' -D '$pg_dir/data' -m immediate stop >/dev/null; rm -rf '$pg_dir'"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
  echo "Started a throwaway PostgreSQL on port $pg_port"
else
  # Scratch databases a crashed earlier run left behind.
  for db in $(psql "$DATABASE_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'fs\_test\_%'" 2>/dev/null || true); do
    psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test (SQLite and PostgreSQL)"
cargo test --workspace --locked
if [ -f accessibility/run.sh ]; then
  echo "== browser checks"
  # The debug binary cargo test just built serves the demo: no second, release build.
  target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  FAMILYSTORY_BIN="$target_dir/debug/familystory" bash accessibility/run.sh
fi
