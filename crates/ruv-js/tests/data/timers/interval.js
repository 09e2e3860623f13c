// setInterval runs until cleared after N, with its arguments and itself as `this`; an
// interval cleared in its own callback stops; one refreshed keeps going.
'use strict';
const log = (s) => console.log(s);
let n = 0;
const iv = setInterval(function (tag) {
  n += 1;
  log(`${tag} ${n} this=${this === iv}`);
  if (n === 5) {
    clearInterval(iv);
    let m = 0;
    const iv2 = setInterval(() => {
      m += 1;
      log(`second ${m}`);
      if (m === 2) iv2.refresh();
      if (m === 3) { clearInterval(iv2); log(`done, destroyed=${iv2._destroyed}`); }
    }, 2);
  }
}, 1, 'tick');
