#!/usr/bin/env bash
# benches/http.sh: wrk against ruv's HTTP examples, Node's http and nginx (one worker) in the
# same run; per run a table of req/s, p50, p99, errors and the ratios ruv / Node, ruv / nginx.
#   benches/http.sh [DURATION=5s] [CONNECTIONS=100] [ROUNDS=3]
# The same settings can come from the environment (DURATION, CONNECTIONS, ROUNDS), and also
#   WARMUP=2s   wrk run before each server's first round of each run, not counted
#   PIPELINE=16 requests in one pipelined batch (the pipeline run)
#   BODY=1024   bytes in each POST body (the post run)
#   RUNS="hello pipeline post"   which runs, in this order
#   PIN=0       no CPU pinning
# Runs (each with every server, wrk -t1 -cCONNECTIONS):
#   hello     GET /                 examples/http_hello.rs, bench-ref/node/http_hello.js, nginx
#   pipeline  batches of PIPELINE pipelined GETs (benches/http_pipeline.lua), same servers
#   post      POST of BODY bytes, echoed back (benches/http_post.lua): examples/http_echo.rs
#             (skipped until it exists), bench-ref/node/http_echo.js; nginx n/a (it cannot
#             echo a body without extra modules)
# In each round the servers take turns (ruv, node, nginx, ruv, ...) so that load from other
# work on the machine hits them alike; the table shows each server's median round (by
# req/s) and the errors of all its rounds. Servers run on one CPU and wrk on another
# (taskset) where there are two. Installs wrk and nginx from Debian's packages if they are
# missing (never starting nginx's system service); nginx runs from a config generated in a
# temporary directory and is stopped with the other servers on exit. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-${DURATION:-5s}}
CONNS=${2:-${CONNECTIONS:-100}}
ROUNDS=${3:-${ROUNDS:-3}}
WARMUP=${WARMUP:-2s}
PIPELINE=${PIPELINE:-16}
BODY=${BODY:-1024}
RUNS=${RUNS:-hello pipeline post}
PIN=${PIN:-1}

usage() { echo "benches/http.sh: $1 (usage: benches/http.sh [DURATION=5s] [CONNECTIONS=100] [ROUNDS=3])" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+[smh]?$ ]] || usage "DURATION must be like 5s, 2m or 30, got '$DURATION'"
[[ $WARMUP =~ ^[0-9]+[smh]?$ ]] || usage "WARMUP must be like 2s, got '$WARMUP'"
[[ $CONNS =~ ^[1-9][0-9]*$ ]] || usage "CONNECTIONS must be a positive integer, got '$CONNS'"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || usage "ROUNDS must be a positive integer, got '$ROUNDS'"
[[ $PIPELINE =~ ^[1-9][0-9]*$ ]] || usage "PIPELINE must be a positive integer, got '$PIPELINE'"
[[ $BODY =~ ^[0-9]+$ ]] || usage "BODY must be a byte count, got '$BODY'"
read -r -a RUN_LIST <<<"$RUNS"
NEED_HELLO=; NEED_ECHO=
for run in "${RUN_LIST[@]}"; do
  case $run in
    hello | pipeline) NEED_HELLO=1 ;;
    post) NEED_ECHO=1 ;;
    *) usage "RUNS takes hello, pipeline and post, got '$run'" ;;
  esac
done

TMP=$(mktemp -d)
PIDS=()
POLICY=/usr/sbin/policy-rc.d
POLICY_MADE=
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$POLICY_MADE" ]; then as_root rm -f "$POLICY" || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# as_root CMD...: runs CMD as root (directly, or through sudo without a password prompt)
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo -n "$@"
  else echo "root is needed to run: $*" >&2; return 1
  fi
}
apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    >"$TMP/apt.log" 2>&1 || { cat "$TMP/apt.log" >&2; return 1; }
}

if ! command -v wrk >/dev/null; then
  as_root apt-get update -qq && apt_install wrk
fi
command -v node >/dev/null || { echo "node is needed for the reference servers" >&2; exit 1; }

# nginx: the binary, installed from nginx-light or nginx (whichever has a candidate) if missing
find_nginx() {
  if command -v nginx; then return 0; fi
  if [ -x /usr/sbin/nginx ]; then echo /usr/sbin/nginx; fi
}
nginx_package() {
  local pkg cand
  for pkg in nginx-light nginx; do
    cand=$(apt-cache policy "$pkg" 2>/dev/null | awk '/Candidate:/ { print $2 }')
    if [ -n "$cand" ] && [ "$cand" != "(none)" ]; then echo "$pkg"; return 0; fi
  done
}
install_nginx() {
  local pkg
  command -v apt-cache >/dev/null || { echo "no apt-cache to install nginx with" >&2; return 1; }
  pkg=$(nginx_package)
  if [ -z "$pkg" ]; then as_root apt-get update -qq; pkg=$(nginx_package); fi
  [ -n "$pkg" ] || { echo "neither nginx-light nor nginx has an installable version" >&2; return 1; }
  echo "installing $pkg (its service is not started)"
  # invoke-rc.d and deb-systemd-invoke ask policy-rc.d; 101 means "do not start services"
  if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$POLICY" >/dev/null
    POLICY_MADE=1
    as_root chmod 755 "$POLICY"
  fi
  local rc=0
  apt_install "$pkg" || rc=$?
  if [ -n "$POLICY_MADE" ]; then as_root rm -f "$POLICY"; POLICY_MADE=; fi
  return "$rc"
}
NGINX=
if [ -n "$NEED_HELLO" ]; then
  NGINX=$(find_nginx)
  if [ -z "$NGINX" ]; then
    if install_nginx; then NGINX=$(find_nginx); fi
    [ -n "$NGINX" ] || echo "nginx is not available: its rows are skipped" >&2
  fi
fi

EXAMPLES=(--example http_hello)
RUV_ECHO=
if [ -f examples/http_echo.rs ]; then
  EXAMPLES+=(--example http_echo)
  RUV_ECHO=target/release/examples/http_echo
fi
cargo build --release "${EXAMPLES[@]}" -q

# Pinning: servers on the first CPU this process may use, wrk on the second.
mapfile -t CPUS < <(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status | tr ',' '\n' |
  awk -F- '{ e = ($2 == "" ? $1 : $2); for (i = $1; i <= e; i++) print i }')
if [ "$PIN" = 0 ]; then
  SRV=(env); LOAD=(env)
  PINNING="not pinned (PIN=0)"
elif command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ] && [ "${#CPUS[@]}" -ge 2 ]; then
  SRV=(taskset -c "${CPUS[0]}"); LOAD=(taskset -c "${CPUS[1]}")
  PINNING="servers pinned to CPU ${CPUS[0]}, wrk to CPU ${CPUS[1]} (taskset -c)"
else
  SRV=(env); LOAD=(env)
  PINNING="not pinned (needs taskset and 2 CPUs; nproc is $(nproc))"
fi

# start CMD...: runs a server on an ephemeral port, sets PORT from its "listening on" line
start() {
  local log pid
  log=$(mktemp -p "$TMP")
  "${SRV[@]}" "$@" >"$log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 100); do
    PORT=$(sed -n 's#^listening on http://127.0.0.1:\([0-9]*\)$#\1#p' "$log")
    [ -n "$PORT" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start: $*" >&2; cat "$log" >&2; exit 1
}

free_port() {
  node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => {
    console.log(s.address().port); s.close(); });"
}

# start_nginx: one worker answering "hello" on a free port; sets PORT
start_nginx() {
  local dir=$TMP/nginx port pid user=
  mkdir -p "$dir"
  # as root the worker would switch to nobody; keep it as this user
  if [ "$(id -u)" -eq 0 ]; then user="user $(id -un) $(id -gn);"; fi
  # -e (error log before the config is read) exists from nginx 1.19.5
  local early=()
  if "$NGINX" -h 2>&1 | grep -q -- '-e filename'; then early=(-e "$dir/error.log"); fi
  for _ in 1 2 3; do
    port=$(free_port)
    cat >"$dir/nginx.conf" <<EOF
$user
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$port;
    default_type text/plain;
    location / { return 200 "hello"; }
  }
}
EOF
    "${SRV[@]}" "$NGINX" -p "$dir/" -c "$dir/nginx.conf" "${early[@]}" >"$dir/stdout.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then PORT=$port; return 0; fi
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q 'Address already in use' "$dir/error.log" "$dir/stdout.log" 2>/dev/null || break
  done
  echo "nginx did not start:" >&2; cat "$dir/stdout.log" "$dir/error.log" >&2 2>/dev/null; exit 1
}

# bench WARM PORT [SCRIPT ARG]: one wrk run (after a warm-up run if WARM is 1);
# sets RES="req/s p50_ms p99_ms non2xx socket_errors connect/read/write/timeout"
bench() {
  local warm=$1 url=http://127.0.0.1:$2/ out
  shift 2
  local target=("$url")
  if [ $# -gt 0 ]; then target=(-s "$1" "$url" -- "$2"); fi
  if [ "$warm" = 1 ] && ! out=$("${LOAD[@]}" wrk -t1 -c"$CONNS" -d"$WARMUP" "${target[@]}" 2>&1); then
    echo "wrk failed (warm-up, $url):" >&2; echo "$out" >&2; exit 1
  fi
  if ! out=$("${LOAD[@]}" wrk -t1 -c"$CONNS" -d"$DURATION" --latency "${target[@]}" 2>&1); then
    echo "wrk failed ($url):" >&2; echo "$out" >&2; exit 1
  fi
  RES=$(parse_wrk <<<"$out") || { echo "wrk gave no figures:" >&2; echo "$out" >&2; exit 1; }
}

# parse_wrk < WRK_OUTPUT: prints "req/s p50_ms p99_ms non2xx socket_errors c/r/w/t"
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
      if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v + 0
    }
    /^Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx or 3xx responses/ { non2xx = $NF }
    /Socket errors/ { gsub(",", ""); sock = $4 + $6 + $8 + $10; kinds = $4 "/" $6 "/" $8 "/" $10 }
    END {
      if (rps == "") exit 1
      printf "%s %.3f %.3f %d %d %s\n", rps, p50, p99, non2xx, sock, kinds == "" ? "0/0/0/0" : kinds
    }'
}

# batch_ms REQ_PER_S: the pipeline run's mean batch round trip in ms. wrk 4.1 corrects its
# latencies for coordinated omission assuming one request per round trip, which pipelining
# breaks (its percentiles come out skewed, often 0); but each connection has one batch in
# flight, so by Little's law the mean round trip is CONNECTIONS * PIPELINE / req/s.
batch_ms() { awk -v c="$CONNS" -v d="$PIPELINE" -v r="$1" 'BEGIN { printf "%.2f", c * d / r * 1000 }'; }

median() { printf '%s\n' "$@" | sort -g -k1,1 | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }

SERVERS=(ruv node nginx)
declare -A PORTS=() SKIP=()
echo "wrk -t1 -c$CONNS -d$DURATION (warm-up $WARMUP), $ROUNDS rounds, runs: ${RUN_LIST[*]}"
echo "$(nproc) CPUs, $PINNING"
echo "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), node $(node --version)$(
  [ -z "$NGINX" ] || echo ", $("$NGINX" -v 2>&1 | sed 's#.*nginx/#nginx #')")"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -n "$NEED_HELLO" ]; then
  start target/release/examples/http_hello --port 0; PORTS[hello,ruv]=$PORT
  start node bench-ref/node/http_hello.js 0; PORTS[hello,node]=$PORT
  if [ -n "$NGINX" ]; then
    start_nginx; PORTS[hello,nginx]=$PORT
  else
    SKIP[hello,nginx]="skipped: nginx not available"
  fi
fi
if [ -n "$NEED_ECHO" ]; then
  if [ -n "$RUV_ECHO" ] && [ -x "$RUV_ECHO" ]; then
    start "$RUV_ECHO" --port 0; PORTS[echo,ruv]=$PORT
  else
    SKIP[echo,ruv]="skipped: no examples/http_echo.rs on this branch"
    echo "post run: ruv row skipped (examples/http_echo.rs does not exist yet)"
  fi
  start node bench-ref/node/http_echo.js 0; PORTS[echo,node]=$PORT
  SKIP[echo,nginx]="n/a: nginx cannot echo a body without extra modules"
fi

declare -A RESULTS=() ERRS=()
SUMMARY=()
for run in "${RUN_LIST[@]}"; do
  case $run in
    hello) group="hello"; script=(); what="GET /" ;;
    pipeline) group="hello"; script=(benches/http_pipeline.lua "$PIPELINE")
      what="GET /, $PIPELINE pipelined per batch" ;;
    post) group="echo"; script=(benches/http_post.lua "$BODY")
      what="POST of $BODY B, echoed back" ;;
  esac
  echo
  echo "== $run: $what =="
  for r in $(seq "$ROUNDS"); do
    for s in "${SERVERS[@]}"; do
      port=${PORTS[$group,$s]:-}
      [ -n "$port" ] || continue
      bench "$([ "$r" = 1 ] && echo 1 || echo 0)" "$port" "${script[@]}"
      read -r rps p50 p99 non2xx sock kinds <<<"$RES"
      if [ "$run" = pipeline ]; then
        p50=n/a; p99=n/a
        lat="batch round trip $(batch_ms "$rps") ms (mean)"
      else
        lat=$(printf 'p50 %7s ms   p99 %8s ms' "$p50" "$p99")
      fi
      socks=$sock
      [ "$sock" = 0 ] || socks+=" (connect/read/write/timeout $kinds)"
      printf '  round %d %-6s %12s req/s   %s   non-2xx %s   socket errors %s\n' \
        "$r" "$s" "$rps" "$lat" "$non2xx" "$socks"
      RESULTS[$run,$s]+="$rps $p50 $p99"$'\n'
      prev=${ERRS[$run,$s]:-0/0}
      ERRS[$run,$s]="$((${prev%/*} + non2xx))/$((${prev#*/} + sock))"
    done
  done
  # the table: median round of each server, errors of all its rounds, ruv's req/s over each
  ruv_rps=
  if [ -n "${RESULTS[$run,ruv]:-}" ]; then
    mapfile -t rows < <(printf '%s' "${RESULTS[$run,ruv]}")
    ruv_rps=$(median "${rows[@]}"); ruv_rps=${ruv_rps%% *}
  fi
  echo "-- $run, median of $ROUNDS rounds (wrk -t1 -c$CONNS -d$DURATION) --"
  printf '  %-6s %12s %10s %10s %16s %10s\n' server req/s "p50 ms" "p99 ms" "non-2xx/sockerr" "ruv/this"
  line="$run:"
  for s in "${SERVERS[@]}"; do
    if [ -z "${RESULTS[$run,$s]:-}" ]; then
      printf '  %-6s %s\n' "$s" "${SKIP[$group,$s]:-skipped}"
      [ "$s" = ruv ] || line+="  ruv/$s n/a"
      continue
    fi
    mapfile -t rows < <(printf '%s' "${RESULTS[$run,$s]}")
    read -r rps p50 p99 <<<"$(median "${rows[@]}")"
    ratio=-
    if [ "$s" != ruv ]; then
      ratio=n/a
      [ -z "$ruv_rps" ] || ratio=$(awk -v r="$ruv_rps" -v x="$rps" 'BEGIN { printf "%.2f", r / x }')
      line+="  ruv/$s $ratio"
    fi
    printf '  %-6s %12s %10s %10s %16s %10s\n' "$s" "$rps" "$p50" "$p99" "${ERRS[$run,$s]}" "$ratio"
  done
  if [ "$run" = pipeline ]; then
    note="  p50/p99 n/a (wrk's are wrong when pipelining); mean batch round trip:"
    for s in "${SERVERS[@]}"; do
      [ -n "${RESULTS[$run,$s]:-}" ] || continue
      mapfile -t rows < <(printf '%s' "${RESULTS[$run,$s]}")
      rps=$(median "${rows[@]}"); rps=${rps%% *}
      note+=" $s $(batch_ms "$rps") ms"
    done
    echo "$note"
  fi
  SUMMARY+=("$line")
  echo "load average after $run: $(cut -d' ' -f1-3 /proc/loadavg)"
done

echo
echo "== ratios of median req/s =="
printf '  %s\n' "${SUMMARY[@]}"
