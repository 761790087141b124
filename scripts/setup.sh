#!/usr/bin/env bash
# Installs what a fresh machine lacks for building and testing persona-edge. Idempotent.
set -euo pipefail
have() { command -v "$1" >/dev/null 2>&1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    echo "setup: adding rustup component $component"
    rustup component add "$component"
  fi
done
