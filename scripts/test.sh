#!/usr/bin/env bash
# Sets up and runs every test of persona-edge: the README's second Quick start command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "rustfmt"
cargo fmt --all -- --check

step "clippy (warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "native tests"
cargo test --workspace --locked

step "core builds for wasm32-unknown-unknown"
cargo build --locked -p persona-edge --lib --target wasm32-unknown-unknown --release

step "end-to-end demo run"
bash scripts/demo.sh >/dev/null
echo "demo: ok"
