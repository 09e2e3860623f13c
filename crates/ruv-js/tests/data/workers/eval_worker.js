// new Worker(code, { eval: true }), isMainThread, threadId, workerData, parentPort, 'online',
// worker.threadId, ref/unref, and what a worker's uncaught throw gives the parent's 'error'.
'use strict';
const wt = require('worker_threads');
const { Worker, isMainThread, threadId, parentPort, workerData } = wt;
console.log('main:', isMainThread, threadId, parentPort, workerData);

const events = [];
const w = new Worker(`
  const { isMainThread, threadId, parentPort, workerData } = require('worker_threads');
  parentPort.postMessage({ isMainThread, threadId, workerData, filename: __filename, hasParentPort: parentPort !== null });
`, { eval: true, workerData: { job: [1, 2] } });
console.log('worker.threadId:', typeof w.threadId, w.threadId > 0);
w.on('online', () => events.push('online'));
w.on('message', (m) => { events.push('message'); console.log('worker says:', m.isMainThread, m.threadId === w.threadId, m.workerData, m.filename, m.hasParentPort); });
w.on('exit', (code) => {
  events.push('exit ' + code);
  console.log(events.join(', '));
  throwing();
});

function throwing() {
  const cases = ['throw new TypeError("bad input")', 'throw 42', 'throw { code: "E_OBJ" }', 'process.exitCode = 4', 'process.exit(5)'];
  (function next() {
    const code = cases.shift();
    if (code === undefined) return unrefd();
    const t = new Worker(code, { eval: true });
    t.on('error', (e) => console.log(code, '-> error:', e instanceof Error ? `${e.constructor.name} ${e.message}` : e));
    t.on('exit', (c) => { console.log(code, '-> exit', c); next(); });
  })();
}

function unrefd() {
  // an unreferenced worker does not keep the process alive
  const u = new Worker('setInterval(() => {}, 1000);', { eval: true });
  u.unref();
  u.ref();
  u.unref();
  process.on('exit', () => console.log('process exits with an unreferenced worker running'));
}
