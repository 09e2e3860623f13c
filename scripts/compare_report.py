#!/usr/bin/env python3
"""Rows of the ruv / libuv / Node comparison, and the table built from one run's figures.

Used by scripts/compare.sh (see docs/performance-method.md); standard library only.

  compare_report.py plan FILTER            what to run for the rows whose key matches FILTER:
                                           line 1 uvbench cases, line 2 Node scripts, then
                                           one line per criterion bench target: "TARGET REGEX"
                                           (TARGET: NAME in benches/, or PACKAGE/NAME)
  compare_report.py rows                   list the rows (key and description)
  compare_report.py table FILTER RESULTS CRITERION_HOME
                                           the markdown tables, from RESULTS/*.jsonl (one JSON
                                           line per libuv / Node measurement) and criterion's
                                           estimates under CRITERION_HOME

Every figure is normalised to time per operation (ns per op) before it is shown, so the
ratios are ruv's time over the reference's: below 1 ruv is faster, above 1 it is slower.
"""
import glob
import json
import math
import os
import re
import statistics
import sys
from dataclasses import dataclass
from typing import Optional


@dataclass
class Row:
    key: str  # what the command line's FILTER matches
    label: str  # the table's "case" cell
    unit: str  # display unit
    scale: float  # display value = ns per op * scale
    ruv: Optional[str] = None  # criterion id (full id, or the last part of one)
    ruv_ops: float = 1  # operations per criterion iteration, unless the bench set a throughput
    uv: Optional[str] = None  # uvbench measurement name
    node: Optional[str] = None  # Node measurement name
    bench: str = "loop"  # the criterion bench target: "NAME" (root package) or "PACKAGE/NAME"


# uvbench measurement -> the uvbench case that prints it
UV_CASE = {
    "loop": "loop",
    "immediates": "immediates",
    "timers_start": "timers",
    "timers_total": "timers",
    "timer_insert_cancel_0_live": "timer_insert_cancel",
    "timer_insert_cancel_1e6_live": "timer_insert_cancel",
    "async": "async",
    "queue_work": "queue_work",
    "roundtrip": "roundtrip",
}

# Node measurement -> the script (bench-ref/node/) that prints it
NODE_SCRIPT = {
    "immediate_chain": "immediate.js",
    "immediate_batch": "immediate.js",
    "settimeout_schedule_1e6": "timers.js",
    "settimeout_fire_1e6": "timers.js",
    "nexttick_chain": "microtask.js",
    "nexttick_batch": "microtask.js",
    "promise_chain": "microtask.js",
    "promise_batch": "microtask.js",
    "pbkdf2_sync": "pbkdf2.js",
    "pbkdf2_async": "pbkdf2.js",
    "pool_randombytes_inflight": "pool.js",
    "pool_randombytes_roundtrip": "pool.js",
}

ROWS = [
    Row("loop", "loop: one empty iteration (idle handle)", "ns", 1,
        ruv="loop_count", uv="loop"),
    Row("immediates", "immediates: one check callback (check + idle)", "ns", 1,
        ruv="immediates/check_callback", uv="immediates"),
    Row("immediate_chain", "setImmediate chain, per callback", "ns", 1,
        ruv="immediates/node_chain", node="immediate_chain"),
    Row("immediate_batch", "setImmediate batch of 1e6, per callback", "ns", 1,
        ruv="immediates/node_batch", node="immediate_batch"),
    Row("timers_start", "timers: start 1e6 (0..999 ms)", "ms", 1,
        ruv="million_timers/start_1e6", ruv_ops=1e6, uv="timers_start"),
    Row("timers_run", "timers: start + fire 1e6 (≈1 s is waiting)", "ms", 1,
        ruv="million_timers/run_1e6", ruv_ops=1e6, uv="timers_total"),
    Row("timer_insert_cancel_0", "timer start + stop, 0 live", "ns", 1,
        ruv="timer_insert_cancel/0_live", uv="timer_insert_cancel_0_live"),
    Row("timer_insert_cancel_1e6", "timer start + stop, 1e6 live", "ns", 1,
        ruv="timer_insert_cancel/1e6_live", uv="timer_insert_cancel_1e6_live"),
    Row("settimeout_schedule", "setTimeout: schedule 1e6", "ms", 1,
        ruv="node_timers/schedule_1e6", ruv_ops=1e6, node="settimeout_schedule_1e6"),
    Row("settimeout_fire", "setTimeout: schedule + fire 1e6 (≈1 s is waiting)", "ms", 1,
        node="settimeout_fire_1e6"),
    Row("async", "async: cross-thread wake-up + reply", "µs", 1e-3,
        ruv="async_pummel", uv="async"),
    Row("queue_work", "pool: no-op round trip, 4096 in flight †", "ns", 1,
        ruv="queue_work", bench="pool", uv="queue_work", node="pool_randombytes_inflight"),
    Row("roundtrip", "pool: no-op round trip, one at a time †", "µs", 1e-3,
        ruv="queue_work_roundtrip", bench="pool", uv="roundtrip",
        node="pool_randombytes_roundtrip"),
    Row("pbkdf2", "pbkdf2-sha512, 100k iterations, 512 B key ‡", "ms", 1e-6,
        ruv="pbkdf2/pbkdf2_sha512_100k_512", bench="pool", node="pbkdf2_sync"),
    Row("pbkdf2_serial", "pbkdf2-sha512, the same, one block after another", "ms", 1e-6,
        ruv="pbkdf2/pbkdf2_sha512_100k_512_serial", bench="ruv-crypto/pbkdf2",
        node="pbkdf2_sync"),
    Row("pbkdf2_async", "pbkdf2-sha512 through the pool (crypto.pbkdf2)", "ms", 1e-6,
        node="pbkdf2_async"),
    Row("nexttick_chain", "process.nextTick chain", "ns", 1, node="nexttick_chain"),
    Row("nexttick_batch", "process.nextTick batch of 1e6", "ns", 1, node="nexttick_batch"),
    Row("promise_chain", "Promise.then chain", "ns", 1, node="promise_chain"),
    Row("promise_batch", "Promise.then batch of 1e6", "ns", 1, node="promise_batch"),
]

NOTES = [
    "Each figure is time per operation in the row's unit (lower is faster); a ratio is ruv's "
    "time over the reference's (below 1: ruv is faster).",
    "ruv: criterion's median (its 95% interval in the detail table); libuv and node: the "
    "median of every sample taken before and after ruv's benches ran.",
    "† node's figure on the pool rows is crypto.randomBytes(1, cb) (one small OpenSSL call "
    "plus the JS callback): Node has no no-op work item, so that ratio is ruv's pool against "
    "what a Node program pays, not like for like.",
    "‡ ruv computes the key's 8 output blocks side by side (AVX-512 lanes, where the CPU has "
    "them), OpenSSL one after another; the serial row is the like-for-like hash.",
]


def selected(flt):
    rx = re.compile(flt or "")
    return [r for r in ROWS if rx.search(r.key)]


def cmd_plan(flt):
    rows = selected(flt)
    uv = sorted({UV_CASE[r.uv] for r in rows if r.uv})
    node = sorted({NODE_SCRIPT[r.node] for r in rows if r.node})
    print(" ".join(uv))
    print(" ".join(node))
    for bench in dict.fromkeys(r.bench for r in rows if r.ruv):
        ids = sorted({r.ruv for r in rows if r.ruv and r.bench == bench})
        # An id may sit in a group (e.g. "pool/queue_work"): match it whole or as a last part.
        print(bench, "(^|/)(" + "|".join(re.escape(i) for i in ids) + ")$")


def load_samples(results):
    out = {}
    for path in sorted(glob.glob(os.path.join(results, "*.jsonl"))):
        src = os.path.basename(path).split(".")[0]  # "libuv" or "node"
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                m = json.loads(line)
                out.setdefault((src, m["name"]), []).append(float(m["ns_per_op"]))
    return out


def load_criterion(home):
    """full id -> (median ns per op, lower, upper); per op = per iteration / throughput."""
    out = {}
    for bj in glob.glob(os.path.join(home, "**", "new", "benchmark.json"), recursive=True):
        d = os.path.dirname(bj)
        try:
            with open(bj) as f:
                meta = json.load(f)
            with open(os.path.join(d, "estimates.json")) as f:
                est = json.load(f)
        except (OSError, ValueError):
            continue
        med = est["median"]
        tp = (meta.get("throughput") or {}).get("Elements")
        out[meta["full_id"]] = (
            med["point_estimate"],
            med["confidence_interval"]["lower_bound"],
            med["confidence_interval"]["upper_bound"],
            tp,
        )
    return out


def find_ruv(crit, row):
    hits = [k for k in crit if k == row.ruv or k.endswith("/" + row.ruv)]
    if not hits:
        return None
    est, lo, hi, tp = crit[sorted(hits, key=len)[0]]
    ops = tp or row.ruv_ops
    return est / ops, lo / ops, hi / ops


def fmt(x):
    if x is None:
        return "—"
    if x == 0:
        return "0"
    digits = max(0, 2 - int(math.floor(math.log10(abs(x)))))
    return f"{x:,.{min(digits, 3)}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return f"{a / b:.2f}"


def cmd_table(flt, results, home):
    samples = load_samples(results)
    crit = load_criterion(home)
    rows = selected(flt)
    main = ["| case | ruv | libuv | node | ruv/libuv | ruv/node |",
            "| --- | ---: | ---: | ---: | ---: | ---: |"]
    detail = ["| case | source | figure | spread | n |", "| --- | --- | ---: | --- | ---: |"]
    for r in rows:
        ruv = find_ruv(crit, r) if r.ruv else None
        uv_s = samples.get(("libuv", r.uv)) if r.uv else None
        nd_s = samples.get(("node", r.node)) if r.node else None
        if not (ruv or uv_s or nd_s):
            continue
        ruv_v = ruv[0] * r.scale if ruv else None
        uv_v = statistics.median(uv_s) * r.scale if uv_s else None
        nd_v = statistics.median(nd_s) * r.scale if nd_s else None
        label = f"{r.label} ({r.unit})"
        main.append(f"| {label} | {fmt(ruv_v)} | {fmt(uv_v)} | {fmt(nd_v)} | "
                    f"{ratio(ruv_v, uv_v)} | {ratio(ruv_v, nd_v)} |")
        if r.ruv:
            spread = (f"95% CI {fmt(ruv[1] * r.scale)} – {fmt(ruv[2] * r.scale)}"
                      if ruv else "no estimate (bench missing or filtered out)")
            detail.append(f"| {r.key} | ruv `{r.ruv}` | {fmt(ruv_v)} | {spread} | criterion |")
        for src, name, s in (("libuv", r.uv, uv_s), ("node", r.node, nd_s)):
            if not name:
                continue
            if not s:
                detail.append(f"| {r.key} | {src} `{name}` | — | not run | 0 |")
                continue
            vals = ", ".join(fmt(v * r.scale) for v in s)
            detail.append(f"| {r.key} | {src} `{name}` | {fmt(statistics.median(s) * r.scale)}"
                          f" | {vals} | {len(s)} |")
    print("\n".join(main))
    print()
    for n in NOTES:
        print(f"- {n}")
    print()
    print("Detail (every sample, in run order: the first half ran before ruv's benches, "
          "the second half after):")
    print()
    print("\n".join(detail))


def main(argv):
    if len(argv) >= 2 and argv[1] == "plan":
        cmd_plan(argv[2] if len(argv) > 2 else "")
    elif len(argv) >= 2 and argv[1] == "rows":
        for r in ROWS:
            print(f"{r.key:26} {r.label} ({r.unit})")
    elif len(argv) == 5 and argv[1] == "table":
        cmd_table(argv[2], argv[3], argv[4])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
