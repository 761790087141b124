#!/usr/bin/env bash
# Load benchmark of the central store (`persona serve`), on SQLite and on PostgreSQL, with nginx serving
# `persona publish` output as the reference for reads: builds the release binary, starts a server per
# backend on a fresh data folder and a free loopback port, runs scripts/load/store_load.py against it (wrk
# with the Lua scripts in scripts/load/ for the timed phases), stops the server; then publishes the SQLite
# store's snapshots and runs the read phases against nginx serving them. Prints a table per run, then one
# JSON line per run for BENCHMARKS.md.
#
#   bash scripts/bench-store.sh
#
# Settings (environment):
#   BENCH_BACKENDS            "sqlite postgres" (default) or either one
#   BENCH_REFERENCE           "nginx" (default: after the first backend, nginx serves its published
#                             snapshots and gets the read phases) or "none"
#   BENCH_SECONDS             measured seconds per timed phase (10)
#   BENCH_WARMUP              warm-up seconds before each timed phase (2)
#   BENCH_SUBJECTS            customers seeded and read (10000)
#   BENCH_CONNECTIONS         concurrent connections of the snapshot reads (64)
#   BENCH_INGEST_CONNECTIONS  concurrent connections of the ingest phase (4)
#   BENCH_BATCH               events per POST /v1/events (1000)
#   BENCH_EVENTS_PER_SUBJECT  consecutive events of one customer in an ingest batch (1: all random)
#   BENCH_EVENT_IDS           1: every ingested event carries a unique id (the store de-duplicates)
#   BENCH_THREADS             wrk threads (1)
#   BENCH_PHASES              timed phases: read,etag,ingest (all); also login (first: logins that fold
#                             an anonymous visitor's cart, see scripts/load/login.lua)
#   BENCH_OUT                 also append the JSON lines to this file
#   PERSONA_TEST_POSTGRES_URL a PostgreSQL server (admin URL); unset: scripts/postgres.sh starts a private one
# The PostgreSQL run uses a fresh database `persona_bench` on that server (dropped and re-created).
# Needs wrk and nginx (`bash scripts/setup.sh bench` installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

backends=${BENCH_BACKENDS:-sqlite postgres}
reference=${BENCH_REFERENCE:-nginx}
load_args=(
  --seconds "${BENCH_SECONDS:-10}"
  --warmup "${BENCH_WARMUP:-2}"
  --connections "${BENCH_CONNECTIONS:-64}"
  --threads "${BENCH_THREADS:-1}"
)
store_args=(
  --subjects "${BENCH_SUBJECTS:-10000}"
  --ingest-connections "${BENCH_INGEST_CONNECTIONS:-4}"
  --batch "${BENCH_BATCH:-1000}"
  --events-per-subject "${BENCH_EVENTS_PER_SUBJECT:-1}"
  --phases "${BENCH_PHASES:-read,etag,ingest}"
)
if [ "${BENCH_EVENT_IDS:-0}" = 1 ]; then store_args+=(--event-ids); fi

bash scripts/setup.sh bench >&2
echo "==> cargo build --release -p persona-store --bins" >&2
cargo build --release -p persona-store --bins >&2
target=${CARGO_TARGET_DIR:-target}/release
persona=$target/persona
load=scripts/load/store_load.py

work=$(mktemp -d "${TMPDIR:-/tmp}/persona-bench.XXXXXX")
server_pid=""
nginx_pid=""
stop_nginx() {
  if [ -n "$nginx_pid" ]; then
    kill -QUIT "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
    nginx_pid=""
  fi
}
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  stop_nginx
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

# run_load NAME ARGS...: runs the driver, keeps its JSON line; a failed run makes the script fail.
run_load() {
  local name=$1
  shift
  set +e
  python3 "$load" "$@" "${load_args[@]}" | tee "$work/$name.load"
  local rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" != 0 ]; then
    echo "bench-store.sh: the load run on $name exited with $rc" >&2
    status=1
  fi
  local line
  line=$(grep '"bench":"persona-store-load"' "$work/$name.load" || true)
  if [ -n "$line" ]; then results+=("$line"); fi
}

# reference STORE_ARGS...: publishes that store and runs the read phases against nginx serving the files.
reference() {
  local site=$work/site conf=$work/nginx/nginx.conf port pids
  echo >&2
  echo "==> nginx serving \`persona publish\` output" >&2
  PERSONA_WRITE_TOKEN=$write_token PERSONA_TOKEN_SECRET=$token_secret \
    "$persona" publish "$@" --out "$site" >&2
  mkdir -p "$work/nginx/tmp"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # As one would deploy it for static files: a worker per core, file descriptors cached, no access log,
  # keep-alive connections never closed by a request count (the store does not close them either). The
  # workers run as this user, who can read the private work folder.
  cat >"$conf" <<CONF
user $(id -un);
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000000;
  open_file_cache max=100000 inactive=60s;
  types { application/octet-stream snap; application/json json; }
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $site;
  }
}
CONF
  nginx -c "$conf" -p "$work/nginx" 2>"$work/nginx/stderr" &
  nginx_pid=$!
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
  pids=(--server-pid "$nginx_pid")
  for pid in $(pgrep -P "$nginx_pid"); do pids+=(--server-pid "$pid"); done
  run_load nginx --url "http://127.0.0.1:$port" --published "$site" --label nginx "${pids[@]}"
  stop_nginx
}

status=0
results=()
referenced=""
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
  run_load "$backend" --url "$url" --write-token "$write_token" --label "$backend" \
    --server-pid "$server_pid" "${store_args[@]}"
  stop_server
  if [ -s "$work/$backend.err" ]; then
    echo "--- persona serve ($backend) stderr (last 20 lines):" >&2
    tail -20 "$work/$backend.err" >&2
  fi
  if [ "$reference" = nginx ] && [ -z "$referenced" ]; then
    publish_args=(--data "$work/$backend-data")
    if [ -n "$db" ]; then publish_args+=(--db "$db"); fi
    reference "${publish_args[@]}"
    referenced=1
  fi
done

echo
echo "==> results (JSON lines)"
for line in "${results[@]}"; do
  echo "$line"
  if [ -n "${BENCH_OUT:-}" ]; then echo "$line" >>"$BENCH_OUT"; fi
done
exit "$status"
