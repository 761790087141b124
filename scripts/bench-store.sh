#!/usr/bin/env bash
# Load benchmark of the central store (`persona serve`), on SQLite and on PostgreSQL: builds the release
# binaries, starts a server per backend on a fresh data folder and a free loopback port, runs
# store/examples/load.rs against it from a second process, stops the server and prints the results (a table
# per backend, then one JSON line per backend for BENCHMARKS.md).
#
#   bash scripts/bench-store.sh
#
# Settings (environment):
#   BENCH_BACKENDS            "sqlite postgres" (default) or either one
#   BENCH_SECONDS             measured seconds per timed phase (10)
#   BENCH_WARMUP              warm-up seconds before each timed phase (2)
#   BENCH_SUBJECTS            customers seeded and read (10000)
#   BENCH_CONNECTIONS         concurrent connections of the snapshot reads (64)
#   BENCH_INGEST_CONNECTIONS  concurrent connections of the ingest phase (4)
#   BENCH_BATCH               events per POST /v1/events (1000)
#   BENCH_EVENTS_PER_SUBJECT  consecutive events of one customer in an ingest batch (1: all random)
#   BENCH_THREADS             generator runtime worker threads, 0 = single-threaded (0)
#   BENCH_PHASES              timed phases: read,etag,ingest (all)
#   BENCH_OUT                 also append the JSON lines to this file
#   PERSONA_TEST_POSTGRES_URL a PostgreSQL server (admin URL); unset: scripts/postgres.sh starts a private one
# The PostgreSQL run uses a fresh database `persona_bench` on that server (dropped and re-created).
set -euo pipefail
cd "$(dirname "$0")/.."

backends=${BENCH_BACKENDS:-sqlite postgres}
load_args=(
  --seconds "${BENCH_SECONDS:-10}"
  --warmup "${BENCH_WARMUP:-2}"
  --subjects "${BENCH_SUBJECTS:-10000}"
  --connections "${BENCH_CONNECTIONS:-64}"
  --ingest-connections "${BENCH_INGEST_CONNECTIONS:-4}"
  --batch "${BENCH_BATCH:-1000}"
  --events-per-subject "${BENCH_EVENTS_PER_SUBJECT:-1}"
  --threads "${BENCH_THREADS:-0}"
  --phases "${BENCH_PHASES:-read,etag,ingest}"
)

echo "==> cargo build --release -p persona-store --examples --bins" >&2
cargo build --release -p persona-store --examples --bins >&2
target=${CARGO_TARGET_DIR:-target}/release
persona=$target/persona
load=$target/examples/load

work=$(mktemp -d "${TMPDIR:-/tmp}/persona-bench.XXXXXX")
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

write_token="bench-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
token_secret=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')

# start_server NAME [DB_URL]: starts `persona serve`, sets server_pid and url.
start_server() {
  local name=$1 db=${2:-}
  local out=$work/$name.out err=$work/$name.err
  local args=(serve --data "$work/$name-data" --addr 127.0.0.1:0)
  if [ -n "$db" ]; then args+=(--db "$db"); fi
  PERSONA_WRITE_TOKEN=$write_token PERSONA_TOKEN_SECRET=$token_secret \
    "$persona" "${args[@]}" >"$out" 2>"$err" &
  server_pid=$!
  for _ in $(seq 1 600); do
    if [ -s "$out" ] && head -1 "$out" | grep -q 'listening on http://'; then
      url=$(head -1 "$out" | sed -n 's#.*listening on \(http://[^ ]*\).*#\1#p')
      echo "==> $(head -1 "$out")" >&2
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "bench-store.sh: persona serve ($name) exited:" >&2
      cat "$err" >&2
      server_pid=""
      return 1
    fi
    sleep 0.1
  done
  echo "bench-store.sh: persona serve ($name) did not start within 60 s" >&2
  cat "$err" >&2
  return 1
}

psql_bin() {
  if command -v psql >/dev/null 2>&1; then
    echo psql
  else
    ls -d /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1
  fi
}

status=0
results=()
for backend in $backends; do
  db=""
  case $backend in
    sqlite) ;;
    postgres)
      if [ -z "${PERSONA_TEST_POSTGRES_URL:-}" ]; then
        echo "==> PostgreSQL: bash scripts/postgres.sh" >&2
        eval "$(bash scripts/postgres.sh)"
      fi
      psql=$(psql_bin)
      if [ -z "$psql" ]; then
        echo "bench-store.sh: psql not found (bash scripts/setup.sh installs PostgreSQL)" >&2
        exit 1
      fi
      "$psql" "$PERSONA_TEST_POSTGRES_URL" -q -v ON_ERROR_STOP=1 \
        -c 'DROP DATABASE IF EXISTS persona_bench' -c 'CREATE DATABASE persona_bench' >&2
      db=${PERSONA_TEST_POSTGRES_URL%/*}/persona_bench
      ;;
    *)
      echo "bench-store.sh: unknown backend $backend (sqlite, postgres)" >&2
      exit 1
      ;;
  esac
  echo >&2
  echo "==> $backend" >&2
  start_server "$backend" "$db"
  set +e
  "$load" --url "$url" --write-token "$write_token" --label "$backend" \
    --server-pid "$server_pid" "${load_args[@]}" | tee "$work/$backend.load"
  rc=${PIPESTATUS[0]}
  set -e
  stop_server
  if [ -s "$work/$backend.err" ]; then
    echo "--- persona serve ($backend) stderr (last 20 lines):" >&2
    tail -20 "$work/$backend.err" >&2
  fi
  if [ "$rc" != 0 ]; then
    echo "bench-store.sh: the load run on $backend exited with $rc" >&2
    status=1
  fi
  line=$(grep '"bench":"persona-store-load"' "$work/$backend.load" || true)
  if [ -n "$line" ]; then results+=("$line"); fi
done

echo
echo "==> results (JSON lines)"
for line in "${results[@]}"; do
  echo "$line"
  if [ -n "${BENCH_OUT:-}" ]; then echo "$line" >>"$BENCH_OUT"; fi
done
exit "$status"
