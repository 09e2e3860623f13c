// immediate.js — setImmediate throughput, the Node side of ruv's immediates/node_chain and
// immediates/node_batch.
//   immediate_chain: each callback schedules the next, so one callback per loop iteration.
//   immediate_batch: N callbacks queued at once; they all run in one check phase.
// A pass of N/10 of each runs first, unreported, so V8 has compiled the paths.
'use strict';
const { measure, count } = require('./common');

const N = count(1e6);

function chain(n) {
  return new Promise((resolve) => {
    let seen = 0;
    const step = () => {
      if (++seen < n) setImmediate(step);
      else resolve();
    };
    setImmediate(step);
  });
}

function batch(n) {
  return new Promise((resolve) => {
    let seen = 0;
    const step = () => {
      if (++seen === n) resolve();
    };
    for (let i = 0; i < n; i++) setImmediate(step);
  });
}

(async () => {
  await chain(N / 10);
  await batch(N / 10);
  await measure('immediate_chain', N, () => chain(N));
  await measure('immediate_batch', N, () => batch(N));
})();
