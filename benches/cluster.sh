#!/usr/bin/env bash
# benches/cluster.sh — ruv's cluster examples side by side with Node's cluster, in one run,
# alternating ruv and Node (issue 12, item 5). Prints a markdown table.
#
#   benches/cluster.sh            # full durations (cpu ab 10 s, hello wrk 5 s, avail 10 s)
#   SHORT=1 benches/cluster.sh    # halved durations
#   ONLY="spread nginx" benches/cluster.sh   # only some sections: cpu hello roll crash
#                                            # spread nginx timeline (default: all)
#   SVG=docs/img/rolling-restart.svg         # where the timeline picture goes
#
# Needs node (v20) and wrk; installs ab (apache2-utils) when missing. The Node servers are
# the copies in bench-ref/node/ of the anchors in ../shared/anchors/node/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NODE_DIR=$ROOT/bench-ref/node
EX=$ROOT/target/release/examples
T_CPU=10 T_HELLO=5 T_AVAIL=10 ROLL_AT=(3 7)
if [ "${SHORT:-0}" = 1 ]; then T_CPU=5 T_HELLO=3 T_AVAIL=6 ROLL_AT=(2 4); fi

command -v ab >/dev/null || { apt-get install -y apache2-utils >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y apache2-utils >/dev/null; }; }
for t in ab wrk node; do command -v $t >/dev/null || { echo "cluster.sh: $t is missing" >&2; exit 1; }; done
cargo build --release -q -p ruv --example cluster_hello --example cluster_cpu --example cpu_server --example http_hello

want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
WORK=$(mktemp -d)
SRV=
cleanup() { [ -n "$SRV" ] && kill -TERM "$SRV" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=18400
next_port() { PORT=$((PORT + 1)); }

# start NAME CMD...: start a server on $PORT (the word @PORT@ in CMD), wait until it answers.
start() {
  local name=$1; shift
  local cmd=("${@//@PORT@/$PORT}")
  "${cmd[@]}" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  SRV=$!
  for _ in $(seq 1 200); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0
    sleep 0.05
  done
  echo "cluster.sh: $name did not start" >&2; cat "$WORK/$name.err" >&2; exit 1
}
stop() { kill -TERM "$SRV" 2>/dev/null || true; wait "$SRV" 2>/dev/null || true; SRV=; sleep 0.3; }

ab_rps() { awk '/Requests per second/ {print int($4)}' "$1"; }
ab_failed() { awk '/Failed requests/ {print $3}' "$1"; }
ab_total() { awk '/Complete requests/ {print $3}' "$1"; }
wrk_rps() { awk '/Requests\/sec/ {print int($2)}' "$1"; }
wrk_p99() { awk '$1=="99%" {print $2}' "$1"; }
wrk_err() { grep -E 'Socket errors|Non-2xx' "$1" | tr -s ' ' | tr '\n' ' ' || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

ROWS=()
row() { ROWS+=("| $* |"); }

# (1) CPU server, ab -c200 -t$T_CPU: single vs cluster of 2.
if want cpu; then
cpu_run() { # label cmd...
  local label=$1; shift; next_port; start "$label" "$@"
  ab -q -c200 -t"$T_CPU" -n 10000000 "http://127.0.0.1:$PORT/" >"$WORK/$label.ab" 2>&1 || true
  stop
}
cpu_run ruv-cpu-1 "$EX/cpu_server" --port @PORT@
cpu_run node-cpu-1 node "$NODE_DIR/http_server.js" @PORT@ 0 cpu
cpu_run ruv-cpu-2 "$EX/cluster_cpu" --port @PORT@ --workers 2
cpu_run node-cpu-2 node "$NODE_DIR/http_server.js" @PORT@ 2 cpu
for who in ruv node; do
  s=$(ab_rps "$WORK/$who-cpu-1.ab"); c=$(ab_rps "$WORK/$who-cpu-2.ab")
  row "cpu ab -c200 -t$T_CPU | $who | single $s req/s (failed $(ab_failed "$WORK/$who-cpu-1.ab")) | cluster(2) $c req/s (failed $(ab_failed "$WORK/$who-cpu-2.ab")) | ×$(ratio "$c" "$s")"
done

fi

# (2) hello, wrk -t1 -c100 -d${T_HELLO}s (after a 1 s warm-up): single vs cluster of 2.
# On 2 vCPUs the primary, the workers and wrk share the CPUs; wrk is not pinned.
if want hello; then
hello_run() {
  local label=$1; shift; next_port; start "$label" "$@"
  wrk -t1 -c100 -d1s "http://127.0.0.1:$PORT/" >/dev/null 2>&1 || true
  wrk -t1 -c100 -d"${T_HELLO}s" --latency "http://127.0.0.1:$PORT/" >"$WORK/$label.wrk" 2>&1 || true
  stop
}
hello_run ruv-hello-1 "$EX/http_hello" --port @PORT@
hello_run node-hello-1 node "$NODE_DIR/http_server.js" @PORT@ 0 hello
hello_run ruv-hello-2 "$EX/cluster_hello" --port @PORT@ --workers 2
hello_run node-hello-2 node "$NODE_DIR/http_server.js" @PORT@ 2 hello
for who in ruv node; do
  s=$(wrk_rps "$WORK/$who-hello-1.wrk"); c=$(wrk_rps "$WORK/$who-hello-2.wrk")
  row "hello wrk -t1 -c100 -d${T_HELLO}s | $who | single $s req/s, p99 $(wrk_p99 "$WORK/$who-hello-1.wrk") $(wrk_err "$WORK/$who-hello-1.wrk")| cluster(2) $c req/s, p99 $(wrk_p99 "$WORK/$who-hello-2.wrk") $(wrk_err "$WORK/$who-hello-2.wrk")| ×$(ratio "$c" "$s")"
done
rh=$(wrk_rps "$WORK/ruv-hello-2.wrk"); nh=$(wrk_rps "$WORK/node-hello-2.wrk")
row "hello cluster(2), ruv / Node | both | ruv $rh req/s | Node $nh req/s | ×$(ratio "$rh" "$nh") (goal ≥ 1.5)"

fi

# (3) rolling restart during ab -r -c50 -t$T_AVAIL: SIGUSR2 at ${ROLL_AT[0]} s and ${ROLL_AT[1]} s.
if want roll; then
roll_run() { # label mode cmd...
  local label=$1 mode=$2; shift 2; next_port; start "$label" "$@"
  ab -q -r -c50 -t"$T_AVAIL" -n 10000000 "http://127.0.0.1:$PORT/" >"$WORK/$label.ab" 2>&1 &
  local abp=$!
  sleep "${ROLL_AT[0]}"; kill -USR2 "$SRV"
  sleep $((ROLL_AT[1] - ROLL_AT[0])); kill -USR2 "$SRV"
  wait "$abp" || true
  stop
}
for mode in cpu hello; do
  roll_run "ruv-roll-$mode" $mode "$EX/cluster_$mode" --port @PORT@ --workers 2
  roll_run "node-roll-$mode" $mode node "$NODE_DIR/cluster_avail.js" @PORT@ 2 $mode 0
  for who in ruv node; do
    f=$WORK/$who-roll-$mode
    ab_note=$(grep -E 'apr_|\(Connect:' "$f.ab" | tr -s ' ' | tr '\n' ' ' || true)
    if [ $who = ruv ]; then rep="replaced $(grep -c 'replaced by worker' "$f.err" || true) workers"; else rep=$(grep -o '"replaced":[0-9]*' "$f.out" || echo "-"); fi
    row "rolling restart ×2, $mode, ab -r -c50 -t$T_AVAIL | $who | failed $(ab_failed "$f.ab") of $(ab_total "$f.ab") | $ab_note | $rep"
  done
done

fi

# (4) random crashes, P = 0.001 per request, avail_client.js (50 loops, $T_AVAIL s).
if want crash; then
crash_run() { # label cmd...
  local label=$1; shift; next_port; start "$label" "$@"
  EXPECT=${EXPECT:-hello} node "$NODE_DIR/avail_client.js" "$PORT" 50 "$T_AVAIL" >"$WORK/$label.client" 2>&1 || true
  stop
}
for mode in cpu hello; do
  EXPECT=$([ $mode = cpu ] && echo result || echo hello) crash_run "ruv-crash-$mode" "$EX/cluster_$mode" --port @PORT@ --workers 2 --crash 0.001
  crash_run "node-crash-$mode" node "$NODE_DIR/cluster_avail.js" @PORT@ 2 $mode 0.001
  rc=$(grep -c 'exited: restarting' "$WORK/ruv-crash-$mode.err" || true)
  nc=$(grep -o '"crashes":[0-9]*' "$WORK/node-crash-$mode.out" | cut -d: -f2 || true)
  gave=$(grep -c 'given up' "$WORK/ruv-crash-$mode.err" || true)
  for who in ruv node; do
    j=$(cat "$WORK/$who-crash-$mode.client")
    failed=$(echo "$j" | grep -o '"failed":[0-9]*' | cut -d: -f2); total=$(echo "$j" | grep -o '"total":[0-9]*' | cut -d: -f2)
    by=$(echo "$j" | grep -o '"byError":{[^}]*}' | cut -c11-)
    if [ $who = ruv ]; then cr=$rc; extra=" (gave up: $gave slots)"; else cr=$nc; extra=; fi
    row "crash P=0.001, $mode, avail_client 50×${T_AVAIL}s | $who | failed $failed of $total $by | $cr crashes$extra | $(ratio "$failed" "$cr") failed/crash"
  done
done

fi

# (5) spread of requests over the workers, wrk -t1 -c100 keep-alive, per policy: each
# answer names its worker (benches/spread.lua counts them).
if want spread; then
spread_run() { # label env-assignment cmd...
  local label=$1 envs=$2; shift 2; next_port
  env $envs bash -c 'exec "$@"' _ "${@//@PORT@/$PORT}" >"$WORK/$label.out" 2>"$WORK/$label.err" &
  SRV=$!
  for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.05; done
  sleep 1 # the first answer means one worker listens: give the others time to as well
  wrk -t1 -c100 -d"${T_HELLO}s" -s benches/spread.lua "http://127.0.0.1:$PORT/" >"$WORK/$label.wrk" 2>&1 || true
  stop
}
for pol in rr shared reuseport; do
  case $pol in
    rr) e="RUV_CLUSTER_SCHED_POLICY=rr" ;;
    shared) e="NODE_CLUSTER_SCHED_POLICY=none" ;;
    reuseport) e="RUV_CLUSTER_SCHED_POLICY=reuseport" ;;
  esac
  spread_run "ruv-spread-$pol" "$e" "$EX/cluster_hello" --port @PORT@ --workers 2 --stats
  # connections per worker: the most each worker reported open (--stats, every second)
  conns=$(awk '/stats: worker/ { id=$4; sub(":", "", id); if ($5 > m[id]) m[id] = $5 }
    END { for (i in m) printf "%s=%d ", i, m[i] }' "$WORK/ruv-spread-$pol.err")
  row "spread, wrk -t1 -c100 -d${T_HELLO}s keep-alive, $pol | ruv | requests $(grep '^spread' "$WORK/ruv-spread-$pol.wrk" | cut -c8-) | connections ${conns}; $(wrk_rps "$WORK/ruv-spread-$pol.wrk") req/s | goal max/min ≤ 1.2"
  if [ $pol != reuseport ]; then
    ne=$([ $pol = rr ] && echo NODE_CLUSTER_SCHED_POLICY=rr || echo NODE_CLUSTER_SCHED_POLICY=none)
    spread_run "node-spread-$pol" "$ne" node "$NODE_DIR/cluster_spread.js" @PORT@ 2
    row "spread, wrk -t1 -c100 -d${T_HELLO}s keep-alive, $pol | node | $(grep '^spread' "$WORK/node-spread-$pol.wrk" | cut -c8-) | $(wrk_rps "$WORK/node-spread-$pol.wrk") req/s | "
  fi
done
fi

# (6) hello with 2 workers: ruv's cluster vs Node's cluster vs nginx (worker_processes 2),
# wrk -t1 -c100 pinned to the last CPU (taskset), the servers on every CPU.
if want nginx; then
PIN=(); command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ] && PIN=(taskset -c $(($(nproc) - 1)))
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
two_run() {
  local label=$1; shift; next_port; start "$label" "$@"
  "${PIN[@]}" wrk -t1 -c100 -d1s "http://127.0.0.1:$PORT/" >/dev/null 2>&1 || true
  "${PIN[@]}" wrk -t1 -c100 -d"${T_HELLO}s" --latency "http://127.0.0.1:$PORT/" >"$WORK/$label.wrk" 2>&1 || true
  stop
}
two_run ruv-two "$EX/cluster_hello" --port @PORT@ --workers 2
two_run node-two node "$NODE_DIR/http_server.js" @PORT@ 2 hello
if [ -x "$NGINX" ]; then
  mkdir -p "$WORK/nginx"
  two_run nginx-two bash benches/nginx_hello.sh "$NGINX" "$WORK/nginx" @PORT@ 2
  ng=$(wrk_rps "$WORK/nginx-two.wrk")
else
  ng=-
fi
r2=$(wrk_rps "$WORK/ruv-two.wrk"); n2=$(wrk_rps "$WORK/node-two.wrk")
row "hello, 2 workers, wrk -t1 -c100 -d${T_HELLO}s${PIN:+ (wrk pinned)} | all | ruv $r2, Node $n2, nginx $ng req/s | p99 ruv $(wrk_p99 "$WORK/ruv-two.wrk"), Node $(wrk_p99 "$WORK/node-two.wrk"), nginx $( [ "$ng" = - ] && echo - || wrk_p99 "$WORK/nginx-two.wrk") | ruv/Node ×$(ratio "$r2" "$n2"), ruv/nginx ×$(ratio "$r2" "$ng") (goals ≥ 1.5, ≥ 1)"
fi

# (7) timeline of a rolling restart (ruv, round-robin): which worker answered when, under
# 20 loops of fresh connections; SIGUSR2 at ${ROLL_AT[0]} s and ${ROLL_AT[1]} s.
if want timeline; then
next_port; start ruv-timeline "$EX/cluster_hello" --port @PORT@ --workers 2
node "$NODE_DIR/roll_timeline.js" "$PORT" 20 "$T_AVAIL" 100 >"$WORK/ruv-timeline.json" 2>&1 &
tp=$!
sleep "${ROLL_AT[0]}"; kill -USR2 "$SRV"
sleep $((ROLL_AT[1] - ROLL_AT[0])); kill -USR2 "$SRV"
wait "$tp" || true
stop
svg=${SVG:-$WORK/rolling-restart.svg}
python3 scripts/timeline_svg.py "$WORK/ruv-timeline.json" "$svg" --marks "${ROLL_AT[0]},${ROLL_AT[1]}" \
  --title "cluster_hello, 2 workers, round-robin: SIGUSR2 twice under 20 loops of fresh connections"
tj=$(cat "$WORK/ruv-timeline.json")
row "rolling restart timeline | ruv | $(echo "$tj" | grep -o '"ok":[0-9]*') $(echo "$tj" | grep -o '"failedTotal":[0-9]*') | $(grep -c 'replaced by worker' "$WORK/ruv-timeline.err" || true) replaced | $svg"
fi

echo "| experiment | side | A | B | ratio / note |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP" && cp "$WORK"/* "$KEEP"/; fi
