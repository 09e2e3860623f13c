// spawn.js — Node's side of benches/spawn.sh (the same rows, in the same JSON shape, as
// crates/ruv-process/benches/spawn.rs), made from the project's anchor scripts
// bench_spawn.js and bench_exec.js:
//   spawn_seq / spawn_conc   — N spawn('/bin/true', [], {stdio: 'ignore'}), one at a time / 50 in flight
//   execFile_echo_seq / _conc — N execFile('/bin/echo', ['hi']), stdout checked
//   spawn_seq_1g / _conc_1g  — the spawns again while the parent holds a filled 1 GiB Buffer
// Per line: wallMs, cpuMs (this process's user+system, children excluded), spawnsPerSec or
// perSec, msPerSpawn (wall / n), meanLatMs (spawn() call -> 'exit'), syncMeanMs (time inside
// the spawn() call: the loop is blocked that long).
// usage: node bench-ref/node/spawn.js   (env SCALE=0.2 for a quick run; BIG_MIB=1024)
'use strict';
const { spawn, execFile } = require('child_process');
const N = Math.max(1, Math.round(500 * Number(process.env.SCALE || 1)));
const BIG_MIB = Number(process.env.BIG_MIB || 1024);
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);

async function measure(name, body) {
  const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
  const extra = (await body()) || {};
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0); const cpuMs = (c.user + c.system) / 1000;
  console.log(JSON.stringify({ name, wallMs: +wallMs.toFixed(1), cpuMs: +cpuMs.toFixed(1), ...extra }));
}

// `total` operations with `conc` in flight; op(cb) calls cb(err).
function pooled(total, conc, op) {
  return new Promise((resolve, reject) => {
    let started = 0, done = 0;
    const next = () => {
      if (started >= total) return;
      started++;
      op((err) => { if (err) return reject(err); if (++done === total) resolve(); else next(); });
    };
    for (let i = 0; i < conc; i++) next();
  });
}

function runSpawns(total, conc) {
  let syncSum = 0, latSum = 0;
  return pooled(total, conc, (cb) => {
    const t0 = now();
    const cp = spawn('/bin/true', [], { stdio: 'ignore' });
    syncSum += now() - t0;
    cp.on('error', cb);
    cp.on('exit', (code) => { latSum += now() - t0; cb(code === 0 ? null : new Error('exit code ' + code)); });
  }).then(() => ({ syncSum, latSum }));
}

const echoOnce = (cb) => execFile('/bin/echo', ['hi'], (err, out) => cb(err || (out === 'hi\n' ? null : new Error('bad output ' + out))));

async function set(suffix) {
  for (const [kind, conc] of [['seq', 1], ['conc', 50]]) {
    await measure(`spawn_${kind}${suffix}`, async () => {
      const t0 = now();
      const r = await runSpawns(N, conc);
      const t = now() - t0;
      return { n: N, inFlight: conc, rssMiB: rssMiB(), spawnsPerSec: Math.round(N / (t / 1000)),
               msPerSpawn: +(t / N).toFixed(3), meanLatMs: +(r.latSum / N).toFixed(3), syncMeanMs: +(r.syncSum / N).toFixed(3) };
    });
  }
}

(async () => {
  await runSpawns(20, 1); // warm-up (JIT, page cache for /bin/true)
  await set('');
  for (const [kind, conc] of [['seq', 1], ['conc', 50]]) {
    await measure(`execFile_echo_${kind}`, async () => {
      const t0 = now();
      await pooled(N, conc, echoOnce);
      const t = now() - t0;
      return { n: N, inFlight: conc, rssMiB: rssMiB(), perSec: Math.round(N / (t / 1000)), msPerCall: +(t / N).toFixed(3) };
    });
  }
  const big = Buffer.alloc(BIG_MIB * 2 ** 20, 1); // every page resident
  await set('_1g');
  if (big[12345] !== 1) throw new Error('unreachable');
})();
