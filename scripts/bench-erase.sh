#!/usr/bin/env bash
# Erasure throughput of the central store, on SQLite and PostgreSQL: imports BENCH_SUBJECTS customers (5
# events and a profile update each) into a fresh store, then erases them all with `persona erase --file`
# in batches of BENCH_BATCH (each one transaction; then one scrub), and prints the command's JSON line
# per database. Needs a release build (`cargo build --release -p persona-store`, done here).
#
#   bash scripts/bench-erase.sh
#
# Settings: BENCH_BACKENDS ("sqlite postgres"), BENCH_SUBJECTS (10000), BENCH_BATCH (500),
# PERSONA_TEST_POSTGRES_URL (unset: scripts/postgres.sh starts a private server).
set -euo pipefail
cd "$(dirname "$0")/.."
backends=${BENCH_BACKENDS:-sqlite postgres}
subjects=${BENCH_SUBJECTS:-10000}
batch=${BENCH_BATCH:-500}
cargo build --release --locked -p persona-store --bins >&2
persona=${CARGO_TARGET_DIR:-target}/release/persona
work=$(mktemp -d "${TMPDIR:-/tmp}/persona-bench-erase.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PERSONA_WRITE_TOKEN="bench-erase" PERSONA_TOKEN_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
python3 - "$subjects" "$work" <<'PY'
import json, sys, time
n, work = int(sys.argv[1]), sys.argv[2]
t = int(time.time()) - 3600
with open(f"{work}/seed.ndjson", "w") as out, open(f"{work}/erase.txt", "w") as ids:
    for i in range(n):
        s = f"c_erase_{i}"
        ids.write(s + "\n")
        out.write(json.dumps({"subject": s, "profile": {"traits": {"country": "SE"}, "consent": {"channels": {"email": "granted"}}}}) + "\n")
        for k in range(5):
            out.write(json.dumps({"subject": s, "type": "page_view", "category": "running", "at": t + k}) + "\n")
PY
for backend in $backends; do
  args=(--data "$work/$backend-data")
  if [ "$backend" = postgres ]; then
    if [ -z "${PERSONA_TEST_POSTGRES_URL:-}" ]; then eval "$(bash scripts/postgres.sh)"; fi
    psql=$(command -v psql || ls -d /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
    "$psql" "$PERSONA_TEST_POSTGRES_URL" -q -c 'DROP DATABASE IF EXISTS persona_bench_erase' -c 'CREATE DATABASE persona_bench_erase' >&2
    args+=(--db "${PERSONA_TEST_POSTGRES_URL%/*}/persona_bench_erase")
  fi
  "$persona" import "$work/seed.ndjson" "${args[@]}" >&2
  echo "{\"bench\":\"persona-erase\",\"backend\":\"$backend\",\"subjects\":$subjects,\"batch\":$batch,\"result\":$("$persona" erase --file "$work/erase.txt" --batch "$batch" "${args[@]}")}"
done
