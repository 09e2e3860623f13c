// worker.terminate() stops JavaScript that never returns (`while (true) {}`): the promise
// resolves to 1 and 'exit' fires with 1, for 50 workers at once; the process then exits 0.
'use strict';
const { Worker } = require('worker_threads');

const N = 50;
const workers = [];
for (let i = 0; i < N; i++) workers.push(new Worker('while (true) {}', { eval: true }));
let exits = 0;
for (const w of workers) w.on('exit', (code) => { if (code === 1) exits++; });
let errors = 0;
for (const w of workers) w.on('error', () => errors++);
const online = workers.map((w) => new Promise((res) => w.once('online', res)));
Promise.all(online)
  .then(() => Promise.all(workers.map((w) => w.terminate())))
  .then((codes) => {
    console.log('terminate resolved:', codes.length, codes.every((c) => c === 1));
    console.log("'exit' with 1:", exits, 'errors:', errors);
    return workers[0].terminate();
  })
  .then((again) => {
    console.log('terminate after exit:', again);
    return spinIn('job', 'Promise.resolve().then(() => { for (;;) {} });');
  })
  .then(() => spinIn('timer', 'setTimeout(() => { let x = 0; while (true) x++; }, 1);'));

// one that spins inside a promise job, one inside a timer: it says when it started spinning
function spinIn(name, code) {
  const w = new Worker(`require('worker_threads').parentPort.postMessage('spinning'); ${code}`, { eval: true });
  return new Promise((res) => w.once('message', () => w.terminate().then((c) => { console.log(name, 'terminated', c); res(); })));
}
process.on('exit', (code) => console.log('process exit', code));
