// bench_worker.js — worker_threads costs. Parts (in this order, one JSON line each):
//   worker_rss_idle  — RSS of this process with 0, 1, 10, 20 idle workers alive (each posted
//                      'ready', then 1 s settle), MiB per worker over the 20, and RSS after terminating;
//   worker_start     — new Worker(worker_child.js) -> first message received ('ready' posted at
//                      the top of the worker script); 50 sequential starts, each terminated
//                      (await terminate()) before the next; median/p90/min/max ms, mean terminate ms;
//   worker_pingpong  — worker.postMessage / parentPort echo of {i, data: 'x'.repeat(64)}, 100k
//                      round trips (after 1000 warm-up): usPerRt, roundTripsPerSec;
//   worker_oneway_p2c / _c2p — 1e6 such messages one way, at most 50k un-acknowledged (receiver
//                      acks every 10k): msgsPerSec;
//   worker_buf64m_transfer / _clone — postMessage of a filled 64 MiB ArrayBuffer with it in the
//                      transferList vs structured clone, 5 reps each: postMs (inside postMessage)
//                      and ackMs (until the worker's reply with byteLength arrives), mean and min.
// usage: node bench_worker.js   (env SCALE=0.1 for a quick run)
//
// ruv's copy of the project's anchor script (../shared/anchors/node/bench_worker.js, with its
// worker_child.js beside it), with what benches/worker.sh needs to run parts of it beside ruv:
// PARTS=rss,start,pingpong,oneway,buf picks the parts (default all), in the order above.
'use strict';
const { Worker } = require('worker_threads');
const path = require('path');
const SCALE = Number(process.env.SCALE || 1);
const PARTS = (process.env.PARTS || 'rss,start,pingpong,oneway,buf').split(',');
const has = (p) => PARTS.includes(p);
const FILE = path.join(__dirname, 'worker_child.js');
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mib = (b) => +(b / 2 ** 20).toFixed(1);
const rss = () => process.memoryUsage().rss;
const out = (o) => console.log(JSON.stringify(o));
const once = (w) => new Promise((r) => w.once('message', r));
const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { med: +q(0.5).toFixed(3), p90: +q(0.9).toFixed(3), min: +s[0].toFixed(3), max: +s[s.length - 1].toFixed(3) }; };
const mean = (xs) => +(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3);
const start = (mode) => new Worker(FILE, { workerData: { mode } });

async function rssIdle() {
  const ws = []; const at = {};
  await sleep(500); at.r0 = rss();
  for (const target of [1, 10, 20]) {
    while (ws.length < target) { const w = start('idle'); ws.push(w); await once(w); }
    await sleep(1000); at['r' + target] = rss();
  }
  await Promise.all(ws.map((w) => w.terminate()));
  await sleep(1000);
  out({ name: 'worker_rss_idle', rss0MiB: mib(at.r0), rss1MiB: mib(at.r1), rss10MiB: mib(at.r10), rss20MiB: mib(at.r20),
        perWorkerMiB: mib((at.r20 - at.r0) / 20), afterTerminateMiB: mib(rss()) });
}

async function startLatency(n) {
  const first = [], term = [];
  for (let k = 0; k < n; k++) {
    const t0 = now(); const w = start('hello'); await once(w); first.push(now() - t0);
    const t1 = now(); await w.terminate(); term.push(now() - t1);
  }
  out({ name: 'worker_start', n, firstMsgMs: stats(first), terminateMeanMs: mean(term) });
}

// Ping-pong `n` round trips with the echo worker.
function pingpong(w, n) {
  const data = 'x'.repeat(64);
  return new Promise((resolve) => {
    let i = 0; const t0 = now();
    const onMsg = (m) => {
      if (m.i !== i) throw new Error('bad echo');
      if (++i === n) { w.off('message', onMsg); resolve(now() - t0); } else w.postMessage({ i, data });
    };
    w.on('message', onMsg); w.postMessage({ i, data });
  });
}

async function messaging() {
  if (has('pingpong')) {
    const w = start('echo');
    await pingpong(w, 1000);
    const N = Math.round(1e5 * SCALE);
    const ms = await pingpong(w, N);
    out({ name: 'worker_pingpong', roundTrips: N, wallMs: +ms.toFixed(1), usPerRt: +((ms * 1000) / N).toFixed(2), roundTripsPerSec: Math.round(N / (ms / 1000)) });
    await w.terminate();
  }
  if (!has('oneway')) return;

  const TOTAL = Math.round(1e6 * SCALE / 1e4) * 1e4, WINDOW = 50000, data = 'x'.repeat(64);
  // parent -> worker: windowed sender here, 'sink' worker acks every 10k.
  {
    const s = start('sink');
    let sent = 0, acked = 0, wake = null;
    s.on('message', (m) => { if (m.ack !== undefined) { acked = m.ack; if (wake) { const f = wake; wake = null; f(); } } });
    const t0 = now();
    while (acked < TOTAL && now() - t0 < 30000) {
      while (sent < TOTAL && sent - acked < WINDOW) s.postMessage({ i: sent++, data });
      await new Promise((r) => (wake = r));
    }
    const ms = now() - t0;
    out({ name: 'worker_oneway_p2c', msgs: acked, wallMs: +ms.toFixed(1), msgsPerSec: Math.round(acked / (ms / 1000)) });
    await s.terminate();
  }
  // worker -> parent: 'source' worker sends, we ack every 10k.
  {
    const s = start('source');
    const t0 = now(); let n = 0;
    const r = await new Promise((resolve) => {
      s.on('message', (m) => {
        if (m.done) return resolve(m.count);
        if (++n % 10000 === 0) s.postMessage({ ack: n });
      });
      s.postMessage({ source: TOTAL });
    });
    const ms = now() - t0;
    if (r !== n) throw new Error(`got ${n}, worker sent ${r}`);
    out({ name: 'worker_oneway_c2p', msgs: n, wallMs: +ms.toFixed(1), msgsPerSec: Math.round(n / (ms / 1000)) });
    await s.terminate();
  }
}

async function bigBuffer() {
  const w = start('recvbuf'); const SIZE = 64 * 2 ** 20;
  for (const how of ['transfer', 'clone']) {
    const post = [], ack = [];
    for (let k = 0; k < 6; k++) {
      const ab = new ArrayBuffer(SIZE); new Uint8Array(ab).fill(1);
      const reply = once(w);
      const t0 = now();
      if (how === 'transfer') w.postMessage(ab, [ab]); else w.postMessage(ab);
      const t1 = now();
      const { len } = await reply; const t2 = now();
      if (len !== SIZE) throw new Error('bad length');
      if (how === 'transfer' && ab.byteLength !== 0) throw new Error('not detached');
      if (k > 0) { post.push(t1 - t0); ack.push(t2 - t0); } // first rep is warm-up
      await sleep(50);
    }
    out({ name: 'worker_buf64m_' + how, reps: post.length, postMeanMs: mean(post), postMinMs: +Math.min(...post).toFixed(3),
          ackMeanMs: mean(ack), ackMinMs: +Math.min(...ack).toFixed(3) });
  }
  await w.terminate();
}

(async () => {
  if (has('rss')) await rssIdle();
  if (has('start')) await startLatency(Math.max(5, Math.round(50 * SCALE)));
  await messaging();
  if (has('buf')) await bigBuffer();
})();
