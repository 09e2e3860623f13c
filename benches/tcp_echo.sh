#!/usr/bin/env bash
# benches/tcp_echo.sh: examples/echo.rs (ruv-net) against bench-ref/node/tcp_echo.js (Node's
# net, socket.pipe(socket)) in the same run, one load generator for both
# (examples/echo_load.rs): ping-pong msgs/s and streaming MiB/s, the ratio ruv / Node.
#   benches/tcp_echo.sh [SECS=5] [CONNECTIONS=100] [ROUNDS=3]
# ping-pong: CONNECTIONS connections, each sending 64 B and waiting for its echo; stream:
# one connection writing 64 KiB chunks while the echo is counted. The servers take turns
# (ruv, node, ruv, node ...) so that load from other work on the machine hits both alike;
# the summary is the median round of each and their ratio. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
CONNS=${2:-100}
ROUNDS=${3:-3}

command -v node >/dev/null || { echo "node is needed for the reference server" >&2; exit 1; }
cargo build --release --example echo --example echo_load -q
LOAD=target/release/examples/echo_load

PIDS=()
LOGS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for l in "${LOGS[@]}"; do rm -f "$l"; done
}
trap cleanup EXIT

# start CMD...: runs a server on an ephemeral port, sets PORT from its "listening on" line
start() {
  local log
  log=$(mktemp)
  LOGS+=("$log")
  "$@" >"$log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    PORT=$(sed -n 's#^echo server listening on 127.0.0.1:\([0-9]*\)$#\1#p' "$log")
    [ -n "$PORT" ] && return 0
    sleep 0.1
  done
  echo "server did not start: $*" >&2; cat "$log" >&2; exit 1
}

# bench NAME MODE: one echo_load run on $PORT; sets VAL (msgs/s or MiB/s)
bench() {
  local out
  if [ "$2" = pingpong ]; then
    out=$("$LOAD" pingpong "$PORT" "$CONNS" "$SECS")
    VAL=$(sed -n 's/.*msgs_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
  else
    out=$("$LOAD" stream "$PORT" "$SECS")
    VAL=$(sed -n 's/.*mib_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
  fi
  printf '%-5s %s\n' "$1" "$out"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

echo "echo_load, ${SECS} s per run, $CONNS ping-pong connections, $ROUNDS rounds each," \
  "$(nproc) cores, $(node --version), load average $(cut -d' ' -f1-3 /proc/loadavg)"
start target/release/examples/echo --port 0; RUV_PORT=$PORT
start node bench-ref/node/tcp_echo.js 0; NODE_PORT=$PORT
# warm-up (Node's JIT, both servers' first allocations)
PORT=$RUV_PORT; "$LOAD" pingpong "$PORT" "$CONNS" 1 >/dev/null; "$LOAD" stream "$PORT" 1 >/dev/null
PORT=$NODE_PORT; "$LOAD" pingpong "$PORT" "$CONNS" 1 >/dev/null; "$LOAD" stream "$PORT" 1 >/dev/null

for mode in pingpong stream; do
  RUV_RES=(); NODE_RES=()
  for _ in $(seq "$ROUNDS"); do
    PORT=$RUV_PORT; bench ruv "$mode"; RUV_RES+=("$VAL")
    PORT=$NODE_PORT; bench node "$mode"; NODE_RES+=("$VAL")
  done
  unit=$([ "$mode" = pingpong ] && echo "msgs/s" || echo "MiB/s")
  RUV_MED=$(median "${RUV_RES[@]}"); NODE_MED=$(median "${NODE_RES[@]}")
  awk -v m="$mode" -v u="$unit" -v r="$RUV_MED" -v n="$NODE_MED" \
    'BEGIN { printf "%-8s median ruv %s %s, node %s %s, ratio ruv/node %.2f\n", m, r, u, n, u, r / n }'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
