// pool.js — round trips through Node's libuv pool (UV_THREADPOOL_SIZE, default 4). Node has no
// no-op work item, so the nearest: crypto.randomBytes(1, cb), whose work is one small
// OpenSSL RAND_bytes call, plus the JS callback. Not the same work as ruv's / libuv's no-op
// queue_work: read the ratio as "ruv's pool vs what a Node program pays".
//   pool_randombytes_inflight: N (default 1e5) with 4096 kept in flight, per round trip.
//   pool_randombytes_roundtrip: N/5 one at a time, per round trip.
'use strict';
const crypto = require('crypto');
const { measure, pooled, count } = require('./common');

const N = count(1e5);
const op = (done) => crypto.randomBytes(1, done);

(async () => {
  await pooled(N / 10, 4096, op);
  await measure('pool_randombytes_inflight', N, () => pooled(N, 4096, op));
  await measure('pool_randombytes_roundtrip', N / 5, () => pooled(N / 5, 1, op));
})();
