#!/usr/bin/env python3
"""The pbkdf2 pool experiment, ruv beside Node, as a markdown table.

For each pool size and task count, runs ruv's `examples/pbkdf2.rs` and Node's
`tests/data/pbkdf2.js` alternately on this machine and prints their completion times (ms).
Optionally pinned to one core (`--pin`, via `taskset -c 0`).

    cargo build --release --example pbkdf2
    python3 scripts/pbkdf2_matrix.py [--pools 1,2,4,5,8] [--tasks 1,2,4,5,8] [--pin] [--lanes]

ruv does Node's work per hash by default (one output block after another, as OpenSSL);
`--lanes` runs ruv's lane-parallel kernel instead. `--serial` is accepted and changes
nothing (it was the way to ask for the default before it was the default).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUV = os.path.join(ROOT, "target", "release", "examples", "pbkdf2")
NODE_SCRIPT = os.path.join(ROOT, "tests", "data", "pbkdf2.js")


def times(cmd, pool):
    env = dict(os.environ, UV_THREADPOOL_SIZE=str(pool))
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return [int(l.split()[1]) for l in out.splitlines() if l.startswith("Hash:")]


def ratio(ts, pool):
    """Last completion over the mean of the first wave (the tasks that started at once)."""
    wave = ts[: min(pool, len(ts))]
    if len(ts) <= pool:
        return max(ts) / statistics.mean(ts)
    return ts[-1] / statistics.mean(wave)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pools", default="1,2,4,5,8")
    ap.add_argument("--tasks", default="1,2,4,5,8")
    ap.add_argument("--pin", action="store_true", help="run both pinned to core 0")
    ap.add_argument("--lanes", action="store_true",
                    help="ruv derives the 8 blocks side by side in SIMD lanes (faster than Node)")
    ap.add_argument("--serial", action="store_true",
                    help="the default (one block at a time, Node's work per hash); a no-op")
    args = ap.parse_args()
    if not os.path.exists(RUV):
        sys.exit("build first: cargo build --release --example pbkdf2")
    node = shutil.which("node")
    pin = ["taskset", "-c", "0"] if args.pin else []
    print(f"| pool | N | ruv completions (ms) | node completions (ms) | ruv last/first-wave | node last/first-wave |")
    print("|---:|---:|---|---|---:|---:|")
    for pool in [int(p) for p in args.pools.split(",")]:
        for n in [int(t) for t in args.tasks.split(",")]:
            r = times(pin + [RUV, str(n)] + (["--lanes"] if args.lanes else []), pool)
            nd = times(pin + [node, NODE_SCRIPT, str(n)], pool) if node else []
            rr = f"{ratio(r, pool):.2f}"
            nr = f"{ratio(nd, pool):.2f}" if nd else "n/a"
            print(f"| {pool} | {n} | {', '.join(map(str, r))} | {', '.join(map(str, nd)) or 'node absent'} | {rr} | {nr} |", flush=True)


if __name__ == "__main__":
    main()
