// A 0 ms timer made in a timer callback fires in the next loop iteration, even when its
// 1 ms have passed before the current run ends; the check phase comes first.
'use strict';
const log = (s) => console.log(s);
setTimeout(() => {
  log('A');
  setTimeout(() => log('C (made in A)'), 0);
  setImmediate(() => log('I (made in A)'));
  const end = Date.now() + 5;
  while (Date.now() < end);
}, 1);
setTimeout(() => {
  log('B');
  setTimeout(() => {
    log('D (made in B)');
    setTimeout(() => log('F (made in D)'), 0);
    setImmediate(() => log('J (made in D)'));
  }, 0);
}, 1);
