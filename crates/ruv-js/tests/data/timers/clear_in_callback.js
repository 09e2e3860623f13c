// A callback cancels timers due in the same run, later ones, and intervals; by object or id.
'use strict';
const log = (s) => console.log(s);
const a = setTimeout(() => { log('A'); clearTimeout(b); clearTimeout(+d); clearInterval(iv); }, 1);
const b = setTimeout(() => log('B (must not run)'), 1);
const c = setTimeout(() => log('C'), 1);
const d = setTimeout(() => log('D (must not run)'), 30);
const iv = setInterval(() => log('interval (must not run)'), 1);
setTimeout(() => {
  log('E');
  clearTimeout(a); // already fired: nothing happens
  clearTimeout(null);
  clearTimeout(undefined);
  clearTimeout({});
  clearTimeout(12345);
  const self = setTimeout(() => log('F (must not run)'), 1);
  clearTimeout(self);
  log(`destroyed: ${b._destroyed} ${self._destroyed} ${c._destroyed}`);
}, 10);
void c;
