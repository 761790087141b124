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

step "native tests"
cargo test --locked

step "differential test against datalogic-rs"
cargo test --locked --ignore-rust-version -p persona-edge-compare

step "core builds for wasm32-unknown-unknown"
cargo build --locked -p persona-edge --lib --target wasm32-unknown-unknown --profile wasm-release

step "end-to-end demo run"
bash scripts/demo.sh >/dev/null
echo "demo: ok"
