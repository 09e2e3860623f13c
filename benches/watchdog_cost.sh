#!/usr/bin/env bash
# benches/watchdog_cost.sh — what a watchdog costs the loop (issue 13: ≤ 5 % on loop_count
# and the immediates benches when on). Two measures of the same four benches, watchdog off
# and on (crates/ruv-perf/examples/watchdog_cost.rs):
#   * instructions per iteration under callgrind, (Ir(2N) - Ir(N)) / N, so set-up cancels:
#     repeatable whatever else the machine runs;
#   * wall time per iteration, ROUNDS interleaved off/on rounds, the median of each.
# Prints a markdown table.
#
#   benches/watchdog_cost.sh
#   ROUNDS=9 ITERS=5000000 benches/watchdog_cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5} ITERS=${ITERS:-3000000} CG_ITERS=${CG_ITERS:-100000}
BENCHES=${BENCHES:-"loop_count check_callback node_chain node_batch"}
cargo build --release -q -p ruv-perf --example watchdog_cost
BIN=target/release/examples/watchdog_cost
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
have_cg=0
command -v valgrind >/dev/null && have_cg=1
ir() { # bench watch iters -> total instructions
  valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" "$BIN" \
    --bench "$1" --watch "$2" --iters "$3" >/dev/null 2>"$TMP/cg.err" || {
    cat "$TMP/cg.err" >&2; exit 1; }
  sed -n 's/^summary: //p' "$TMP/cg.out"
}
echo "| bench | instr/iter off | on | on/off | ns/iter off (median of $ROUNDS) | on | on/off |"
echo "|---|---|---|---|---|---|---|"
for b in $BENCHES; do
  declare -A I=()
  if [ "$have_cg" = 1 ]; then
    for w in off on; do
      a=$(ir "$b" "$w" "$CG_ITERS"); z=$(ir "$b" "$w" $((2 * CG_ITERS)))
      I[$w]=$(python3 -c "print(f'{($z - $a) / $CG_ITERS:.1f}')")
    done
    iratio=$(python3 -c "print(f'{${I[on]} / ${I[off]}:.3f}')")
  else
    I[off]=n/a; I[on]=n/a; iratio="n/a (no valgrind)"
  fi
  : >"$TMP/off"; : >"$TMP/on"
  for _ in $(seq "$ROUNDS"); do
    for w in off on; do
      "$BIN" --bench "$b" --watch "$w" --iters "$ITERS" | awk '{print $3}' >>"$TMP/$w"
    done
  done
  read -r toff ton tratio < <(python3 - "$TMP/off" "$TMP/on" <<'PY'
import statistics, sys
m = [statistics.median(float(x) for x in open(p)) for p in sys.argv[1:]]
print(f"{m[0]:.2f} {m[1]:.2f} {m[1] / m[0]:.3f}")
PY
)
  echo "| $b | ${I[off]} | ${I[on]} | $iratio | $toff | $ton | $tratio |"
  unset I
done
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; $(date -u +%FT%TZ)"
