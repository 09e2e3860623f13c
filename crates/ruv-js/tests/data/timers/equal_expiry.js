// Timers with equal expiry fire in creation order; shorter lists before longer ones.
'use strict';
const log = (s) => console.log(s);
setTimeout(() => log('40 ms'), 40);
setTimeout(() => log('20 ms'), 20);
for (let i = 0; i < 5; i++) setTimeout(() => log(`1 ms #${i}`), 1);
setTimeout(() => log('0 ms is 1 ms'), 0);
setTimeout(() => log('negative is 1 ms'), -5);
setTimeout(() => log('NaN is 1 ms'), NaN);
setTimeout((a, b) => log(`args ${a} ${b}`), 1, 'x', 'y');
const t = setTimeout(function () { log(`this is the timeout: ${this === t}`); }, 1);
for (let i = 0; i < 3; i++) setTimeout(() => log(`20 ms #${i}`), 20);
