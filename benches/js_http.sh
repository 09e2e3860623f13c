#!/usr/bin/env bash
# benches/js_http.sh: ruvjs beside node running the same `http` hello server
# (bench-ref/js/http_hello.js), each measured with `wrk -t1 -c100 -dDURATION`, one after the
# other in one run; prints req/s (and p50/p99) of both and the ratio ruvjs / node.
#   benches/js_http.sh [DURATION=5s]
# Builds ruvjs in release. Installs wrk from Debian's packages if it is missing (as
# benches/http.sh does). Loopback only; the servers are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-${DURATION:-5s}}
[[ $DURATION =~ ^[0-9]+[smh]?$ ]] || { echo "js_http.sh: DURATION must be like 5s, got '$DURATION'" >&2; exit 2; }
command -v node >/dev/null || { echo "js_http.sh: node is needed" >&2; exit 1; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else echo "root is needed to run: $*" >&2; return 1
  fi
}
if ! command -v wrk >/dev/null; then
  as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
cargo build --release -q -p ruv-js
TMP=$(mktemp -d)
PID=
cleanup() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$TMP"; }
trap cleanup EXIT
# run NAME CMD...: starts the server on an ephemeral port, waits for its line, runs wrk
run() {
  local name=$1; shift
  "$@" bench-ref/js/http_hello.js 0 >"$TMP/$name.out" 2>&1 &
  PID=$!
  local url=
  for _ in $(seq 100); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*' "$TMP/$name.out" || true)
    [ -n "$url" ] && break
    sleep 0.05
  done
  [ -n "$url" ] || { echo "$name did not start:"; cat "$TMP/$name.out"; exit 1; } >&2
  wrk -t1 -c100 -d"$DURATION" --latency "$url/" >"$TMP/$name.wrk"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$TMP/$name.wrk")
  p50=$(awk '$1 == "50%" {print $2}' "$TMP/$name.wrk")
  p99=$(awk '$1 == "99%" {print $2}' "$TMP/$name.wrk")
  grep -E 'Non-2xx|Socket errors' "$TMP/$name.wrk" >&2 || true
  printf '| %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99"
  echo "$rps" >"$TMP/$name.rps"
}
echo "| server | req/s | p50 | p99 |"
echo "|---|---|---|---|"
run ruvjs target/release/ruvjs
run node node
echo
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'ratio ruvjs / node: {a / b:.2f}')" "$(cat "$TMP/ruvjs.rps")" "$(cat "$TMP/node.rps")"
echo "wrk -t1 -c100 -d$DURATION; load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $(date -u +%FT%TZ)"
