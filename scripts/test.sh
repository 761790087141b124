#!/usr/bin/env bash
# Sets up and runs every test of persona-edge: the README's second Quick start command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "rustfmt"
cargo fmt --all -- --check

# compare/ holds the differential test and benchmark against datalogic-rs, whose 5.9 release declares
# rust-version 1.98 but builds with this toolchain: only that crate needs --ignore-rust-version.
step "clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked --ignore-rust-version -- -D warnings

step "clippy of the wasm binding (warnings denied): the shipped no_std module and the std test build"
cargo clippy --locked -p persona-edge --target wasm32-unknown-unknown --lib --no-default-features -- -D warnings
cargo clippy --locked -p persona-edge --target wasm32-unknown-unknown --lib --no-default-features --features inspect -- -D warnings
cargo clippy --locked -p persona-edge --target wasm32-unknown-unknown --lib --test wasm -- -D warnings

step "PostgreSQL for the store's tests (private cluster on 127.0.0.1:5433)"
eval "$(bash scripts/postgres.sh)"
echo "$PERSONA_TEST_POSTGRES_URL"

step "native tests (the store's HTTP suite runs on SQLite and on PostgreSQL)"
cargo test --locked

step "differential test against datalogic-rs"
cargo test --locked --ignore-rust-version -p persona-edge-compare

step "the shipped core builds for wasm32-unknown-unknown (no_std, no formatting machinery)"
cargo build --locked -p persona-edge --lib --no-default-features --target wasm32-unknown-unknown --profile wasm-release

step "wasm binding tests in Node (wasm-bindgen-test)"
cargo test --locked --target wasm32-unknown-unknown --test wasm

step "wasm binding tests in headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_USE_BROWSER=1 \
  cargo test --locked --target wasm32-unknown-unknown --test wasm

step "npm package build and size check (fails above the enforced ceiling)"
node pkg-config/build.mjs

step "JS tests of the built package (Node, headless Chromium, Vite and Node smoke apps)"
(cd pkg-config/test && node --test ./*.test.mjs)

step "the edge worker in workerd (miniflare): rewriting, snapshot paths, refusals, store down"
(cd worker && node --test test/)

step "the demo shop in headless Chromium (Playwright): personas, panel, consent switching"
(cd www && node --test test/)

step "the core on the command line (scripts/decisions.sh)"
bash scripts/decisions.sh >/dev/null
echo "decisions: ok"

step "the whole system: store + shop + edge worker, one personalized page through the edge"
bash scripts/demo.sh --check

# Numbers, not assertions (benchmarks on a shared machine drift; BENCHMARKS.md has the recorded runs).
step "benchmarks: decide/verify in Node and workerd against json-logic-engine and json-logic-js"
bench_dir=$(mktemp -d)
BENCH_ROUNDS=7 BENCH_COLD_RUNS=3 node pkg-config/test/bench/node-bench.mjs "$bench_dir" | sed -n '/^what/,$p'
BENCH_ROUNDS=3 BENCH_COLD_RUNS=2 node pkg-config/test/bench/workerd-bench.mjs "$bench_dir" | sed -n '/^workerd /,$p'
rm -rf "$bench_dir"

step "benchmark: time to personalization in headless Chromium (throttled network)"
node www/bench-ttp.mjs --runs 2 | grep -E "decision|wrote"

step "benchmark: the store under load with wrk, nginx on the published snapshots as the reference (short run)"
BENCH_BACKENDS=sqlite BENCH_SECONDS=1 BENCH_WARMUP=0 BENCH_SUBJECTS=500 bash scripts/bench-store.sh 2>/dev/null |
  grep -E '^(persona-store load|phase|snapshot|ingest|prime)'
