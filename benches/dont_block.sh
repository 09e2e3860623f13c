#!/usr/bin/env bash
# benches/dont_block.sh — the don't-block-the-event-loop guide's experiments (issue 13,
# item 6), ruv (examples/dont_block.rs) and Node (bench-ref/node/dont_block.js) alternating
# in one run. Prints a markdown table; OUT keeps the JSON lines.
#
#   benches/dont_block.sh                 # average 1e9, regex K=16..24, json 50 MiB, pools 1 s
#   N=100000000 MB=10 SECS=1 benches/dont_block.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "dont_block.sh: node is missing" >&2; exit 1; }
N=${N:-1000000000} MB=${MB:-50} SECS=${SECS:-1} KS=${KS:-"16 18 20 22 24"}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
cargo build --release -q -p ruv --example dont_block
RUV=target/release/examples/dont_block
NODE="node bench-ref/node/dont_block.js"
: >"$OUT/dont_block.jsonl"
run() { # side cmd...
  local side=$1; shift
  "$@" 2>>"$OUT/stderr.txt" | sed "s/^{/{\"side\":\"$side\",/" >>"$OUT/dont_block.jsonl"
}
run ruv $RUV average "$N";  run node $NODE average "$N"
# shellcheck disable=SC2086 # KS is a list
run ruv $RUV regex $KS 100000; run node $NODE regex $KS
run ruv $RUV json "$MB";    run node $NODE json "$MB"
run ruv $RUV pools "$SECS"; run node $NODE pools "$SECS"
python3 - "$OUT/dont_block.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| experiment | variant | side | work | loop's worst delay |")
print("|---|---|---|---|---|")
for r in rows:
    e = r["exp"]
    if e in ("average", "json"):
        size = f"n = {r['n']:.0e}" if e == "average" else f"{r['bytes'] / 1048576:.0f} MiB"
        print(f"| {e} ({size}) | {r['variant']} | {r['side']} | {r['workMs']} ms | {r['worstDelayMs']} ms |")
    elif e == "regex":
        print(f"| regex (a+)+$, K = {r['k']} | match | {r['side']} | {r['us']} µs | (the match is the block) |")
    elif e == "pools":
        print(f"| fs.stat while 4 CPU tasks of {r['cpuSecs']} s run | {r['variant']} | {r['side']} | stat answered in {r['statMs']} ms | |")
PY
echo "raw: $OUT/dont_block.jsonl" >&2
