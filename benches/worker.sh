#!/usr/bin/env bash
# benches/worker.sh: ruv-worker beside Node's worker_threads, in one run. Node's side is
# bench-ref/node/bench_worker.js (+ worker_child.js), ruv's is crates/ruv-worker/benches/worker.rs:
# the same parts in the same order, one JSON line each, the same field names:
#   worker_rss_idle          RSS with 0, 1, 10, 20 idle workers; MiB per worker
#   worker_start             spawn -> the worker's first message; terminate
#   worker_pingpong          {i, data: 64-byte string} echoed, 100k round trips
#   worker_oneway_p2c / c2p  1e6 such messages one way, 50k un-acked at most, ack every 10k
#   worker_buf64m_transfer / clone   64 MiB posted moved (transfer list) or copied
#   thread_pingpong_floor    ruv's bench only: the same round trips between two plain std
#                            threads over std::sync::mpsc, blocking (the machine's wake-up floor)
# Conditions: "idle" (every part, Node then ruv), then "awake": the ping-pong again, Node
# then ruv, with two `nice -n 19` busy loops keeping both vCPUs awake (the condition of
# ../shared/anchors/node/pingpong_wakeup.sh: a small round trip here mostly waits for an
# idle vCPU to wake up, for ruv and Node alike).
#   benches/worker.sh [SCALE=1] [ROUNDS=1]
# Prints every JSON line (tagged with side and cond), then a markdown table: metric, ruv,
# Node, ratio (how many times better ruv is), goal, met?. With ROUNDS > 1 each cell is the
# median over the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${1:-1}
ROUNDS=${2:-1}

command -v node >/dev/null || { echo "node is needed for the reference side" >&2; exit 1; }
cargo bench -q -p ruv-worker --bench worker --no-run

OUT=$(mktemp)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -f "$OUT"
}
trap cleanup EXIT

# tag SIDE COND: prefixes each JSON line, keeps a copy for the table
tag() { sed -u "s/^{/{\"side\":\"$1\",\"cond\":\"$2\",/" | tee -a "$OUT"; }

# both COND PARTS: Node's script, then ruv's bench
both() {
  SCALE=$SCALE PARTS=$2 node bench-ref/node/bench_worker.js | tag node "$1"
  SCALE=$SCALE PARTS=$2 cargo bench -q -p ruv-worker --bench worker | tag ruv "$1"
}

echo "# benches/worker.sh: SCALE=$SCALE, $ROUNDS round(s), $(date -u +%Y-%m-%dT%H:%M:%SZ)," \
  "$(nproc) vCPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs))," \
  "node $(node --version), $(rustc --version | cut -d' ' -f1-2)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  echo "# round $r: idle"
  both idle rss,start,pingpong,oneway,buf,floor
  echo "# round $r: awake (two nice -n 19 busy loops)"
  for _ in 1 2; do
    nice -n 19 node -e "const t = Date.now(); while (Date.now() - t < 900000);" &
    PIDS+=($!)
  done
  sleep 0.5
  both awake pingpong,floor
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  PIDS=()
done
echo "# done $(date -u +%Y-%m-%dT%H:%M:%SZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"

node - "$OUT" <<'EOF'
const fs = require('fs');
const rows = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
// the value of `path` in part `name` under `cond` for `side`: the median over the rounds
const val = (side, cond, name, path) => {
  const xs = rows.filter((r) => r.side === side && r.cond === cond && r.name === name)
    .map((r) => path.split('.').reduce((o, k) => o?.[k], r)).filter((x) => typeof x === 'number');
  return xs.length ? median(xs) : undefined;
};
// [metric, cond, part, field, unit, lower is better, goal (times better), or null]
const METRICS = [
  ['start → first message, median', 'idle', 'worker_start', 'firstMsgMs.med', 'ms', true, 20],
  ['start → first message, p90', 'idle', 'worker_start', 'firstMsgMs.p90', 'ms', true, null],
  ['terminate, mean', 'idle', 'worker_start', 'terminateMeanMs', 'ms', true, null],
  ['ping-pong round trip, idle', 'idle', 'worker_pingpong', 'usPerRt', 'µs', true, 5],
  ['ping-pong round trip, vCPUs kept awake', 'awake', 'worker_pingpong', 'usPerRt', 'µs', true, 5],
  ['one way parent → worker', 'idle', 'worker_oneway_p2c', 'msgsPerSec', 'msgs/s', false, 5],
  ['one way worker → parent', 'idle', 'worker_oneway_c2p', 'msgsPerSec', 'msgs/s', false, 5],
  ['64 MiB transfer, post (mean)', 'idle', 'worker_buf64m_transfer', 'postMeanMs', 'ms', true, null],
  ['64 MiB transfer, until the reply (mean)', 'idle', 'worker_buf64m_transfer', 'ackMeanMs', 'ms', true, null],
  ['64 MiB clone, post (mean)', 'idle', 'worker_buf64m_clone', 'postMeanMs', 'ms', true, null],
  ['64 MiB clone, until the reply (mean)', 'idle', 'worker_buf64m_clone', 'ackMeanMs', 'ms', true, null],
  ['floor: two std threads over mpsc, idle', 'idle', 'thread_pingpong_floor', 'usPerRt', 'µs', true, null],
  ['floor: two std threads over mpsc, awake', 'awake', 'thread_pingpong_floor', 'usPerRt', 'µs', true, null],
  ['RSS per idle worker (of 20)', 'idle', 'worker_rss_idle', 'perWorkerMiB', 'MiB', true, 20],
];
const fmt = (x) => x === undefined ? '–' : x >= 1000 ? Math.round(x).toLocaleString('en-US')
  : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
console.log('\n| metric | ruv | Node | ratio | goal | met? |');
console.log('|---|---:|---:|---:|---:|:---:|');
for (const [metric, cond, name, path, unit, lower, goal] of METRICS) {
  const r = val('ruv', cond, name, path), n = val('node', cond, name, path);
  let ratio; if (r !== undefined && n !== undefined) ratio = lower ? n / r : r / n;
  const ratioS = ratio === undefined ? '–' : ratio >= 100 ? `${Math.round(ratio)}×` : `${ratio.toFixed(1)}×`;
  const goalS = goal === null ? '–' : unit === 'MiB' ? `≤ 1/${goal} of Node` : `≥ ${goal}×`;
  const met = goal === null || ratio === undefined ? '–' : ratio >= goal ? 'yes' : '**no**';
  console.log(`| ${metric} (${unit}) | ${fmt(r)} | ${fmt(n)} | ${ratioS} | ${goalS} | ${met} |`);
}
EOF
