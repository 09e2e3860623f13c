// run_blocking.js — the blocking-endpoint experiment, ruv and Node side by side in one run
// (benches/blocking.sh). For each MODE and each side: start the server, open a keep-alive
// socket for /ping (20 warm-up pings), fire 4 concurrent GET /slow (a fresh socket each),
// 20 ms later ping once every 10 ms (or at once if the last took longer) for 3 s, then wait
// for the /slow answers (limit 60 s) and stop the server. One JSON line per run: pings,
// p50/p99/max ms, each /slow's completion ms, and the ping latencies over time.
// The measurement is run_seed001.js's (../shared/anchors/node), made to drive either server.
// usage: node run_blocking.js RUV_BIN SLOW_MS [MODE ...]   (default: blocking fork worker partition)
'use strict';
const http = require('http');
const { spawn } = require('child_process');
const path = require('path');
const { waitPort, sleep } = require('./util');
const [BIN, SLOW_MS] = [process.argv[2], Number(process.argv[3] || 1000)];
const MODES = process.argv.slice(4).length ? process.argv.slice(4) : ['blocking', 'fork', 'worker', 'partition'];
const now = () => Number(process.hrtime.bigint()) / 1e6;
let port = 21000 + (process.pid % 400) * 10;

function get(p, pathName, agent) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: p, path: pathName, agent }, (res) => {
      let b = ''; res.setEncoding('utf8'); res.on('data', (d) => (b += d)); res.on('end', () => resolve(b));
    });
    req.on('error', reject);
    req.setTimeout(60000, () => req.destroy(new Error('timeout')));
  });
}
const pct = (s, p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];

function server(side, mode, p) {
  if (side === 'ruv') return spawn(BIN, ['--mode', mode, '--port', String(p), '--slow-ms', String(SLOW_MS)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return spawn(process.execPath, [path.join(__dirname, 'seed001_server.js'), mode, String(p)], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function one(side, mode, slowCount) {
  const p = port++;
  const srv = server(side, mode, p);
  const exited = new Promise((r) => srv.on('exit', r));
  try {
    await waitPort(p);
    const pingAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let k = 0; k < 20; k++) await get(p, '/ping', pingAgent);
    const slowAgent = new http.Agent({ keepAlive: false });
    const tS = now();
    const slows = Array.from({ length: slowCount }, () => get(p, '/slow', slowAgent).then((b) => ({ ms: now() - tS, serverMs: Number(b.split(' ')[1]) })));
    await sleep(20);
    const lat = []; const at = []; const t0 = now(); let next = t0;
    while (now() - t0 < 3000 && lat.length < 1000) {
      const wait = next - now(); if (wait > 0) await sleep(wait);
      const a = now(); const b = await get(p, '/ping', pingAgent);
      if (b !== 'pong') throw new Error('bad ping reply ' + b);
      lat.push(now() - a); at.push(a - tS); next = a + 10;
    }
    const done = await Promise.race([Promise.all(slows), sleep(60000).then(() => null)]);
    pingAgent.destroy();
    const s = [...lat].sort((x, y) => x - y);
    const r = { side, mode: slowCount ? mode : 'baseline', pings: lat.length,
      pingP50Ms: +pct(s, 0.5).toFixed(2), pingP99Ms: +pct(s, 0.99).toFixed(2), pingMaxMs: +s[s.length - 1].toFixed(2) };
    if (slowCount) {
      if (!done) r.slowTimedOut = true;
      else {
        const ms = done.map((d) => d.ms);
        Object.assign(r, { slowMeanMs: Math.round(ms.reduce((x, y) => x + y) / ms.length), slowMaxMs: Math.round(Math.max(...ms)),
          slowEachMs: ms.map(Math.round).join(','), serverMs: done.map((d) => d.serverMs).join(',') });
      }
      r.series = lat.map((l, k) => [Math.round(at[k]), +l.toFixed(2)]);
    }
    console.log(JSON.stringify(r));
  } finally {
    srv.kill('SIGTERM'); await exited;
  }
}

(async () => {
  for (const side of ['ruv', 'node']) await one(side, 'blocking', 0);
  for (const m of MODES) for (const side of ['ruv', 'node']) await one(side, m, 4);
})();
