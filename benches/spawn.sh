#!/usr/bin/env bash
# benches/spawn.sh: ruv's child spawns (crates/ruv-process/benches/spawn.rs) beside Node's
# (bench-ref/node/spawn.js) in the same run: spawn('/bin/true') one at a time and 50 in
# flight, execFile('/bin/echo', ['hi']), and the spawns again with a parent holding 1 GiB.
#   benches/spawn.sh [ROUNDS=3]        (env SCALE=0.2 for a quick run, BIG_MIB=1024)
# The two take turns (ruv, node, ruv, node ...) so that load from other work on the machine
# hits both alike; the summary is each row's median over the rounds and the ratio ruv/node
# (spawns or calls per second). fork_* rows are ruv's fork+exec path (uid set), ruv only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
command -v node >/dev/null || { echo "node is needed for the reference side" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed for the summary" >&2; exit 1; }

cargo bench -p ruv-process --bench spawn --no-run -q 2>/dev/null
BIN=$(cargo bench -p ruv-process --bench spawn --no-run --message-format=json -q 2>/dev/null \
  | python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "spawn" and m.get("executable"):
        print(m["executable"])')
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "spawn bench: $ROUNDS rounds, SCALE=${SCALE:-1}, BIG_MIB=${BIG_MIB:-1024}, $(nproc) cores," \
  "$(node --version), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  "$BIN" | tee -a "$OUT/ruv.jsonl" | sed 's/^/ruv  /'
  node bench-ref/node/spawn.js | tee -a "$OUT/node.jsonl" | sed 's/^/node /'
done

python3 - "$OUT/ruv.jsonl" "$OUT/node.jsonl" <<'PY'
import json, statistics, sys
def load(p):
    rows = {}
    for line in open(p):
        m = json.loads(line)
        rate = m.get("spawnsPerSec", m.get("perSec"))
        rows.setdefault(m["name"], []).append((rate, m.get("syncMeanMs"), m.get("cpuMs") / m["n"]))
    return rows
ruv, node = load(sys.argv[1]), load(sys.argv[2])
med = lambda v: statistics.median(v) if v else None
print(f"{'row':<20} {'ruv /s':>8} {'node /s':>8} {'ruv/node':>8}   {'ruv sync ms':>11} {'node sync ms':>12}   {'ruv cpu ms':>10} {'node cpu ms':>11}")
for name in ruv:
    r, n = ruv[name], node.get(name, [])
    rr, nr = med([x[0] for x in r]), med([x[0] for x in n])
    rs, ns = med([x[1] for x in r if x[1] is not None]), med([x[1] for x in n if x[1] is not None])
    rc, nc = med([x[2] for x in r]), med([x[2] for x in n])
    f = lambda v, d=0: "-" if v is None else f"{v:.{d}f}"
    ratio = f"{rr / nr:.2f}" if nr else "-"
    print(f"{name:<20} {f(rr):>8} {f(nr):>8} {ratio:>8}   {f(rs, 3):>11} {f(ns, 3):>12}   {f(rc, 3):>10} {f(nc, 3):>11}")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
