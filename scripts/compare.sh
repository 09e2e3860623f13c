#!/usr/bin/env bash
# Compare ruv's criterion benches with the same work on libuv (bench-ref/libuv/uvbench.c) and
# Node (bench-ref/node/*.js), in one interleaved session, and print a markdown table.
# What each row measures and how to read it: docs/performance-method.md.
#
# usage: scripts/compare.sh [--quick] [--reps N] [--list] [FILTER]
#   --quick   shorter criterion runs (--warm-up-time 0.5 --measurement-time 2) and one
#             libuv/Node sample on each side of ruv's benches instead of --reps
#   --reps N  libuv/Node samples taken before ruv's benches, and again after (default 2)
#   --list    list the rows (their keys are what FILTER matches) and exit
#   FILTER    a regex over row keys (e.g. 'timers|loop'); default: every row
#
# Order: libuv + Node (round 1), then ruv's criterion benches, then libuv + Node (round 2);
# libuv/Node figures are the median of both rounds. Everything it writes goes under
# target/bench-ref/ (criterion's output included, in target/bench-ref/criterion, so figures
# left in target/criterion by other runs are never read). The table is also saved to
# target/bench-ref/compare.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
out=$target/bench-ref
report=$root/scripts/compare_report.py

cmdline="scripts/compare.sh${*:+ $*}"
quick=0
reps=2
filter=""
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --reps) reps=${2:?--reps needs a number}; shift ;;
    --list) python3 "$report" rows; exit 0 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    -*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    *) filter=$1 ;;
  esac
  shift
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --reps wants a positive number" >&2; exit 2; }
((quick)) && reps=1

log() { printf '\n== %s\n' "$*" >&2; }

# ---- what to run ---------------------------------------------------------------------------
mapfile -t plan < <(python3 "$report" plan "$filter")
read -r -a uv_cases <<<"${plan[0]:-}"
read -r -a node_scripts <<<"${plan[1]:-}"
crit_plan=("${plan[@]:2}") # "TARGET REGEX" per criterion bench target
if ((${#uv_cases[@]} + ${#node_scripts[@]} + ${#crit_plan[@]} == 0)); then
  echo "compare.sh: no row matches '$filter' (see --list)" >&2
  exit 2
fi

# ---- libuv: install if missing, build uvbench -----------------------------------------------
as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}
if ((${#uv_cases[@]})); then
  if ! command -v pkg-config >/dev/null || ! pkg-config --exists libuv; then
    log "installing libuv1-dev (Debian)"
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libuv1-dev pkg-config
    pkg-config --exists libuv || { echo "compare.sh: libuv still not found by pkg-config" >&2; exit 1; }
  fi
  mkdir -p "$out"
  log "building uvbench against libuv $(pkg-config --modversion libuv)"
  # shellcheck disable=SC2046  # pkg-config's flags are meant to split
  cc -O2 -o "$out/uvbench" bench-ref/libuv/uvbench.c $(pkg-config --cflags --libs libuv)
fi

if ((${#node_scripts[@]})) && ! command -v node >/dev/null; then
  echo "compare.sh: node not found: skipping the Node figures" >&2
  node_scripts=()
fi

# ---- ruv: the criterion benches, built before anything is timed -----------------------------
# A target is NAME (benches/NAME.rs of the root package) or PACKAGE/NAME
# (crates/PACKAGE/benches/NAME.rs).
bench_args=() # one "cargo bench" argument string per target that exists
bench_filters=()
for entry in "${crit_plan[@]}"; do
  t=${entry%% *}
  if [[ $t == */* ]]; then
    file=crates/${t%%/*}/benches/${t#*/}.rs args="-p ${t%%/*} --bench ${t#*/}"
  else
    file=benches/$t.rs args="--bench $t"
  fi
  if [[ ! -f $file ]]; then
    echo "compare.sh: $file not there: its rows have no ruv figure" >&2
    continue
  fi
  bench_args+=("$args")
  bench_filters+=("${entry#* }")
done
for args in "${bench_args[@]}"; do
  log "building: cargo bench $args --no-run"
  # shellcheck disable=SC2086  # $args is "[-p PACKAGE] --bench NAME"
  cargo bench $args --no-run
done

# ---- run ------------------------------------------------------------------------------------
results=$out/results
export CRITERION_HOME=$out/criterion
rm -rf "$results" "$CRITERION_HOME"
mkdir -p "$results"

reference_round() {
  local round=$1 i c s
  for ((i = 1; i <= reps; i++)); do
    for c in "${uv_cases[@]}"; do
      log "round $round.$i: libuv $c"
      "$out/uvbench" "$c" | tee -a "$results/libuv.jsonl"
    done
    for s in "${node_scripts[@]}"; do
      log "round $round.$i: node $s"
      node "bench-ref/node/$s" | tee -a "$results/node.jsonl"
    done
  done
}

crit_args=(--noplot)
((quick)) && crit_args+=(--warm-up-time 0.5 --measurement-time 2)

started=$(date -u '+%Y-%m-%d %H:%M UTC')
# The benches measure the working tree as built above, uncommitted changes included: say so.
tree_state="commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
dirty=$(git status --porcelain -- crates src benches Cargo.toml Cargo.lock 2>/dev/null \
  | awk '{print $2}' | paste -sd, - || true)
[[ -n $dirty ]] && tree_state+=" plus uncommitted changes in $dirty"
reference_round 1
for i in "${!bench_args[@]}"; do
  log "ruv: cargo bench ${bench_args[i]} -- ${crit_args[*]} '${bench_filters[i]}'"
  # shellcheck disable=SC2086
  cargo bench ${bench_args[i]} -- "${crit_args[@]}" "${bench_filters[i]}"
done
reference_round 2

# ---- report ---------------------------------------------------------------------------------
{
  echo "# ruv vs libuv vs Node"
  echo
  echo "- command: \`$cmdline\`"
  echo "- started: $started; machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- ruv: $tree_state"
  echo "- libuv $(pkg-config --modversion libuv 2>/dev/null || echo '(not used)'); node $(command -v node >/dev/null && node --version || echo '(absent)'); $(rustc --version)"
  echo
  python3 "$report" table "$filter" "$results" "$CRITERION_HOME"
} | tee "$out/compare.md"
