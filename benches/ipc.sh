#!/usr/bin/env bash
# benches/ipc.sh: the IPC channel of fork (crates/ruv-process/src/ipc) beside Node's
# child_process.fork IPC, in one run: ping-pong round trips/s with 64 B, 1 KiB, 16 KiB and
# 1 MiB messages, and one-way 64 B messages/s (batches of 1000 paced by the send callback),
# for these setups:
#   node parent, node child      bench-ref/node/ipc_bench.js + ipc_child.js (json, advanced)
#   node parent, ruv child       the same script forking examples/fork_child.rs --bench (json)
#   ruv parent, ruv child        crates/ruv-process/benches/ipc.rs forking itself (json, ruv)
#   two loops on two threads     the same over a socketpair in one process (json, ruv)
#   ruv parent, node child       benches/ipc.rs with bench-ref/node/ipc_child.js (json)
# Then the 64 B and 1 MiB ping-pongs again with two `nice -n 19` busy loops keeping the vCPUs
# awake (the condition of ../shared/anchors/node/pingpong_wakeup.sh): on this machine a small
# round trip mostly waits for an idle vCPU to wake, for ruv and Node alike.
#   benches/ipc.sh [DUR_MS=5000]
# Prints every JSON line, then one table per condition: round trips/s or messages/s per
# setup, and ruv / Node (ruv parent + ruv child against node parent + node child, json).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-5000}

command -v node >/dev/null || { echo "node is needed for the reference side" >&2; exit 1; }
cargo build --release -q --example fork_child
cargo bench -q -p ruv-process --bench ipc --no-run
FORK_CHILD=$PWD/target/release/examples/fork_child
NODE_CHILD=$PWD/bench-ref/node/ipc_child.js

OUT=$(mktemp)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -f "$OUT"
}
trap cleanup EXIT

# tag COND: prefixes each JSON line with the condition, keeps a copy for the summary
tag() { sed -u "s/^{/{\"cond\":\"$1\",/" | tee -a "$OUT"; }

# suite COND SIZES ONEWAY: every setup once
suite() {
  local cond=$1 sizes=$2 oneway=$3
  DUR=$DUR SIZES=$sizes ONEWAY=$oneway node bench-ref/node/ipc_bench.js | tag "$cond"
  DUR=$DUR SIZES=$sizes ONEWAY=$oneway SERIALIZATIONS=json CHILD=$FORK_CHILD CHILD_ARGS=--bench \
    SETUP="node parent, ruv child" node bench-ref/node/ipc_bench.js | tag "$cond"
  cargo bench -q -p ruv-process --bench ipc -- --dur "$DUR" --sizes "$sizes" --oneway "$oneway" \
    --setups processes,threads,node-child --node-child "$NODE_CHILD" | tag "$cond"
}

echo "# benches/ipc.sh: ${DUR} ms per measurement, $(nproc) cores, $(node --version)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# idle"
suite idle 64,1024,16384,1048576 1

echo "# spinners: two nice -n 19 busy loops"
for _ in 1 2; do
  nice -n 19 node -e "const t = Date.now(); while (Date.now() - t < 900000);" &
  PIDS+=($!)
done
sleep 0.5
suite spinners 64,1048576 0
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
PIDS=()

node - "$OUT" <<'EOF'
const fs = require('fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const SETUPS = [
  ['node parent, node child', 'json'], ['node parent, node child', 'advanced'],
  ['node parent, ruv child', 'json'],
  ['ruv parent, ruv child (processes)', 'json'], ['ruv parent, ruv child (processes)', 'ruv'],
  ['two loops on two threads (socketpair)', 'json'], ['two loops on two threads (socketpair)', 'ruv'],
  ['ruv parent, node child', 'json'],
];
const short = { 'node parent, node child': 'node/node', 'node parent, ruv child': 'node/ruv',
  'ruv parent, ruv child (processes)': 'ruv/ruv', 'two loops on two threads (socketpair)': 'threads',
  'ruv parent, node child': 'ruv/node' };
const rate = (r) => r.roundTripsPerSec ?? r.msgsPerSec;
for (const cond of ['idle', 'spinners']) {
  const here = rows.filter((r) => r.cond === cond);
  if (!here.length) continue;
  console.log(`\n## ${cond} (round trips/s for ipc_pingpong, messages/s one way; parent/child)`);
  const head = ['test', 'size', ...SETUPS.map(([s, m]) => `${short[s]} ${m}`), 'ruv/ruv json ÷ node/node json'];
  console.log('| ' + head.join(' | ') + ' |');
  console.log('|' + head.map(() => '---').join('|') + '|');
  const keys = [...new Set(here.map((r) => `${r.name} ${r.size}`))];
  for (const k of keys) {
    const [name, size] = k.split(' ');
    const get = (s, m) => here.find((r) => r.name === name && String(r.size) === size &&
      r.setup === s && r.serialization === m);
    const cells = SETUPS.map(([s, m]) => { const r = get(s, m); return r ? String(rate(r)) : '–'; });
    const a = get('ruv parent, ruv child (processes)', 'json'), b = get('node parent, node child', 'json');
    const ratio = a && b ? (rate(a) / rate(b)).toFixed(1) + '×' : '–';
    console.log(`| ${name} | ${size} | ${cells.join(' | ')} | ${ratio} |`);
  }
}
EOF
