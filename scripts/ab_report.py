#!/usr/bin/env python3
"""Rows and report of the before/after comparison run by scripts/ab_compare.sh.

Standard library only. The criterion rows are scripts/compare_report.py's (same keys, ids,
units and libuv/Node references); the http/tcp rows are benches/http.sh's and
benches/tcp_echo.sh's figures. See docs/performance-method.md, "Before and after".

  ab_report.py rows                    list the row keys (what FILTER matches)
  ab_report.py plan FILTER REFS        what to run: line 1 uvbench cases, line 2 Node
                                       scripts (both empty when REFS is 0), line 3 the
                                       criterion filter regex (empty: none), line 4 the
                                       http/tcp rows, line 5 packages other than the root
                                       one whose benches are needed
  ab_report.py artifacts JSON          "KIND NAME PATH" for each bench/example executable in
                                       the output of cargo --message-format=json
  ab_report.py table FILTER ABDIR      the markdown report from ABDIR/runs/{before,after,
                                       refs}/rN/ and ABDIR/bin/{before,after}/*.list

An empty FILTER means DEFAULT_FILTER: the rows issue #8's "no regression" check names.
"""
import glob
import json
import os
import re
import statistics
import sys
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_report as cr  # noqa: E402  (the rows live there)

# loop_count, immediates, million_timers, node_timers, async, queue_work, roundtrip, http, tcp
DEFAULT_FILTER = (r"^(loop|immediates|immediate_chain|immediate_batch|timers_start|timers_run"
                  r"|settimeout_schedule|async|queue_work|roundtrip|http|tcp_pingpong"
                  r"|tcp_stream)$")
SIDES = ("before", "after")
LIMIT = 0.10  # the requirement: within 10 %


@dataclass
class NetRow:
    key: str
    label: str
    unit: str
    file: str  # what ab_compare.sh writes in each round's folder
    pattern: str  # the figure in that file


NET_ROWS = [
    NetRow("http", "http: wrk -t1 -c100 against http_hello, requests per second", "req/s",
           "http.txt", r"^Requests/sec:\s+([0-9.]+)"),
    NetRow("tcp_pingpong", "tcp echo: 100 connections ping-pong 64 B, messages per second",
           "msgs/s", "tcp_pingpong.txt", r"msgs_per_s=([0-9.]+)"),
    NetRow("tcp_stream", "tcp echo: one connection streaming 64 KiB writes", "MiB/s",
           "tcp_stream.txt", r"mib_per_s=([0-9.]+)"),
]


def selected(flt):
    rx = re.compile(flt or DEFAULT_FILTER)
    crit = [r for r in cr.ROWS if r.ruv and rx.search(r.key)]
    net = [r for r in NET_ROWS if rx.search(r.key)]
    return crit, net


def cmd_rows():
    default = re.compile(DEFAULT_FILTER)
    for r in cr.ROWS:
        if r.ruv:
            mark = "*" if default.search(r.key) else " "
            print(f"{mark} {r.key:24} {r.label} ({r.unit})")
    for r in NET_ROWS:
        print(f"* {r.key:24} {r.label} ({r.unit})")
    print("(* = run when no FILTER is given)")


def cmd_plan(flt, refs):
    crit, net = selected(flt)
    uv = sorted({cr.UV_CASE[r.uv] for r in crit if r.uv}) if refs else []
    node = sorted({cr.NODE_SCRIPT[r.node] for r in crit if r.node}) if refs else []
    print(" ".join(uv))
    print(" ".join(node))
    ids = sorted({r.ruv for r in crit})
    # an id may sit in a group ("pool/queue_work"): match it whole or as its last part
    print("(^|/)(" + "|".join(re.escape(i) for i in ids) + ")$" if ids else "")
    print(" ".join(r.key for r in net))
    print(" ".join(sorted({r.bench.split("/")[0] for r in crit if "/" in r.bench})))


def cmd_artifacts(path):
    with open(path) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            m = json.loads(line)
            if m.get("reason") != "compiler-artifact" or not m.get("executable"):
                continue
            kinds = m["target"]["kind"]
            kind = "bench" if "bench" in kinds else "example" if "example" in kinds else None
            if kind:
                print(kind, m["target"]["name"], m["executable"])


# ---- figures -------------------------------------------------------------------------------
def rounds_of(abdir, side):
    dirs = glob.glob(os.path.join(abdir, "runs", side, "r*"))
    return sorted(dirs, key=lambda d: int(os.path.basename(d)[1:]))


def crit_figures(abdir, side, row, cache):
    out = []
    for d in rounds_of(abdir, side):
        home = os.path.join(d, "criterion")
        if home not in cache:
            cache[home] = cr.load_criterion(home)
        v = cr.find_ruv(cache[home], row)
        out.append(v[0] * row.scale if v else None)
    return out


def net_figures(abdir, side, row):
    out = []
    for d in rounds_of(abdir, side):
        try:
            with open(os.path.join(d, row.file)) as f:
                m = re.search(row.pattern, f.read(), re.M)
        except OSError:
            m = None
        out.append(float(m.group(1)) if m else None)
    return out


def wrk_latency(abdir, side, pct):
    """Median over rounds of wrk's latency percentile pct ("50%", "99%"), in ms."""
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    vals = []
    for d in rounds_of(abdir, side):
        try:
            with open(os.path.join(d, "http.txt")) as f:
                m = re.search(r"^\s*" + re.escape(pct) + r"\s+([0-9.]+)(us|ms|s)\s*$", f.read(),
                              re.M)
        except OSError:
            m = None
        if m:
            vals.append(float(m.group(1)) * scale[m.group(2)])
    return statistics.median(vals) if vals else None


def listed_ids(abdir, side):
    ids = set()
    for p in glob.glob(os.path.join(abdir, "bin", side, "*.list")):
        with open(p) as f:
            for line in f:
                if line.rstrip().endswith(": benchmark"):
                    ids.add(line.rstrip()[: -len(": benchmark")])
    return ids


def has_id(ids, ruv_id):
    return any(i == ruv_id or i.endswith("/" + ruv_id) for i in ids)


def median(vals):
    v = [x for x in vals if x is not None]
    return statistics.median(v) if v else None


def spread(vals):
    v = [x for x in vals if x is not None]
    if len(v) < 2 or statistics.median(v) == 0:
        return None
    return (max(v) - min(v)) / statistics.median(v)


def pct(x):
    return "—" if x is None else f"{x * 100:.1f}%"


def change(b, a, higher_is_better, noise, pairs):
    """after/before, and whether that is slower, faster or within the limit. noise: the
    larger of the two sides' round-to-round spreads (None: unknown); pairs: after/before of
    each round."""
    if a is None or b is None or b == 0:
        return "—", "—", None
    r = a / b
    slower = r < 1 if higher_is_better else r > 1
    word = "slower" if slower else "faster"
    verdict = f"{abs(r - 1) * 100:.1f}% {word}"
    if abs(r - 1) > LIMIT:
        verdict = f"**{verdict}**"
        why = []
        if any(p > 1 for p in pairs) and any(p < 1 for p in pairs):
            why.append("rounds disagree on the sign")
        if noise is not None and noise >= abs(r - 1):
            why.append(f"a side's rounds spread {noise * 100:.0f}%")
        if why:
            verdict += ", inconclusive: " + " and ".join(why)
    return f"{r:.3f}", verdict, r


def best(vals, higher_is_better):
    v = [x for x in vals if x is not None]
    if not v:
        return None
    return max(v) if higher_is_better else min(v)


# ---- the report ----------------------------------------------------------------------------
def cmd_table(flt, abdir):
    crit, net = selected(flt)
    cache = {}
    refs = {}
    for d in rounds_of(abdir, "refs"):
        for k, v in cr.load_samples(d).items():
            refs.setdefault(k, []).extend(v)
    ids = {s: listed_ids(abdir, s) for s in SIDES}

    main = ["| case | before | after | after/before | change | before/libuv | after/libuv "
            "| before/node | after/node |",
            "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    detail = ["| row | side | every round, in run order | median | spread |",
              "| --- | --- | --- | ---: | ---: |"]
    paired = ["| row | after/before, round by round | best round of after / best of before |",
              "| --- | --- | ---: |"]
    worst = []  # (|after/before - 1|, key)
    spreads = []  # (spread, key, side)

    for r in crit + net:
        is_net = isinstance(r, NetRow)
        figs = {s: (net_figures(abdir, s, r) if is_net else crit_figures(abdir, s, r, cache))
                for s in SIDES}
        meds = {s: median(figs[s]) for s in SIDES}

        def missing(side, r=r, is_net=is_net):
            if is_net:
                return f"not run on {side}"
            if ids[side] and not has_id(ids[side], r.ruv):
                return f"`{r.ruv}` not in {side}'s benches"
            return "no result"

        def cell(side):
            return cr.fmt(meds[side]) if meds[side] is not None else missing(side)

        noise = [x for x in (spread(figs[s]) for s in SIDES) if x is not None]
        pair_v = [a / b for b, a in zip(figs["before"], figs["after"])
                  if a is not None and b]
        ratio_s, verdict, ratio_v = change(meds["before"], meds["after"], is_net,
                                           max(noise) if noise else None, pair_v)
        if ratio_v is not None:
            worst.append((abs(ratio_v - 1), r.key))
        if is_net:
            uv = None
            nd = median(net_figures(abdir, "refs", r))
        else:
            uv = statistics.median(refs[("libuv", r.uv)]) * r.scale \
                if r.uv and refs.get(("libuv", r.uv)) else None
            nd = statistics.median(refs[("node", r.node)]) * r.scale \
                if r.node and refs.get(("node", r.node)) else None
        main.append(
            f"| {r.label} ({r.unit}) | {cell('before')} | {cell('after')} | {ratio_s} | {verdict}"
            f" | {cr.ratio(meds['before'], uv)} | {cr.ratio(meds['after'], uv)}"
            f" | {cr.ratio(meds['before'], nd)} | {cr.ratio(meds['after'], nd)} |")
        for s in SIDES:
            sp = spread(figs[s])
            if sp is not None:
                spreads.append((sp, r.key, s))
            vals = ", ".join(cr.fmt(v) for v in figs[s]) or "—"
            extra = ""
            if is_net and r.key == "http" and meds[s] is not None:
                extra = (f" (p50 {cr.fmt(wrk_latency(abdir, s, '50%'))} ms, "
                         f"p99 {cr.fmt(wrk_latency(abdir, s, '99%'))} ms)")
            detail.append(f"| {r.key} | {s} | {vals}{extra} | {cr.fmt(meds[s])} | {pct(sp)} |")
        pairs = [f"{a / b:.3f}" if a is not None and b else "—"
                 for b, a in zip(figs["before"], figs["after"])]
        bb, ba = best(figs["before"], is_net), best(figs["after"], is_net)
        paired.append(f"| {r.key} | {', '.join(pairs) or '—'} | {cr.ratio(ba, bb)} |")

    print("\n".join(main))
    print()
    notes = [
        "before / after: the median over the rounds of each side's figure (criterion rows: "
        "criterion's median time per operation, lower is faster; http/tcp rows: throughput, "
        "higher is faster).",
        f"change: after against before; in bold when more than {LIMIT:.0%} apart, and "
        "called inconclusive when the rounds do not all agree that after is slower (or all "
        "that it is faster), or when one side's own rounds spread at least that far: rerun "
        "that row alone, with more rounds, on a quieter machine.",
        "ratio columns: each side against libuv / Node run in the same rounds, as "
        "scripts/compare.sh shows them (time over time) and, on the http/tcp rows, as "
        "benches/http.sh and benches/tcp_echo.sh do (Node's server, req/s or msgs/s over "
        "Node's). The references are one binary for both sides, so after/libuv over "
        "before/libuv is after/before.",
        "A row that one side cannot produce says so (a bench id missing from that side's "
        "bench binaries, or a server that did not build or start).",
    ]
    for n in notes:
        print(f"- {n}")
    if worst:
        w = max(worst)
        print(f"- largest after/before difference: {w[0] * 100:.1f}% (`{w[1]}`)")
    if spreads:
        s = max(spreads)
        print(f"- largest round-to-round spread, (max − min) / median over one side's rounds:"
              f" {s[0] * 100:.1f}% (`{s[1]}`, {s[2]})")
    print()
    print("Per-round ratios (round N of after over round N of before; they ran next to each "
          "other), and the best round of each side (least time, most throughput: the one "
          "least disturbed by other load):")
    print()
    print("\n".join(paired))
    print()
    print("Every figure (unit as in the first table; spread = (max − min) / median):")
    print()
    print("\n".join(detail))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "rows" and len(argv) == 2:
        cmd_rows()
    elif cmd == "plan" and len(argv) == 4:
        cmd_plan(argv[2], argv[3] == "1")
    elif cmd == "artifacts" and len(argv) == 3:
        cmd_artifacts(argv[2])
    elif cmd == "table" and len(argv) == 4:
        cmd_table(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
