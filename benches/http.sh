#!/usr/bin/env bash
# benches/http.sh: wrk against examples/http_hello.rs (ruv-net) and bench-ref/node/http_hello.js
# (Node's http) in the same run; prints req/s, p50, p99 and the ratio ruv / Node.
#   benches/http.sh [DURATION=10s] [CONNECTIONS=100] [ROUNDS=3]
# The servers take turns (ruv, node, ruv, node ...) so that load from other work on the
# machine hits both alike; the summary is the median round of each and their ratio.
# Installs wrk from Debian's packages if it is missing. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10s}
CONNS=${2:-100}
ROUNDS=${3:-3}

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
command -v node >/dev/null || { echo "node is needed for the reference server" >&2; exit 1; }
cargo build --release --example http_hello -q

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# start CMD...: runs a server on an ephemeral port, sets PORT from its "listening on" line
start() {
  local log
  log=$(mktemp)
  "$@" >"$log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    PORT=$(sed -n 's#^listening on http://127.0.0.1:\([0-9]*\)$#\1#p' "$log")
    [ -n "$PORT" ] && return 0
    sleep 0.1
  done
  echo "server did not start: $*" >&2; cat "$log" >&2; exit 1
}

# bench NAME: wrk -t1 -cCONNS -dDURATION --latency on $PORT; sets RPS, P50, P99
bench() {
  local out
  wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$PORT/" >/dev/null   # warm-up
  out=$(wrk -t1 -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/")
  RPS=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  P50=$(awk '$1=="50%" {print $2}' <<<"$out")
  P99=$(awk '$1=="99%" {print $2}' <<<"$out")
  local errs
  errs=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
  printf '%-6s %12s req/s   p50 %8s   p99 %8s  %s\n' "$1" "$RPS" "$P50" "$P99" "$errs"
}

echo "wrk -t1 -c$CONNS -d$DURATION, $ROUNDS rounds each, $(nproc) cores, $(node --version)"
start target/release/examples/http_hello --port 0; RUV_PORT=$PORT
start node bench-ref/node/http_hello.js 0; NODE_PORT=$PORT
RUV_RES=(); NODE_RES=()
for r in $(seq "$ROUNDS"); do
  PORT=$RUV_PORT; bench ruv; RUV_RES+=("$RPS $P50 $P99")
  PORT=$NODE_PORT; bench node; NODE_RES+=("$RPS $P50 $P99")
done
# median round (by req/s) of each server
median() { printf '%s\n' "$@" | sort -g -k1,1 | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }
RUV_MED=$(median "${RUV_RES[@]}"); NODE_MED=$(median "${NODE_RES[@]}")
echo "median ruv : $RUV_MED   (req/s p50 p99)"
echo "median node: $NODE_MED"
awk -v r="${RUV_MED%% *}" -v n="${NODE_MED%% *}" 'BEGIN { printf "ratio ruv/node (req/s): %.2f\n", r / n }'
