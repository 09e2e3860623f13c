#!/usr/bin/env bash
# benches/blocking.sh — the "blocking endpoint" experiment (issue 13, item 6), ruv and Node
# side by side in one run: examples/blocking_endpoint.rs and bench-ref/node/seed001_server.js
# in four variants (blocking, fork, worker, partition); for each, /ping p50/p99/max while
# four /slow requests run, and when each /slow completed. Prints a markdown table and writes
# the raw JSON lines and a picture (SVG) of the ping latencies.
#
#   benches/blocking.sh                       # /slow = 1000 ms of work on ruv's side
#   SLOW_MS=500 OUT=/tmp/b benches/blocking.sh
#
# Needs node (v20). OUT (default: a temporary directory) keeps blocking.jsonl; SVG (default
# OUT/blocking.svg) is where the picture goes.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "blocking.sh: node is missing" >&2; exit 1; }
SLOW_MS=${SLOW_MS:-1000}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
SVG=${SVG:-$OUT/blocking.svg}
cargo build --release -q -p ruv --example blocking_endpoint
node bench-ref/node/run_blocking.js "$PWD/target/release/examples/blocking_endpoint" "$SLOW_MS" >"$OUT/blocking.jsonl"
python3 scripts/blocking_svg.py "$OUT/blocking.jsonl" "$SVG"
python3 - "$OUT/blocking.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| variant | side | pings in 3 s | ping p50 ms | p99 ms | max ms | /slow done at (ms, each) | /slow mean ms |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['mode']} | {r['side']} | {r['pings']} | {r['pingP50Ms']} | {r['pingP99Ms']} | {r['pingMaxMs']} "
          f"| {r.get('slowEachMs', '-')} | {r.get('slowMeanMs', '-')} |")
PY
echo "raw: $OUT/blocking.jsonl; picture: $SVG" >&2
