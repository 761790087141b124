#!/usr/bin/env bash
# The core on the command line, without servers: generate keys, compile the sample ruleset, sign the sample
# profiles, and print each customer's decision. Keys and snapshots go to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh core >/dev/null
cargo build --release --locked -q -p persona-store
persona=target/release/persona
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
audience=demo-shop
now=$(python3 -c 'import json;print(json.load(open("samples/context.json"))["now"])')

$persona keygen --out "$work/keys" >/dev/null
secret=$(ls "$work"/keys/*.secret)
$persona compile samples/ruleset.json --key "$secret" --audience "$audience" --seq 1 --issued-at "$now" \
  --expires-in 7d --out "$work/ruleset.snap" >/dev/null

decide() { # name [profile-snapshot]
  local name=$1 profile=${2:-}
  local session=samples/sessions/$name.json
  [ -f "$session" ] || session='{"live":false}'
  echo "--- $name"
  $persona decide --summary --keyring "$work/keys/keyring.json" --ruleset "$work/ruleset.snap" \
    ${profile:+--profile "$profile"} --session "$session" --context samples/context.json --fallback
}

for file in samples/profiles/*.json; do
  name=$(basename "$file" .json)
  report=$($persona sign "$file" --key "$secret" --audience "$audience" --seq 1 --issued-at "$now" \
    --out "$work/$name.snap" --base64)
  bytes=$(python3 -c 'import json,sys;r=json.loads(sys.argv[1]);print(r["bytes"], len(r["base64url"]))' "$report")
  echo "signed $name: ${bytes% *} bytes, ${bytes#* } chars as base64url"
done
for file in samples/profiles/*.json; do
  name=$(basename "$file" .json)
  decide "$name" "$work/$name.snap"
done
decide visitor

# A tampered snapshot: the decision falls back to the safe default and says why.
python3 - "$work/ana.snap" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x01
open(p, "wb").write(bytes(b))
PY
echo "--- ana, tampered snapshot"
$persona decide --summary --keyring "$work/keys/keyring.json" --ruleset "$work/ruleset.snap" \
  --profile "$work/ana.snap" --context samples/context.json --fallback
