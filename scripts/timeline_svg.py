#!/usr/bin/env python3
"""Renders a rolling-restart timeline (which worker answered when) as an SVG.

usage: timeline_svg.py TIMELINE.json OUT.svg [--marks S,S] [--title TEXT]

TIMELINE.json is the line bench-ref/node/roll_timeline.js prints: answers per worker id per
bucket and failures per bucket. One row per worker; a cell's darkness is that worker's
share of the bucket's answers. Failed requests, if any, are a red row at the bottom;
--marks draws a dashed line at each SIGUSR2 (seconds from the start).
"""
import argparse
import json
from xml.sax.saxutils import escape

ROW, LABEL, TOP, CELL_MIN = 22, 90, 40, 1.0


def render(data, marks, title):
    bucket = data["bucket"]
    workers = sorted(data["byWorker"], key=int)
    slots = max((len(v) for v in data["byWorker"].values()), default=0)
    failed = data.get("failed", [])
    width = 900
    cell = max(CELL_MIN, (width - LABEL - 20) / max(slots, 1))
    rows = len(workers) + 1
    height = TOP + rows * ROW + 50
    per_slot = [sum(data["byWorker"][w][i] for w in workers) for i in range(slots)]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{LABEL}" y="20" font-size="14">{escape(title)}</text>',
    ]
    for r, w in enumerate(workers):
        y = TOP + r * ROW
        out.append(f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end">worker {w}</text>')
        for i, n in enumerate(data["byWorker"][w]):
            if n == 0:
                continue
            share = n / per_slot[i] if per_slot[i] else 0
            x = LABEL + i * cell
            out.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{cell:.2f}" height="{ROW - 4}" '
                f'fill="#1f5fa8" fill-opacity="{0.15 + 0.85 * share:.2f}"/>'
            )
    y = TOP + len(workers) * ROW
    out.append(f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end">failed</text>')
    for i, n in enumerate(failed):
        if n:
            x = LABEL + i * cell
            out.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{max(cell, 2):.2f}" '
                f'height="{ROW - 4}" fill="#c0392b"/>'
            )
    axis_y = TOP + rows * ROW + 4
    secs = slots * bucket / 1000
    out.append(
        f'<line x1="{LABEL}" y1="{axis_y}" x2="{LABEL + slots * cell:.1f}" y2="{axis_y}" '
        f'stroke="black"/>'
    )
    for s in range(int(secs) + 1):
        x = LABEL + s * 1000 / bucket * cell
        out.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="black"/>')
        out.append(f'<text x="{x:.1f}" y="{axis_y + 17}" text-anchor="middle">{s} s</text>')
    for m in marks:
        x = LABEL + m * 1000 / bucket * cell
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{axis_y}" stroke="#444" '
            f'stroke-dasharray="4 3"/>'
        )
        out.append(f'<text x="{x + 3:.1f}" y="{TOP - 8}">SIGUSR2</text>')
    total_failed = sum(failed)
    out.append(
        f'<text x="{LABEL}" y="{height - 8}">{data.get("ok", 0)} answered, {total_failed} failed; '
        f"bucket {bucket} ms, darker = larger share of the bucket's answers</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("timeline")
    ap.add_argument("out")
    ap.add_argument("--marks", default="", help="SIGUSR2 times in seconds, comma-separated")
    ap.add_argument("--title", default="rolling restart: which worker answered when")
    a = ap.parse_args()
    with open(a.timeline) as f:
        data = json.loads(f.read().strip().splitlines()[-1])
    marks = [float(m) for m in a.marks.split(",") if m]
    with open(a.out, "w") as f:
        f.write(render(data, marks, a.title))


if __name__ == "__main__":
    main()
