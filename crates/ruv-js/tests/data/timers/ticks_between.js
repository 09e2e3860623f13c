// process.nextTick, promise jobs and queueMicrotask run between any two timer callbacks and
// any two immediates, ticks first; an uncaught exception with a listener lets the run go on.
'use strict';
const log = (s) => console.log(s);
process.on('uncaughtException', (e) => log(`uncaught: ${e.message}`));
setTimeout(() => {
  log('timer 1');
  Promise.resolve().then(() => { log('micro after 1'); process.nextTick(() => log('tick from micro')); });
  process.nextTick(() => log('tick after 1'));
  queueMicrotask(() => log('queueMicrotask after 1'));
}, 1);
setTimeout(async () => {
  log('timer 2');
  await null;
  log('await after 2');
}, 1);
setTimeout(() => { log('timer 3 throws'); throw new Error('boom'); }, 1);
setTimeout(() => {
  log('timer 4');
  setImmediate(() => {
    log('imm 1');
    process.nextTick(() => log('tick after imm 1'));
    Promise.resolve().then(() => log('micro after imm 1'));
  });
  setImmediate(() => { log('imm 2 throws'); throw new Error('bang'); });
  setImmediate(() => log('imm 3'));
}, 1);
process.on('unhandledRejection', (e) => log(`unhandled: ${e.message}`));
setTimeout(() => {
  setTimeout(() => { log('timer 5 rejects'); Promise.reject(new Error('no')); }, 1);
  setTimeout(() => log('timer 6'), 1);
}, 5);
