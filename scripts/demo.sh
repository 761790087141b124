#!/usr/bin/env bash
# The main job: sets up what a fresh machine lacks, then starts the whole system locally and prints the URLs.
#   - the central store (`persona serve`) on its embedded SQLite, seeded with the sample customers and ruleset
#   - the demo shop (www/server.mjs), the origin, with the drop-in script from the locally built package
#   - the edge worker in workerd (worker/dev.mjs, miniflare) in front of the shop
# Ctrl-C stops everything. State lives in .demo/ (delete it to start over).
#   bash scripts/demo.sh           run until Ctrl-C
#   bash scripts/demo.sh --check   start everything, check a personalized page through the edge, stop (CI)
# Ports: STORE_PORT (8787), SITE_PORT (8080), EDGE_PORT (8788).
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
[ "${1:-}" = --check ] && check=true
say() { echo "demo: $*" >&2; }

bash scripts/setup.sh demo >&2
say "building the store and the npm package"
if $check; then
  # CI: the test build of the store is already there; a release build would only cost time.
  cargo build --locked -q -p persona-store
  persona=target/debug/persona
else
  cargo build --release --locked -q -p persona-store
  persona=target/release/persona
fi
node pkg-config/build.mjs >/dev/null

if $check; then
  STORE_PORT=${STORE_PORT:-18787} SITE_PORT=${SITE_PORT:-18080} EDGE_PORT=${EDGE_PORT:-18788}
  state=$(mktemp -d "${TMPDIR:-/tmp}/persona-demo.XXXXXX")
else
  STORE_PORT=${STORE_PORT:-8787} SITE_PORT=${SITE_PORT:-8080} EDGE_PORT=${EDGE_PORT:-8788}
  state=${PERSONA_DEMO_DIR:-.demo}
fi
mkdir -p "$state"
data=$state/persona-data
store=http://127.0.0.1:$STORE_PORT
site=http://127.0.0.1:$SITE_PORT
edge=http://127.0.0.1:$EDGE_PORT

pids=()
stop() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if $check; then rm -rf "$state"; fi
}
trap stop EXIT
trap 'exit 130' INT TERM

# Waits until URL answers, or fails naming the service and its log.
wait_for() { # name url log
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "$2" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  say "$1 did not start; its log:"; tail -20 "$3" >&2; exit 1
}

if [ ! -f "$data/store.db" ]; then
  say "seeding the store with the sample customers"
  node samples/store/seed.mjs >"$state/seed.ndjson"
  $persona import "$state/seed.ndjson" --data "$data" >/dev/null
fi
$persona serve --data "$data" --addr "127.0.0.1:$STORE_PORT" --ruleset samples/ruleset.json \
  --cors-origin "$site" --cors-origin "$edge" >"$state/store.log" 2>&1 &
pids+=($!)
wait_for store "$store/healthz" "$state/store.log"

write_token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["write_token"])' "$data/secrets.json")
keys=$(curl -fsS "$store/v1/keys" | python3 -c 'import json,sys; print(",".join(k["public_key"] for k in json.load(sys.stdin)["keys"] if k["status"] != "retired"))')

PORT=$SITE_PORT STORE_URL=$store PERSONA_WRITE_TOKEN=$write_token AUDIENCE=demo-shop PKG_DIR=pkg \
  node www/server.mjs >"$state/www.log" 2>&1 &
pids+=($!)
wait_for "demo shop" "$site/" "$state/www.log"

PORT=$EDGE_PORT UPSTREAM=$site STORE_URL=$store AUDIENCE=demo-shop PUBLIC_KEYS=$keys \
  node worker/dev.mjs >"$state/worker.log" 2>&1 &
pids+=($!)
wait_for "edge worker" "$edge/" "$state/worker.log"

if $check; then
  # Log in as Ana through the edge, then ask for the page: the worker must have personalized it.
  jar=$state/cookies
  curl -fsS -o /dev/null -c "$jar" "$edge/login?as=ana"
  headers=$(curl -fsS -D - -o "$state/page.html" -b "$jar" "$edge/")
  echo "$headers" | grep -qi '^x-persona-segments:.*service_situation' || {
    say "the edge did not personalize Ana's page; headers:"; echo "$headers" >&2; exit 1; }
  grep -q 'data-persona-variant="hero-service"' "$state/page.html" || {
    say "Ana's hero slot was not rewritten at the edge"; exit 1; }
  echo "$headers" | grep -qi '^server-timing:.*persona' || { say "no Server-Timing from the edge"; exit 1; }
  curl -fsS -b "$jar" "$edge/__persona/decision" | grep -q '"personalized":true' || {
    say "/__persona/decision is not personalized for Ana"; exit 1; }
  say "ok: store, shop and edge worker up; Ana's page personalized at the edge (service situation)"
  exit 0
fi

cat <<MSG

persona-edge is running:
  demo shop through the edge worker   $edge/      <- open this (switch customers at the top of the page)
  demo shop, origin (drop-in only)    $site/
  central store API                   $store/v1/keys
  decision as JSON (edge)             $edge/__persona/decision
Logs in $state/*.log. Press Ctrl-C to stop everything.
MSG
wait
