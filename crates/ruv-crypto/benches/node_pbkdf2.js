// Times the pool experiment's hash in Node.js, like benches/pbkdf2.rs does in ruv:
// crypto.pbkdf2Sync('secret', 'salt', 100000, 512, 'sha512') on the main thread.
// Prints one JSON line: median and min wall time, median process CPU time, all runs (ms).
// Run: node crates/ruv-crypto/benches/node_pbkdf2.js [runs=7]
'use strict';
const crypto = require('crypto');

const runs = Number(process.argv[2] || 7);
crypto.pbkdf2Sync('secret', 'salt', 1000, 512, 'sha512'); // warm-up
const ms = [];
const cpuMs = [];
for (let i = 0; i < runs; i++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  crypto.pbkdf2Sync('secret', 'salt', 100000, 512, 'sha512');
  ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  const c = process.cpuUsage(c0);
  cpuMs.push((c.user + c.system) / 1e3);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return xs.length % 2 ? s[(xs.length - 1) / 2] : (s[xs.length / 2 - 1] + s[xs.length / 2]) / 2;
};
console.log(JSON.stringify({
  bench: 'pbkdf2_sha512_100k_512', node: process.version, openssl: process.versions.openssl,
  runs, median_ms: +median(ms).toFixed(2), min_ms: +Math.min(...ms).toFixed(2),
  median_cpu_ms: +median(cpuMs).toFixed(2), all_ms: ms.map((x) => +x.toFixed(2)),
}));
