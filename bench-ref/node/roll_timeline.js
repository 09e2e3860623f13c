// roll_timeline.js — a load client that records which worker answered when, for the
// rolling-restart timeline in docs/cluster.md (benches/cluster.sh renders it with
// scripts/timeline_svg.py).
// CONC loops, each: GET / on a fresh connection (agent: false), body `... worker ID ...`,
// then the next request at once, for SECS seconds. Prints one JSON line: bucket (ms),
// answers per worker id per bucket, failures per bucket (with their codes), totals.
// usage: node roll_timeline.js PORT [CONC=20] [SECS=10] [BUCKET_MS=100]
'use strict';
const http = require('http');
const [PORT, CONC, SECS, BUCKET] = [Number(process.argv[2]), Number(process.argv[3] || 20),
  Number(process.argv[4] || 10), Number(process.argv[5] || 100)];
const t0 = Date.now();
const slots = Math.ceil((SECS * 1000) / BUCKET) + 1;
const byWorker = {}; const failed = new Array(slots).fill(0); const codes = {};
let ok = 0, bad = 0;
const at = () => Math.min(slots - 1, Math.floor((Date.now() - t0) / BUCKET));

const once = () => new Promise((resolve) => {
  let settled = false;
  const end = (id, why) => {
    if (settled) return; settled = true;
    if (why) { bad++; failed[at()]++; codes[why] = (codes[why] || 0) + 1; } else {
      ok++; (byWorker[id] ||= new Array(slots).fill(0))[at()]++;
    }
    resolve();
  };
  const req = http.get({ host: '127.0.0.1', port: PORT, path: '/', agent: false }, (res) => {
    let b = ''; res.setEncoding('utf8');
    res.on('data', (d) => (b += d));
    res.on('end', () => {
      const m = /worker (\d+)/.exec(b);
      end(m && m[1], res.statusCode === 200 && m ? null : 'bad reply ' + res.statusCode);
    });
    res.on('error', (e) => end(null, e.code || e.message));
  });
  req.on('error', (e) => end(null, e.code || e.message));
  req.setTimeout(5000, () => { req.destroy(); end(null, 'timeout'); });
});

(async () => {
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (Date.now() - t0 < SECS * 1000) await once();
  }));
  console.log(JSON.stringify({ bucket: BUCKET, byWorker, failed, codes, ok, failedTotal: bad }));
})();
