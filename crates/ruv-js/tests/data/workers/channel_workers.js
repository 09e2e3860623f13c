// A MessageChannel between two workers: each gets one port through postMessage's transfer
// list; they talk to each other directly; closing one end closes both ('close' on each).
// receiveMessageOnPort reads a port that was never started; ref/unref of a port.
'use strict';
const { Worker, MessageChannel, MessagePort, receiveMessageOnPort } = require('worker_threads');

const { port1, port2 } = new MessageChannel();
console.log(port1 instanceof MessagePort, typeof MessageChannel === 'function' && MessageChannel === globalThis.MessageChannel);
port1.postMessage({ n: 1 });
port1.postMessage({ n: 2 });
console.log('received:', receiveMessageOnPort(port2), receiveMessageOnPort(port2), receiveMessageOnPort(port2));

const pinger = new Worker(`
  const { parentPort } = require('worker_threads');
  parentPort.once('message', ({ port }) => {
    port.postMessage('ping 1');
    port.on('message', (m) => {
      parentPort.postMessage('pinger got ' + m);
      if (m === 'pong 3') port.close();
      else port.postMessage('ping ' + (Number(m.slice(5)) + 1));
    });
    port.on('close', () => parentPort.postMessage('pinger port closed'));
  });
`, { eval: true });
const ponger = new Worker(`
  const { parentPort } = require('worker_threads');
  parentPort.once('message', ({ port, label }) => {
    port.on('message', (m) => port.postMessage('pong ' + m.slice(5)));
    port.on('close', () => parentPort.postMessage(label + ' port closed'));
  });
`, { eval: true });

const chan = new MessageChannel();
pinger.postMessage({ port: chan.port1 }, [chan.port1]);
ponger.postMessage({ port: chan.port2, label: 'ponger' }, [chan.port2]);
const log = [];
let exits = 0;
for (const w of [pinger, ponger]) {
  w.on('message', (m) => log.push(m));
  w.on('exit', (code) => {
    log.push('exit ' + code);
    if (++exits < 2) return;
    // the two workers' lines interleave as their threads run: sorted, they are the same set
    console.log(log.sort());
    refs();
  });
}

function refs() {
  const { port1: a, port2: b } = new MessageChannel();
  b.on('message', (m) => {
    console.log('b got', m, 'hasRef', b.hasRef());
    b.unref();
    console.log('after unref', b.hasRef());
    b.ref();
    b.close();
  });
  b.on('close', () => console.log('b close'));
  a.on('close', () => console.log('a close'));
  a.postMessage('hello');
}
