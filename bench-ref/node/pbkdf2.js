// pbkdf2.js — one PBKDF2-HMAC-SHA512 hash, 100000 iterations, 512-byte key: the Node side of
// ruv's pbkdf2_sha512_100k_512 (OpenSSL underneath).
//   pbkdf2_sync:  crypto.pbkdf2Sync on the main thread — the hash alone.
//   pbkdf2_async: crypto.pbkdf2 — the hash on the libuv pool, plus the round trip.
// Each hash is its own measurement line (REPS of each, default 5; the first, unreported,
// warms up); compare.sh takes the median.
'use strict';
const crypto = require('crypto');
const { measure } = require('./common');

const REPS = Number(process.env.REPS || 5);
const ARGS = ['correct horse battery staple', 'ruv-bench-salt', 100000, 512, 'sha512'];

const once = () => new Promise((resolve, reject) => {
  crypto.pbkdf2(...ARGS, (err) => (err ? reject(err) : resolve()));
});

(async () => {
  crypto.pbkdf2Sync(...ARGS);
  for (let i = 0; i < REPS; i++) {
    await measure('pbkdf2_sync', 1, async () => {
      crypto.pbkdf2Sync(...ARGS);
    });
  }
  for (let i = 0; i < REPS; i++) await measure('pbkdf2_async', 1, once);
})();
