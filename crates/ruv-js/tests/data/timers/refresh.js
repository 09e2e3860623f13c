// refresh() restarts the countdown from now and moves the timer behind its list's others;
// a fired timeout refreshed runs again; a cleared one does not.
'use strict';
const log = (s) => console.log(s);
const t = setTimeout(() => log('t (refreshed twice, after 40)'), 30);
setTimeout(() => { log('10'); t.refresh(); }, 10);
setTimeout(() => { log('20'); t.refresh(); }, 20);
setTimeout(() => log('40'), 40);
setTimeout(() => {
  const t1 = setTimeout(() => log('t1 (refreshed: second)'), 5);
  setTimeout(() => log('t2 (first)'), 5);
  t1.refresh();
}, 100);
setTimeout(() => {
  let runs = 0;
  const again = setTimeout(() => {
    runs += 1;
    log(`again ${runs}`);
    if (runs === 1) setTimeout(() => again.refresh(), 1);
  }, 1);
  const gone = setTimeout(() => log('gone (must not run)'), 1);
  clearTimeout(gone);
  log(`refresh returns the timer: ${gone.refresh() === gone}`);
}, 150);
