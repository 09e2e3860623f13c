// microtask.js — process.nextTick and Promise reaction throughput (no ruv bench yet; listed
// so ruv's next_tick / queue_microtask can be held against them once it has one).
//   *_chain: each callback queues the next.   *_batch: all N queued up front.
'use strict';
const { measure, count } = require('./common');

const N = count(1e6);

const tickChain = (n) => new Promise((resolve) => {
  let seen = 0;
  const step = () => (++seen < n ? process.nextTick(step) : resolve());
  process.nextTick(step);
});

const tickBatch = (n) => new Promise((resolve) => {
  let seen = 0;
  const step = () => {
    if (++seen === n) resolve();
  };
  for (let i = 0; i < n; i++) process.nextTick(step);
});

const promiseChain = async (n) => {
  let seen = 0;
  const step = () => {
    seen++;
  };
  let p = Promise.resolve();
  for (let i = 0; i < n; i++) p = p.then(step);
  await p;
  if (seen !== n) throw new Error(`promise chain ran ${seen} of ${n}`);
};

const promiseBatch = (n) => new Promise((resolve) => {
  let seen = 0;
  const step = () => {
    if (++seen === n) resolve();
  };
  const done = Promise.resolve();
  for (let i = 0; i < n; i++) done.then(step);
});

(async () => {
  const cases = [
    ['nexttick_chain', tickChain],
    ['nexttick_batch', tickBatch],
    ['promise_chain', promiseChain],
    ['promise_batch', promiseBatch],
  ];
  for (const [, run] of cases) await run(N / 10);
  for (const [name, run] of cases) await measure(name, N, () => run(N));
})();
