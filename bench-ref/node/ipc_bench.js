// ipc_bench.js — child_process.fork IPC (process.send / 'message') throughput.
// For serialization 'json' and 'advanced' (fork option), with a fresh child (ipc_child.js) each:
//   ipc_pingpong — parent sends {i, data: 'x'.repeat(size)}, child echoes it, parent sends the
//                  next one on receipt; for DUR ms (default 5000) each at size 64 B, 1 KiB, 16 KiB,
//                  1 MiB (after 100 untimed warm-up round trips); reports roundTripsPerSec, usPerRt;
//   ipc_oneway_p2c — parent -> child 64 B messages for DUR ms, batches of 1000 paced by the send
//                  callback; the child counts; msgsPerSec counted up to the child's final reply;
//   ipc_oneway_c2p — child -> parent, same scheme, the parent counts.
// usage: node ipc_bench.js    (env DUR=1000 for a quick run)
//
// ruv's copy of the project's anchor script (../shared/anchors/node/bench_ipc.js), with
// what benches/ipc.sh needs to run it beside ruv: CHILD=PATH forks that program instead of
// ipc_child.js (child_process.fork with execPath, so a ruv program such as
// examples/fork_child.rs --bench can be the child; CHILD_ARGS are its arguments),
// SERIALIZATIONS=json,advanced picks the modes, SIZES=64,1048576 the ping-pong sizes,
// ONEWAY=0 skips the one-way runs, SETUP=TEXT labels every line.
'use strict';
const { fork } = require('child_process');
const path = require('path');
const DUR = Number(process.env.DUR || 5000);
const SIZES = (process.env.SIZES || '64,1024,16384,1048576').split(',').map(Number);
const MODES = (process.env.SERIALIZATIONS || 'json,advanced').split(',');
const ONEWAY = process.env.ONEWAY !== '0';
const SETUP = process.env.SETUP || 'node parent, node child';
const CHILD = process.env.CHILD;
const CHILD_ARGS = (process.env.CHILD_ARGS || '').split(' ').filter(Boolean);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const out = (o) => console.log(JSON.stringify({ setup: SETUP, ...o }));

// Ping-pong for `dur` ms (or `maxRt` round trips); resolve with the count and elapsed ms.
function pingpong(child, size, dur, maxRt) {
  const data = 'x'.repeat(size);
  return new Promise((resolve) => {
    let i = 0; const t0 = now();
    const onMsg = (m) => {
      if (m.i !== i || m.data.length !== size) throw new Error('bad echo');
      i++;
      const t = now() - t0;
      if (t >= dur || i >= maxRt) { child.off('message', onMsg); resolve({ rt: i, ms: t }); } else child.send({ i, data });
    };
    child.on('message', onMsg);
    child.send({ i, data });
  });
}
const once = (child) => new Promise((r) => child.once('message', r));

async function p2c(child, dur) {
  const data = 'x'.repeat(64); let i = 0;
  child.send({ sink: true });
  const t0 = now();
  while (now() - t0 < dur && i < 1e7) {
    for (let k = 0; k < 999; k++) child.send({ i: i++, data });
    await new Promise((r) => child.send({ i: i++, data }, r)); // pace on the batch's last write
  }
  const reply = once(child); child.send({ done: true });
  const { count } = await reply;
  if (count !== i) throw new Error(`child counted ${count}, sent ${i}`);
  return { msgs: count, ms: now() - t0 };
}

function c2p(child, dur) {
  return new Promise((resolve) => {
    let n = 0; const t0 = now();
    const onMsg = (m) => {
      if (!m.done) { n++; return; }
      child.off('message', onMsg);
      if (m.count !== n) throw new Error(`parent got ${n}, child sent ${m.count}`);
      resolve({ msgs: n, ms: now() - t0 });
    };
    child.on('message', onMsg);
    child.send({ source: 64, dur });
  });
}

(async () => {
  for (const serialization of MODES) {
    const child = CHILD
      ? fork('ipc_child', CHILD_ARGS, { serialization, stdio: 'inherit', execPath: CHILD, execArgv: [] })
      : fork(path.join(__dirname, 'ipc_child.js'), [], { serialization, stdio: 'inherit' });
    for (const size of SIZES) {
      await pingpong(child, size, 1e9, 100); // warm-up
      const c0 = cpu();
      const r = await pingpong(child, size, DUR, 1e8);
      out({ name: 'ipc_pingpong', serialization, size, wallMs: +r.ms.toFixed(1), parentCpuMs: +(cpu() - c0).toFixed(1),
            roundTrips: r.rt, roundTripsPerSec: Math.round(r.rt / (r.ms / 1000)), usPerRt: +((r.ms * 1000) / r.rt).toFixed(1) });
    }
    for (const [name, fn] of ONEWAY ? [['ipc_oneway_p2c', p2c], ['ipc_oneway_c2p', c2p]] : []) {
      const c0 = cpu();
      const r = await fn(child, DUR);
      out({ name, serialization, size: 64, wallMs: +r.ms.toFixed(1), parentCpuMs: +(cpu() - c0).toFixed(1),
            msgs: r.msgs, msgsPerSec: Math.round(r.msgs / (r.ms / 1000)) });
    }
    const gone = new Promise((r) => child.once('exit', r));
    child.disconnect(); await gone;
  }
})();
