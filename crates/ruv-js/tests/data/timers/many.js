// Many timers in one list, some cleared and some refreshed (moved to the end), fire in
// Node's order; an interval re-armed many times and a refreshed keep-alive fire right.
'use strict';
const fired = [];
const ts = [];
for (let i = 0; i < 600; i++) ts.push(setTimeout(() => fired.push(i), 5));
for (let i = 0; i < 600; i += 3) clearTimeout(ts[i]);
for (let i = 0; i < 600; i += 7) ts[i].refresh();
for (let i = 1; i < 600; i += 10) ts[i].refresh();
setTimeout(() => {
  console.log(`fired ${fired.length}: ${fired.join(' ')}`);
  const keep = setTimeout(() => console.log('keep-alive fired once'), 20);
  for (let i = 0; i < 100000; i++) keep.refresh();
  let n = 0;
  const iv = setInterval(() => { if (++n === 50) { clearInterval(iv); console.log('interval ran 50 times'); } }, 1);
}, 30);
