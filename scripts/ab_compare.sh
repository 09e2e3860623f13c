#!/usr/bin/env bash
# Before/after comparison of ruv's benches: two builds side by side, timed in interleaved
# rounds (before, after, references; then after, before, references; ...), the median of
# each side over the rounds.
# What it measures and how to read it: docs/performance-method.md, "Before and after".
#
# usage: scripts/ab_compare.sh BEFORE_REV [AFTER_REV|worktree] [options] [FILTER]
#   BEFORE_REV  checked out in a git worktree at target/ab/before
#   AFTER_REV   checked out at target/ab/after; "worktree" (the default): this checkout as it
#               is, uncommitted changes included
#   --rounds N  rounds of each side (default 3; fewer is only for trying the script out)
#   --quick     shorter runs: criterion --warm-up-time 0.3 --measurement-time 1, 2 s net runs
#   --measurement-time S / --warm-up-time S   criterion's, per bench (default 2 / 0.5);
#               groups that set their own (million_timers/run_1e6: 15 s) keep theirs
#   --net-secs S  length of each wrk / echo_load run (default 3)
#   --no-refs   skip the libuv and Node references (no ratio columns)
#   --fixed-order  before first in every round (default: before first in odd rounds, after
#               first in even ones, so that neither side always holds the same place)
#   --list      list the rows (their keys are what FILTER matches) and exit
#   FILTER      a regex over row keys; default: the rows issue #8's no-regression check names
#               (loop_count, immediates, million_timers, node_timers, async, queue_work,
#               roundtrip, http, tcp); '.' for every row that has a ruv bench
#
# A second positional argument is AFTER_REV when it is "worktree" or names a commit, FILTER
# otherwise. Both sides are built (criterion benches; http_hello, echo and echo_load release
# examples) before anything is timed, each into its own target dir: target/ab/target/before
# and target/ab/target/after, or, for "worktree", this checkout's usual one. (One shared dir
# would be wrong: cargo names the workspace crates' artifacts by their path relative to the
# workspace root, the same in both trees, so one side could be handed the other's build.)
# The first run builds the dependencies once per side; later runs are incremental. Each
# side's executables are copied to target/ab/bin/SIDE. Only bench ids are relied on: a row
# whose id one side lacks is reported as missing there. The table goes to stdout and to
# target/ab/ab.md; every figure, criterion's output and the build logs stay under target/ab/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
own_target=${CARGO_TARGET_DIR:-$root/target}
ab=$own_target/ab
report=$root/scripts/ab_report.py

die() { echo "ab_compare.sh: $*" >&2; exit 2; }
log() { printf '\n== %s\n' "$*" >&2; }

cmdline="scripts/ab_compare.sh${*:+ $*}"
rounds=3 warm=0.5 meas=2 net_secs=3 refs=1 alternate=1
before_rev="" after_rev="" filter="" have_filter=0
while (($#)); do
  case $1 in
    --rounds) rounds=${2:?--rounds needs a number}; shift ;;
    --quick) warm=0.3 meas=1 net_secs=2 ;;
    --measurement-time) meas=${2:?}; shift ;;
    --warm-up-time) warm=${2:?}; shift ;;
    --net-secs) net_secs=${2:?}; shift ;;
    --no-refs) refs=0 ;;
    --fixed-order) alternate=0 ;;
    --list) python3 "$report" rows; exit 0 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *)
      if [[ -z $before_rev ]]; then
        before_rev=$1
      elif [[ -z $after_rev && $have_filter == 0 ]] \
        && { [[ $1 == worktree ]] || git rev-parse -q --verify "$1^{commit}" >/dev/null; }; then
        after_rev=$1
      elif ((have_filter == 0)); then
        filter=$1 have_filter=1
      else
        die "one FILTER only (got '$filter' and '$1')"
      fi
      ;;
  esac
  shift
done
[[ -n $before_rev ]] || die "BEFORE_REV missing (see --help)"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds wants a positive number"
after_rev=${after_rev:-worktree}
before_sha=$(git rev-parse -q --verify "$before_rev^{commit}") || die "no commit '$before_rev'"

# ---- what to run ---------------------------------------------------------------------------
mapfile -t plan < <(python3 "$report" plan "$filter" "$refs")
read -r -a uv_cases <<<"${plan[0]:-}"
read -r -a node_scripts <<<"${plan[1]:-}"
crit_regex=${plan[2]:-}
read -r -a net_rows <<<"${plan[3]:-}"
read -r -a extra_pkgs <<<"${plan[4]:-}"
[[ -n $crit_regex || ${#net_rows[@]} -gt 0 ]] || die "no row matches '$filter' (see --list)"
want_net() { [[ " ${net_rows[*]} " == *" $1 "* ]]; }
want_http=0 want_tcp=0
want_net http && want_http=1
{ want_net tcp_pingpong || want_net tcp_stream; } && want_tcp=1

# ---- the two trees -------------------------------------------------------------------------
# worktree DIR SHA: a detached git worktree of SHA at DIR (made, or moved to SHA)
worktree() {
  local dir=$1 sha=$2
  if [[ -e $dir/.git ]]; then
    if [[ $(git -C "$dir" rev-parse HEAD) != "$sha" ]]; then
      [[ -z $(git -C "$dir" status --porcelain --untracked-files=no) ]] \
        || die "$dir has local changes: remove it (git worktree remove --force $dir)"
      git -C "$dir" checkout -q --detach "$sha"
    fi
  else
    [[ ! -e $dir ]] || die "$dir exists and is not a git worktree: remove it"
    mkdir -p "$(dirname "$dir")"
    git worktree add -q -f --detach "$dir" "$sha" # -f: it may be registered but deleted
  fi
}
mkdir -p "$ab"
log "before: $before_rev in $ab/before"
worktree "$ab/before" "$before_sha"
dir_before=$ab/before target_before=$ab/target/before
if [[ $after_rev == worktree ]]; then
  dir_after=$root target_after=$own_target
  after_desc="this checkout ($root), commit $(git rev-parse --short HEAD)"
  dirty=$(git status --porcelain -- crates src benches examples Cargo.toml Cargo.lock \
    | awk '{print $2}' | paste -sd, - || true)
  [[ -n $dirty ]] && after_desc+=" plus uncommitted changes in $dirty"
else
  after_sha=$(git rev-parse -q --verify "$after_rev^{commit}") || die "no commit '$after_rev'"
  log "after: $after_rev in $ab/after"
  worktree "$ab/after" "$after_sha"
  dir_after=$ab/after target_after=$ab/target/after
  after_desc="$after_rev (commit $(git rev-parse --short "$after_sha"))"
fi
before_desc="$before_rev (commit $(git rev-parse --short "$before_sha"))"

# ---- build both sides before timing anything -----------------------------------------------
# build_side SIDE DIR TARGET_DIR: criterion bench executables (+ their id lists) and the examples,
# copied to $ab/bin/SIDE so that a later build (of the other side, or anyone's) cannot
# replace them under the run
build_side() {
  local side=$1 dir=$2 bin=$ab/bin/$1 p kind name path
  local -x CARGO_TARGET_DIR=$3
  rm -rf "$bin"
  mkdir -p "$bin"
  if [[ -n $crit_regex ]]; then
    local pkgs=("") # "": the root package
    pkgs+=("${extra_pkgs[@]}")
    for p in "${pkgs[@]}"; do
      log "$side: cargo bench ${p:+-p $p }--benches --no-run (target dir $CARGO_TARGET_DIR)"
      (cd "$dir" && cargo bench ${p:+-p "$p"} --benches --no-run \
        --message-format=json-render-diagnostics) >"$bin/build${p:+-$p}.json" \
        || die "$side: the benches do not build (log above)"
      while read -r kind name path; do
        [[ $kind == bench ]] || continue
        [[ -e $bin/$name ]] && name=$name.$RANDOM
        cp "$path" "$bin/$name"
        (cd "$dir" && "$bin/$name" --bench --list) >"$bin/$name.list"
        echo "$name" >>"$bin/benches"
      done < <(python3 "$report" artifacts "$bin/build${p:+-$p}.json")
    done
  fi
  if ((want_http || want_tcp)); then
    for name in http_hello echo echo_load; do
      log "$side: cargo build --release --example $name"
      if (cd "$dir" && cargo build --release --example "$name" \
        --message-format=json-render-diagnostics) >"$bin/build-$name.json"; then
        while read -r _ _ path; do cp "$path" "$bin/$name"; done \
          < <(python3 "$report" artifacts "$bin/build-$name.json")
      else
        echo "ab_compare.sh: $side: example $name does not build: its rows are left out" >&2
      fi
    done
  fi
}
build_side before "$dir_before" "$target_before"
build_side after "$dir_after" "$target_after"

if ((refs)) && ((${#uv_cases[@]})); then
  if ! command -v pkg-config >/dev/null || ! pkg-config --exists libuv; then
    log "installing libuv1-dev (Debian)"
    as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libuv1-dev pkg-config || true
  fi
  if pkg-config --exists libuv 2>/dev/null; then
    log "building uvbench against libuv $(pkg-config --modversion libuv)"
    # shellcheck disable=SC2046  # pkg-config's flags are meant to split
    cc -O2 -o "$ab/uvbench" bench-ref/libuv/uvbench.c $(pkg-config --cflags --libs libuv)
  else
    echo "ab_compare.sh: libuv not found: no libuv column" >&2
    uv_cases=()
  fi
fi
node_ok=0
command -v node >/dev/null && node_ok=1
if ((refs && !node_ok)) && ((${#node_scripts[@]})); then
  echo "ab_compare.sh: node not found: no Node column" >&2
  node_scripts=()
fi
if ((want_http)) && ! command -v wrk >/dev/null; then
  log "installing wrk (Debian)"
  if ! { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; then
    echo "ab_compare.sh: no wrk: the http row is left out" >&2
    want_http=0
  fi
fi

# ---- servers for the http/tcp rows: started once, each hit in turn --------------------------
declare -A port=()
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
# start KEY PATTERN DIR CMD...: runs a server on an ephemeral port, port[KEY] from its banner
start() {
  local key=$1 pattern=$2 dir=$3 slog=$ab/runs/$1.log
  shift 3
  : >"$slog" # there before the first look at it below
  (cd "$dir" && exec "$@") >>"$slog" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    port[$key]=$(sed -n "s#$pattern#\\1#p" "$slog" || true)
    [[ -n ${port[$key]} ]] && return 0
    sleep 0.1
  done
  unset "port[$key]"
  echo "ab_compare.sh: server $key did not start (log: $slog): its rows are left out" >&2
}
http_banner='^listening on http://127.0.0.1:\([0-9]*\)$'
tcp_banner='^echo server listening on 127.0.0.1:\([0-9]*\)$'
rm -rf "$ab/runs"
mkdir -p "$ab/runs"
# one load generator for every tcp server (before's, else after's): only the server changes
load=$ab/bin/before/echo_load
[[ -x $load ]] || load=$ab/bin/after/echo_load
for side in before after; do
  d_var=dir_$side
  if ((want_http)) && [[ -x $ab/bin/$side/http_hello ]]; then
    start "$side.http" "$http_banner" "${!d_var}" "$ab/bin/$side/http_hello" --port 0
  fi
  if ((want_tcp)) && [[ -x $ab/bin/$side/echo && -x $load ]]; then
    start "$side.tcp" "$tcp_banner" "${!d_var}" "$ab/bin/$side/echo" --port 0
  fi
done
if ((refs && node_ok)); then
  if ((want_http)); then
    start node.http "$http_banner" "$root" node bench-ref/node/http_hello.js 0
  fi
  if ((want_tcp)) && [[ -x $load ]]; then
    start node.tcp "$tcp_banner" "$root" node bench-ref/node/tcp_echo.js 0
  fi
fi
# A measurement that fails (a crash, a server gone) leaves its figure out, with a message,
# instead of ending the run: the table then says which figures are missing.
warn() { echo "ab_compare.sh: failed: $*" >&2; }
# warm-up, untimed (Node's JIT, every server's first allocations)
for key in "${!port[@]}"; do
  case $key in
    *.http) wrk -t1 -c100 -d1s "http://127.0.0.1:${port[$key]}/" >/dev/null \
      || warn "warm-up of $key" ;;
    *.tcp) { "$load" pingpong "${port[$key]}" 100 1 && "$load" stream "${port[$key]}" 1; } \
      >/dev/null || warn "warm-up of $key" ;;
  esac
done

# net_round WHO OUTDIR: wrk and echo_load against WHO's servers (WHO: before, after, node)
net_round() {
  local who=$1 out=$2 p
  if ((want_http)) && [[ -n ${port[$who.http]:-} ]]; then
    p=${port[$who.http]}
    log "$who: wrk -t1 -c100 -d${net_secs}s (after 1 s of warm-up)"
    wrk -t1 -c100 -d1s "http://127.0.0.1:$p/" >/dev/null || warn "wrk warm-up, $who"
    wrk -t1 -c100 -d"${net_secs}s" --latency "http://127.0.0.1:$p/" | tee "$out/http.txt" \
      | grep -E '^Requests/sec' >&2 || warn "wrk, $who"
  fi
  if [[ -n ${port[$who.tcp]:-} ]]; then
    p=${port[$who.tcp]}
    if want_net tcp_pingpong; then
      log "$who: echo_load pingpong, 100 connections, $net_secs s"
      "$load" pingpong "$p" 100 "$net_secs" | tee "$out/tcp_pingpong.txt" >&2 \
        || warn "echo_load pingpong, $who"
    fi
    if want_net tcp_stream; then
      log "$who: echo_load stream, $net_secs s"
      "$load" stream "$p" "$net_secs" | tee "$out/tcp_stream.txt" >&2 \
        || warn "echo_load stream, $who"
    fi
  fi
}

# side_round SIDE N: SIDE's criterion benches (a fresh CRITERION_HOME), then its servers
side_round() {
  local side=$1 n=$2 out=$ab/runs/$1/r$2 d_var=dir_$1 name rc
  mkdir -p "$out"
  if [[ -n $crit_regex && -f $ab/bin/$side/benches ]]; then
    while read -r name; do
      log "round $n, $side: $name --bench ${crit_args[*]} '$crit_regex'"
      rc=0
      (cd "${!d_var}" && CRITERION_HOME=$out/criterion \
        "$ab/bin/$side/$name" --bench "${crit_args[@]}" "$crit_regex") 2>&1 \
        | tee -a "$out/criterion.log" \
        | { grep -E '^[A-Za-z0-9_/]+ *$|time:|Warning' >&2 || true; } || rc=$?
      ((rc == 0)) || warn "$side's $name, round $n (log: $out/criterion.log)"
    done <"$ab/bin/$side/benches"
  fi
  net_round "$side" "$out"
}

# refs_round N: libuv and Node, the same binaries for both sides
refs_round() {
  local n=$1 out=$ab/runs/refs/r$1 c s
  mkdir -p "$out"
  for c in "${uv_cases[@]}"; do
    log "round $n, libuv: uvbench $c"
    "$ab/uvbench" "$c" | tee -a "$out/libuv.jsonl" >&2 || warn "uvbench $c"
  done
  for s in "${node_scripts[@]}"; do
    log "round $n, node: $s"
    node "bench-ref/node/$s" | tee -a "$out/node.jsonl" >&2 || warn "node $s"
  done
  net_round node "$out"
}

crit_args=(--noplot --warm-up-time "$warm" --measurement-time "$meas" --nresamples 10000)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_start=$(uptime | sed 's/.*load average: //')
load_rounds=()
for ((n = 1; n <= rounds; n++)); do
  if ((alternate && n % 2 == 0)); then
    side_round after "$n"
    side_round before "$n"
  else
    side_round before "$n"
    side_round after "$n"
  fi
  ((refs)) && refs_round "$n"
  load_rounds+=("$(cut -d' ' -f1 /proc/loadavg)")
done

# ---- report --------------------------------------------------------------------------------
{
  echo "# ruv before / after"
  echo
  echo "- command: \`$cmdline\`"
  echo "- before: $before_desc, built in $target_before; after: $after_desc, built in $target_after"
  echo "- started: $started; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "- load average (uptime: 1, 5, 15 min) at the start: $load_start; 1-min after each round: ${load_rounds[*]}; at the end: $(uptime | sed 's/.*load average: //')"
  order="before, after"
  ((alternate)) && order="before, after (odd rounds) or after, before (even rounds)"
  ((refs)) && order+=", then libuv and Node"
  echo "- $rounds rounds, each: $order; criterion: ${crit_args[*]}; http/tcp: $net_secs s per run, 100 connections"
  ((rounds < 3)) && echo "- **fewer than 3 rounds: a try-out, not evidence for the no-regression requirement**"
  echo "- libuv $(pkg-config --modversion libuv 2>/dev/null || echo '(not used)'); node $( ((node_ok)) && node --version || echo '(absent)'); $(rustc --version)"
  echo
  python3 "$report" table "$filter" "$ab"
} | tee "$ab/ab.md"
