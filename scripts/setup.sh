#!/usr/bin/env bash
# Installs what a fresh machine lacks for building and testing persona-edge. Idempotent: each step checks
# first. Needs root for apt (CI and the dev machines run as root).
#   bash scripts/setup.sh        everything the tests need
#   bash scripts/setup.sh demo   what the demo needs (Rust, wasm-bindgen-cli, npm packages)
#   bash scripts/setup.sh core   only the Rust side (what scripts/decisions.sh needs)
#   bash scripts/setup.sh bench  what scripts/bench-store.sh needs (the demo's, PostgreSQL, wrk, nginx)
set -euo pipefail
cd "$(dirname "$0")/.."
have() { command -v "$1" >/dev/null 2>&1; }
say() { echo "setup: $*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "adding rustup component $component"
    rustup component add "$component"
  fi
done

mode=${1:-all}
[ "$mode" = core ] && exit 0

# wasm-bindgen-cli must match the wasm-bindgen library in Cargo.lock exactly.
wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wanted" ]; then
  say "installing wasm-bindgen-cli $wanted (a few minutes)"
  CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo install -q wasm-bindgen-cli --version "$wanted"
fi

# npm packages: the package tests' tooling (binaryen's wasm-opt builds the package), the worker's miniflare
# (workerd) and the demo site's playwright-core.
for dir in pkg-config/test worker www; do
  if [ -f "$dir/package-lock.json" ] && { [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; }; then
    say "installing the npm dependencies of $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$dir/node_modules"
  fi
done

# The demo needs nothing more; the tests also need PostgreSQL and Chromium.
[ "$mode" = demo ] && exit 0

# PostgreSQL for the store's tests on a real server (scripts/postgres.sh starts a private cluster).
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  say "installing postgresql"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

# The store's load benchmark (and its smoke run in the tests): wrk drives the load, nginx serves the
# published snapshots as the reference.
if ! have wrk || ! { have nginx || [ -x /usr/sbin/nginx ]; }; then
  say "installing wrk and nginx-light"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
[ "$mode" = bench ] && exit 0

# Headless Chromium and its driver for the browser tests.
if ! have chromium || ! have chromedriver; then
  say "installing chromium and chromium-driver"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

