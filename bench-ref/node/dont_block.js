// dont_block.js — the don't-block-the-event-loop guide's experiments in Node, the same
// subcommands and JSON lines as ruv's examples/dont_block.rs (benches/dont_block.sh runs both).
// usage: node dont_block.js average N | regex K... | json MB | pools SECS
//   average N   the average of 0..N in one callback, then in chunks of 1e6 with setImmediate;
//               the loop's worst delay under a 1 ms setInterval for each
//   regex K...  /(a+)+$/ against 'a'.repeat(K) + '!' (V8's backtracking engine), time each
//   json MB     JSON.parse of a ~MB MiB array on the loop (Node has no off-loop JSON.parse)
//   pools SECS  an fs.stat while four crypto.pbkdf2 calls of about SECS s hold the four
//               libuv threads (Node has one pool: no compute pool beside it)
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const [cmd, ...rest] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const r2 = (x) => Math.round(x * 100) / 100;

// Runs start(done) 5 ms in, with a 1 ms interval recording the worst gap between its ticks.
function watched(start) {
  return new Promise((resolve) => {
    let last = null, worst = 0, t0 = 0, t1 = null;
    const tick = setInterval(() => {
      const t = now(); if (last !== null) worst = Math.max(worst, t - last); last = t;
      if (t1 !== null) { clearInterval(tick); resolve({ workMs: r2(t1 - t0), worstDelayMs: r2(worst) }); }
    }, 1);
    setTimeout(() => { t0 = now(); start(() => { t1 = now(); }); }, 5);
  });
}

async function average(n) {
  let r = await watched((done) => { let s = 0; for (let i = 0; i < n; i++) s += i; globalThis.sink = s / n; done(); });
  console.log(JSON.stringify({ exp: 'average', variant: 'blocking', n, ...r }));
  r = await watched((done) => {
    let s = 0, i = 0;
    const step = () => {
      const end = Math.min(n, i + 1e6); for (; i < end; i++) s += i;
      if (i < n) setImmediate(step); else { globalThis.sink = s / n; done(); }
    };
    step();
  });
  console.log(JSON.stringify({ exp: 'average', variant: 'partitioned', n, ...r }));
}

function regex(ks) {
  for (const k of ks) {
    const input = 'a'.repeat(k) + '!';
    const t = now(); const matched = /(a+)+$/.test(input); const ms = now() - t;
    console.log(JSON.stringify({ exp: 'regex', k, matched, us: Math.round(ms * 1000) }));
  }
}

async function json(mb) {
  const parts = []; let size = 2, i = 0;
  while (size < mb * 1048576) { const s = JSON.stringify({ id: i, name: `item ${i}`, tags: ['a', 'b'], score: i / 7 }); parts.push(s); size += s.length + 1; i++; }
  const body = '[' + parts.join(',') + ']';
  const r = await watched((done) => { globalThis.sink = JSON.parse(body).length; done(); });
  console.log(JSON.stringify({ exp: 'json', variant: 'blocking', bytes: body.length, ...r }));
}

function pools(secs) {
  // calibrate pbkdf2 iterations to about `secs` seconds on one thread
  const t = now(); crypto.pbkdf2Sync('p', 's', 20000, 32, 'sha256'); const per = (now() - t) / 20000;
  const iters = Math.max(1, Math.round((secs * 1000) / per));
  let left = 4; for (let k = 0; k < 4; k++) crypto.pbkdf2('p', 's', iters, 32, 'sha256', () => { left--; });
  setTimeout(() => {
    const asked = now();
    fs.stat('/', () => console.log(JSON.stringify({ exp: 'pools', variant: 'one shared pool', cpuTasks: 4, cpuSecs: secs, statMs: r2(now() - asked) })));
  }, 10);
}

(async () => {
  if (cmd === 'average') await average(Number(rest[0]));
  else if (cmd === 'regex') regex(rest.map(Number));
  else if (cmd === 'json') await json(Number(rest[0]));
  else if (cmd === 'pools') pools(Number(rest[0]));
  else { console.error('usage: node dont_block.js average N | regex K... | json MB | pools SECS'); process.exit(2); }
})();
