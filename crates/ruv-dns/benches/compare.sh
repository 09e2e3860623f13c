#!/usr/bin/env bash
# Paired rounds, ruv beside Node, for dns.lookup('localhost') with 100 in flight: each round runs
# node_dns.js and then benches/dns.rs in plain mode (both: median of RUNS batches of 20 000
# lookups), back to back, so that both see the same machine load. Prints one line per round
# and the medians of the per-round ratios.
#
#   crates/ruv-dns/benches/compare.sh [ROUNDS=10] [RUNS=6]
set -euo pipefail
rounds=${1:-10}
runs=${2:-6}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
cargo bench -p ruv-dns --bench dns --no-run >/dev/null 2>&1
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['median_ops_per_s'])"; }
out=$(mktemp)
echo "# load1 node ruv_coalesced ruv_uncoalesced (ops/s, medians of $runs batches)"
for _ in $(seq 1 "$rounds"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  node_ops=$(node "$here/node_dns.js" "$runs" | field)
  ruv_json=$(RUV_DNS_PLAIN=$runs cargo bench -q -p ruv-dns --bench dns 2>/dev/null | grep '^{')
  co=$(echo "$ruv_json" | sed -n 1p | field)
  un=$(echo "$ruv_json" | sed -n 2p | field)
  echo "$load $node_ops $co $un" | tee -a "$out"
done
python3 - "$out" <<'EOF'
import statistics as st, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
node = st.median(r[1] for r in rows)
print(f"# medians: node {node:.0f}, ruv {st.median(r[2] for r in rows):.0f}, "
      f"ruv uncoalesced {st.median(r[3] for r in rows):.0f} ops/s")
co = sorted(r[2] / r[1] for r in rows)
un = sorted(r[3] / r[1] for r in rows)
print(f"# ruv/node: median {st.median(co):.1f}x (min {co[0]:.1f}x, max {co[-1]:.1f}x)")
print(f"# ruv uncoalesced/node: median {st.median(un):.2f}x (min {un[0]:.2f}x, max {un[-1]:.2f}x)")
EOF
rm -f "$out"
