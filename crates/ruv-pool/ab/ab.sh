#!/usr/bin/env bash
# Before/after cost of a ruv-pool change on the pool's round trip and no-op throughput, in
# interleaved runs (before, after; then after, before; ...), each run printing per row the
# fastest and the median of 15 batches and the CPU time per operation of all threads
# (main.rs). On a loaded machine (the project's shared 2-core VM) the CPU time is the steadiest
# of the three: it does not count time spent waiting for a core.
#
# usage: crates/ruv-pool/ab/ab.sh BEFORE_REV [AFTER_REV|worktree] [ROUNDS]
#   AFTER_REV  default "worktree": crates/ruv-pool as it is in this checkout
#   ROUNDS     runs of each side (default 6)
#
# Each side's crates/ruv-pool is copied to target/pool-ab/SIDE (git archive, or the worktree)
# with a stand-alone Cargo.toml (its own workspace, concrete versions) and main.rs is built
# against it in release mode (offline: the workspace's registry cache has the dependencies).
# Figures go to stdout and target/pool-ab/runs.txt; the summary per row and side is the
# median over the runs of each run's fastest batch and of its CPU time per operation.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
before=${1:?usage: ab.sh BEFORE_REV [AFTER_REV|worktree] [ROUNDS]}
after=${2:-worktree}
rounds=${3:-6}
out=${CARGO_TARGET_DIR:-$root/target}/pool-ab
rm -rf "$out/before" "$out/after"
mkdir -p "$out/before" "$out/after"

copy() { # side rev
  if [[ $2 == worktree ]]; then
    mkdir -p "$out/$1/crates" && cp -r "$root/crates/ruv-pool" "$out/$1/crates/"
  else
    git -C "$root" archive "$2" crates/ruv-pool | tar -x -C "$out/$1"
  fi
  cat > "$out/$1/crates/ruv-pool/Cargo.toml" <<TOML
[package]
name = "ruv-pool"
version = "0.1.0"
edition = "2021"
[dependencies]
parking_lot = "0.12"
hdrhistogram = { version = "7.5", default-features = false }
tracing = { version = "0.1", optional = true, default-features = false, features = ["std"] }
[features]
tracing = ["dep:tracing"]
[workspace]
TOML
  mkdir -p "$out/$1/harness/src"
  cp "$here/main.rs" "$out/$1/harness/src/main.rs"
  cat > "$out/$1/harness/Cargo.toml" <<TOML
[package]
name = "pool-ab"
version = "0.1.0"
edition = "2021"
[dependencies]
ruv-pool = { path = "../crates/ruv-pool" }
[workspace]
TOML
  (cd "$out/$1/harness" && CARGO_TARGET_DIR="$out/target-$1" cargo build --release -q --offline 2>/dev/null \
    || CARGO_TARGET_DIR="$out/target-$1" cargo build --release -q)
  cp "$out/target-$1/release/pool-ab" "$out/$1/pool-ab"
}
copy before "$before"
copy after "$after"

: > "$out/runs.txt"
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then order="before after"; else order="after before"; fi
  for side in $order; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    "$out/$side/pool-ab" | sed "s/^/$side $load /" | tee -a "$out/runs.txt"
  done
done
python3 - "$out/runs.txt" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, load, row, fastest, median, cpu = line.split()
    runs.setdefault(row, {}).setdefault(side, []).append((float(fastest), float(cpu)))
med = statistics.median
print(f"\n{'row':14} {'fastest batch, ns/op':>32} {'CPU, ns/op (all threads)':>32}")
print(f"{'':14} {'before':>10} {'after':>10} {'ratio':>10} {'before':>10} {'after':>10} {'ratio':>10}")
for row, sides in runs.items():
    b, a = sides["before"], sides["after"]
    bw, aw = med(x for x, _ in b), med(x for x, _ in a)
    bc, ac = med(c for _, c in b), med(c for _, c in a)
    print(f"{row:14} {bw:10.0f} {aw:10.0f} {aw / bw:10.3f} {bc:10.0f} {ac:10.0f} {ac / bc:10.3f}")
PY
