#!/usr/bin/env python3
"""Draws the blocking-endpoint experiment's ping latencies as an SVG.

usage: blocking_svg.py BLOCKING.jsonl OUT.svg

One panel per variant (blocking, fork, worker, partition): each /ping's latency (log scale,
ms) at the time it was sent (ms since the four /slow requests went out), ruv and Node.
"""
import json
import math
import sys
from xml.sax.saxutils import escape

W, PH, LEFT, TOP, GAP = 860, 150, 70, 40, 34
COLORS = {"ruv": "#1f5fa8", "node": "#3c8d2f"}
Y_MIN, Y_MAX = 0.1, 5000.0  # ms, log scale


def y_of(ms, top):
    ms = min(max(ms, Y_MIN), Y_MAX)
    f = (math.log10(ms) - math.log10(Y_MIN)) / (math.log10(Y_MAX) - math.log10(Y_MIN))
    return top + PH - f * PH


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    rows = [r for r in rows if r.get("series")]
    modes = []
    for r in rows:
        if r["mode"] not in modes:
            modes.append(r["mode"])
    t_max = max((p[0] for r in rows for p in r["series"]), default=3000)
    t_max = max(t_max, 3000)
    height = TOP + len(modes) * (PH + GAP) + 20
    x_of = lambda t: LEFT + (W - LEFT - 20) * t / t_max
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{W}" height="{height}" fill="white"/>',
        f'<text x="{LEFT}" y="18" font-size="14">/ping latency while four /slow run '
        "(log scale; blue ruv, green Node)</text>",
    ]
    for k, mode in enumerate(modes):
        top = TOP + k * (PH + GAP)
        out.append(f'<text x="{LEFT}" y="{top - 6}" font-weight="bold">{escape(mode)}</text>')
        out.append(f'<rect x="{LEFT}" y="{top}" width="{W - LEFT - 20}" height="{PH}" '
                   'fill="none" stroke="#999"/>')
        for ms in (0.1, 1, 10, 100, 1000):
            y = y_of(ms, top)
            out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - 20}" y2="{y:.1f}" stroke="#eee"/>')
            out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{ms:g} ms</text>')
        for r in rows:
            if r["mode"] != mode:
                continue
            c = COLORS.get(r["side"], "black")
            pts = " ".join(f"{x_of(t):.1f},{y_of(l, top):.1f}" for t, l in r["series"])
            out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="1.2"/>')
            for t, l in r["series"]:
                out.append(f'<circle cx="{x_of(t):.1f}" cy="{y_of(l, top):.1f}" r="1.6" fill="{c}"/>')
        for s in range(0, int(t_max) + 1, 1000):
            x = x_of(s)
            out.append(f'<text x="{x:.1f}" y="{top + PH + 14}" text-anchor="middle">{s / 1000:g} s</text>')
    out.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
