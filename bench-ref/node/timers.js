// timers.js — setTimeout at scale, the Node side of ruv's node_timers/schedule_1e6.
//   settimeout_schedule_1e6: creating N timeouts with delays 1 + i % 1000 ms (the delays ruv's
//     bench uses), per timeout. Timed alone, like ruv's bench (which never runs them).
//   settimeout_fire_1e6: from the first setTimeout until the last callback, per timeout
//     (includes ~1 s of waiting for the 1000 ms ones).
'use strict';
const { report, count } = require('./common');

const N = count(1e6);

function warmUp() {
  return new Promise((resolve) => {
    const n = 10000;
    let seen = 0;
    const step = () => {
      if (++seen === n) resolve();
    };
    for (let i = 0; i < n; i++) setTimeout(step, i % 10);
  });
}

(async () => {
  await warmUp();
  await new Promise((resolve) => {
    let fired = 0;
    let t1;
    let cpu1;
    const step = () => {
      if (++fired < N) return;
      const t2 = process.hrtime.bigint();
      const cpu2 = process.cpuUsage(cpu0);
      report('settimeout_fire_1e6', Number(t2 - t0), (cpu2.user + cpu2.system) / 1000, N);
      resolve();
    };
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) setTimeout(step, 1 + (i % 1000));
    t1 = process.hrtime.bigint();
    cpu1 = process.cpuUsage(cpu0);
    report('settimeout_schedule_1e6', Number(t1 - t0), (cpu1.user + cpu1.system) / 1000, N);
  });
})();
