// A transferred ArrayBuffer moves: the sender's is detached (byteLength 0), the receiver has
// the bytes; an untransferred one is copied. Transfer-list errors are Node's.
'use strict';
const { Worker, MessageChannel } = require('worker_threads');

const w = new Worker(`
  const { parentPort } = require('worker_threads');
  parentPort.on('message', (m) => {
    if (m === 'done') return parentPort.close();
    const view = new Uint8Array(m.buf);
    parentPort.postMessage({ len: m.buf.byteLength, sum: view.reduce((a, b) => a + b, 0), u16: Array.from(m.u16) });
    // and back, moved again
    view[0] = 99;
    parentPort.postMessage(m.buf, [m.buf]);
    parentPort.postMessage('worker after transfer: ' + m.buf.byteLength);
  });
`, { eval: true });

const buf = new ArrayBuffer(6);
new Uint8Array(buf).set([1, 2, 3, 4, 5, 6]);
const copied = new ArrayBuffer(2);
const u16 = new Uint16Array(buf, 2, 2);
w.postMessage({ buf, u16, copied }, [buf]);
console.log('sender after transfer:', buf.byteLength, u16.length, 'copied one kept:', copied.byteLength);

const steps = [];
w.on('message', (m) => {
  if (m instanceof ArrayBuffer) {
    console.log('moved back:', m.byteLength, new Uint8Array(m)[0]);
    w.postMessage('done');
  } else {
    console.log('worker saw:', m);
  }
});
w.on('exit', (code) => {
  console.log('exit', code);
  const { port1, port2 } = new MessageChannel();
  const ab = new ArrayBuffer(4);
  const tries = [
    ['duplicate', () => port1.postMessage(ab, [ab, ab])],
    ['invalid object', () => port1.postMessage(1, [{}])],
    ['not iterable', () => port1.postMessage(1, 5)],
    ['source port', () => port1.postMessage(1, [port1])],
    ['port not listed', () => port1.postMessage({ port2 })],
    ['options form', () => port1.postMessage(ab, { transfer: [ab] })],
    ['detached', () => port1.postMessage(ab, [ab])],
    ['detached in value', () => port1.postMessage(ab)],
  ];
  for (const [name, fn] of tries) {
    try {
      fn();
      console.log(name, 'ok', ab.byteLength);
    } catch (e) {
      console.log(name, e.name, e.code, e.message);
    }
  }
  port1.close();
});
