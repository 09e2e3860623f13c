// The benches of benches/random.rs in Node.js. Prints one JSON line:
// Order: the sync benches first (see the note before the async rounds).
// - random_bytes_32_100_in_flight: 10,000 crypto.randomBytes(32, cb) calls with 100 in
//   flight (each callback starts the next), best and median ops/s over `runs` rounds;
// - random_bytes_65536_sync: crypto.randomBytes(65536) on the main thread, median µs per
//   call over rounds of 2,000 calls;
// - scrypt_default: crypto.scryptSync('secret', 'salt', 64) (N=16384, r=8, p=1), median ms.
// Run: node crates/ruv-crypto/benches/node_random.js [runs=9]
'use strict';
const crypto = require('crypto');

const runs = Number(process.argv[2] || 9);
const OPS = 10000;
const IN_FLIGHT = 100;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return xs.length % 2 ? s[(xs.length - 1) / 2] : (s[xs.length / 2 - 1] + s[xs.length / 2]) / 2;
};

function inFlightRound() {
  return new Promise((resolve) => {
    let issued = 0;
    let done = 0;
    const t0 = process.hrtime.bigint();
    const cb = (err, buf) => {
      if (err) throw err;
      if (buf.length !== 32) throw new Error('short');
      done++;
      if (issued < OPS) {
        issued++;
        crypto.randomBytes(32, cb);
      } else if (done === OPS) {
        resolve(OPS / (Number(process.hrtime.bigint() - t0) / 1e9));
      }
    };
    for (let i = 0; i < IN_FLIGHT; i++) {
      issued++;
      crypto.randomBytes(32, cb);
    }
  });
}

(async () => {
  const N64 = 2000;
  for (let i = 0; i < N64; i++) crypto.randomBytes(65536); // warm-up
  const us64 = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < N64; j++) crypto.randomBytes(65536);
    us64.push(Number(process.hrtime.bigint() - t0) / 1e3 / N64);
  }

  crypto.scryptSync('secret', 'salt', 64); // warm-up
  const scryptMs = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    crypto.scryptSync('secret', 'salt', 64);
    scryptMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }

  // Last: the async rounds leave GC work behind that slows the sync rounds 3x if run first.
  await inFlightRound(); // warm-up
  const opsPerSec = [];
  for (let i = 0; i < runs; i++) opsPerSec.push(await inFlightRound());

  console.log(JSON.stringify({
    node: process.version, openssl: process.versions.openssl, runs,
    uv_threadpool_size: process.env.UV_THREADPOOL_SIZE || '4 (default)',
    random_bytes_32_100_in_flight: {
      median_ops_per_s: Math.round(median(opsPerSec)), best_ops_per_s: Math.round(Math.max(...opsPerSec)),
    },
    random_bytes_65536_sync: { median_us: +median(us64).toFixed(2), min_us: +Math.min(...us64).toFixed(2) },
    scrypt_default: { median_ms: +median(scryptMs).toFixed(2), min_ms: +Math.min(...scryptMs).toFixed(2) },
  }));
})();
