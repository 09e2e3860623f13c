// avail_client.js — a small HTTP load client that counts failures itself (cross-check for ab).
// (bench-ref copy: accepts a body that starts with $EXPECT, default 'hello', so ruv's
// 'hello from worker …' and cpu 'result R from worker …' pass too)
// CONC loops, each: GET / on a fresh connection (agent: false), read the whole body, expect
// status 200 and body 'hello', then the next request at once; new requests stop after SECS.
// A request fails on any socket error (counted by err.code), a 5 s timeout, or a wrong reply.
// Prints one JSON line: total, ok, failed, byError, rps.
// usage: node avail_client.js PORT [CONC=50] [SECS=10]
'use strict';
const http = require('http');
const [PORT, CONC, SECS] = [Number(process.argv[2]), Number(process.argv[3] || 50), Number(process.argv[4] || 10)];
const t0 = Date.now(); let ok = 0, failed = 0; const byError = {};
const fail = (why) => { failed++; byError[why] = (byError[why] || 0) + 1; };

// One request; resolves when it has succeeded or failed (never rejects).
const once = () => new Promise((resolve) => {
  let settled = false; const end = (why) => { if (settled) return; settled = true; if (why) fail(why); else ok++; resolve(); };
  const req = http.get({ host: '127.0.0.1', port: PORT, path: '/', agent: false }, (res) => {
    let b = ''; res.setEncoding('utf8');
    res.on('data', (d) => (b += d));
    res.on('end', () => end(res.statusCode === 200 && b.startsWith(process.env.EXPECT || 'hello') ? null : 'bad reply ' + res.statusCode));
    res.on('error', (e) => end(e.code || e.message));
  });
  req.on('error', (e) => end(e.code || e.message));
  req.setTimeout(5000, () => { req.destroy(); end('timeout'); });
});

(async () => {
  await Promise.all(Array.from({ length: CONC }, async () => { while (Date.now() - t0 < SECS * 1000) await once(); }));
  const s = (Date.now() - t0) / 1000;
  console.log(JSON.stringify({ total: ok + failed, ok, failed, byError, rps: Math.round((ok + failed) / s) }));
})();
