// Immediates run in queue order; one queued by an immediate waits for the next iteration
// (after the timers due then); clearImmediate from a sibling; arguments and `this`.
'use strict';
const log = (s) => console.log(s);
setTimeout(() => {
  setImmediate(() => {
    log('imm 1');
    setImmediate(() => {
      log('imm 4 (from 1: next iteration)');
      setImmediate(() => log('imm 6 (from 4)'));
    });
    clearImmediate(i3);
  });
  setImmediate((a, b) => log(`imm 2 ${a} ${b}`), 'x', 'y');
  const i3 = setImmediate(() => log('imm 3 (must not run)'));
  const i5 = setImmediate(function () { log(`imm 5 this=${this === i5}`); });
  clearImmediate(i3);
  clearImmediate(undefined);
}, 1);
