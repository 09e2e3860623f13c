// BroadcastChannel by name: every other member gets a clone, in workers and in the main
// thread; the sender does not get its own message.
'use strict';
const { Worker, BroadcastChannel } = require('worker_threads');

const main = new BroadcastChannel('news');
const got = [];
main.onmessage = (ev) => {
  got.push(ev.data);
  if (got.length === 2) {
    console.log(got.sort((a, b) => a.from - b.from));
    main.postMessage('bye');
    main.close();
  }
};
console.log('name:', main.name);
const workers = [1, 2].map((id) => new Worker(`
  const { BroadcastChannel, parentPort } = require('worker_threads');
  const bc = new BroadcastChannel('news');
  bc.addEventListener('message', (ev) => {
    if (ev.data === 'bye') { parentPort.postMessage('worker ${id} got bye'); bc.close(); }
  });
  parentPort.once('message', () => bc.postMessage({ from: ${id}, when: new Date(0) }));
`, { eval: true }));
let ready = 0;
for (const w of workers) {
  w.on('online', () => { if (++ready === 2) for (const x of workers) x.postMessage('go'); });
  w.on('message', (m) => console.log(m.replace(/\d/, 'N')));
}
const other = new BroadcastChannel('elsewhere');
other.onmessage = () => console.log('never: another name');
other.unref();
try { new BroadcastChannel(); } catch (e) { console.log(e.name, e.code, e.message); }
