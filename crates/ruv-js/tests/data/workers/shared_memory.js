// SharedArrayBuffer memory is shared with workers: writes are seen on both sides and
// Atomics.wait / Atomics.notify work across threads.
'use strict';
const { Worker } = require('worker_threads');

const sab = new SharedArrayBuffer(16);
const ia = new Int32Array(sab);
console.log(sab instanceof SharedArrayBuffer, sab.constructor === SharedArrayBuffer, sab.byteLength);

// the worker waits; the main thread stores and notifies
const waiter = new Worker(`
  const { workerData, parentPort } = require('worker_threads');
  const ia = new Int32Array(workerData.sab);
  parentPort.postMessage('waiting');
  const r = Atomics.wait(ia, 0, 0);
  parentPort.postMessage({ r: r === 'ok' || r === 'not-equal', seen: ia[1] });
`, { eval: true, workerData: { sab } });
waiter.on('message', (m) => {
  if (m === 'waiting') {
    ia[1] = 42;
    Atomics.store(ia, 0, 1);
    Atomics.notify(ia, 0);
    return;
  }
  console.log('worker woke:', m);
});
waiter.on('exit', (code) => {
  console.log('exit', code);
  // the main thread waits; the worker stores and notifies
  const notifier = new Worker(`
    const { workerData } = require('worker_threads');
    const ia = new Int32Array(workerData);
    Atomics.add(ia, 3, 7);
    Atomics.store(ia, 2, 1);
    Atomics.notify(ia, 2);
  `, { eval: true, workerData: sab });
  notifier.on('online', () => {
    const r = Atomics.wait(ia, 2, 0);
    console.log('main woke:', r === 'ok' || r === 'not-equal', Atomics.load(ia, 3));
  });
  notifier.on('exit', (c) => console.log('exit', c, 'bytes:', Array.from(new Uint8Array(sab)).join(',')));
});
