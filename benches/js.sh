#!/usr/bin/env bash
# benches/js.sh — ruvjs beside Node, one run (issue 14): start to first line, idle RSS, the
# setImmediate chain, 1e6 setTimeout, the ordering script's wall time and the pbkdf2
# experiment, then the http hello server under wrk (benches/js_http.sh). Prints markdown tables.
#
#   benches/js.sh            # REPS=20 start-up runs each; HTTP_DURATION=5s of wrk each
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "js.sh: node is missing" >&2; exit 1; }
REPS=${REPS:-20}
cargo build --release -q -p ruv-js
RUVJS=target/release/ruvjs
ms() { # median wall ms of REPS runs of a command
  python3 - "$REPS" "$@" <<'PY'
import statistics, subprocess, sys, time
reps, cmd = int(sys.argv[1]), sys.argv[2:]
ts = []
for _ in range(reps):
    t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True); ts.append((time.perf_counter() - t) * 1000)
print(f"{statistics.median(ts):.1f}")
PY
}
last() { "$@" | tail -n 1; }
row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }
echo "| measure | ruvjs | node |"
echo "|---|---|---|"
row "start to exit, console.log('hi') (median of $REPS, ms)" "$(ms $RUVJS bench-ref/js/hi.js)" "$(ms node bench-ref/js/hi.js)"
row "RSS of an idle script (bytes)" "$($RUVJS bench-ref/js/idle_rss.js)" "$(node bench-ref/js/idle_rss.js)"
row "setImmediate chain" "$(last $RUVJS bench-ref/js/immediate_chain.js 100000)" "$(last node bench-ref/js/immediate_chain.js 100000)"
row "setTimeout 0" "$(last $RUVJS bench-ref/js/timeouts.js 1000000)" "$(last node bench-ref/js/timeouts.js 1000000)"
row "ordering.js wall (median of 5, ms)" "$(REPS=5 ms $RUVJS crates/ruv-js/tests/data/ordering.js)" "$(REPS=5 ms node crates/ruv-js/tests/data/ordering.js)"
row "pbkdf2 × 5 on 4 threads (Hash: ms)" "$(UV_THREADPOOL_SIZE=4 $RUVJS crates/ruv-js/tests/data/pbkdf2_pool.js 5 | grep Hash | tr '\n' ' ')" "$(UV_THREADPOOL_SIZE=4 node crates/ruv-js/tests/data/pbkdf2_pool.js 5 | grep Hash | tr '\n' ' ')"
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $(date -u +%FT%TZ)"
echo
bash benches/js_http.sh "${HTTP_DURATION:-5s}"
