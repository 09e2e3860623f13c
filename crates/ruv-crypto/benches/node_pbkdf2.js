// Times the pool experiment's hash in Node.js, like benches/pbkdf2.rs does in ruv:
// crypto.pbkdf2Sync('secret', 'salt', 100000, 512, 'sha512') on the main thread.
// Prints one JSON line: the median and all runs, in milliseconds.
// Run: node crates/ruv-crypto/benches/node_pbkdf2.js [runs=7]
'use strict';
const crypto = require('crypto');

const runs = Number(process.argv[2] || 7);
crypto.pbkdf2Sync('secret', 'salt', 1000, 512, 'sha512'); // warm-up
const ms = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  crypto.pbkdf2Sync('secret', 'salt', 100000, 512, 'sha512');
  ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const sorted = [...ms].sort((a, b) => a - b);
const median = runs % 2 ? sorted[(runs - 1) / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
console.log(JSON.stringify({
  bench: 'pbkdf2_sha512_100k_512', node: process.version, openssl: process.versions.openssl,
  runs, median_ms: +median.toFixed(2), min_ms: +sorted[0].toFixed(2),
  all_ms: ms.map((x) => +x.toFixed(2)),
}));
