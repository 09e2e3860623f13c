// What benches/dns.rs measures, in Node.js: dns.lookup('localhost') with 100 lookups in
// flight (each completion starts the next) until 20 000 are done; ops/s per run.
// Prints one JSON line: median and best ops/s, median process CPU time per run, all runs.
// Run: node crates/ruv-dns/benches/node_dns.js [runs=10] [host=localhost]
'use strict';
const dns = require('dns');

const runs = Number(process.argv[2] || 10);
const host = process.argv[3] || 'localhost';
const TOTAL = 20000;
const IN_FLIGHT = 100;

function batch() {
  return new Promise((resolve, reject) => {
    let started = 0;
    let done = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const next = () => {
      started++;
      dns.lookup(host, (err) => {
        if (err) return reject(err);
        done++;
        if (started < TOTAL) next();
        else if (done === TOTAL) {
          const s = Number(process.hrtime.bigint() - t0) / 1e9;
          const c = process.cpuUsage(c0);
          resolve({ opsPerSec: TOTAL / s, cpuMs: (c.user + c.system) / 1e3 });
        }
      });
    };
    for (let i = 0; i < IN_FLIGHT; i++) next();
  });
}

(async () => {
  await batch(); // warm-up
  const ops = [];
  const cpu = [];
  for (let i = 0; i < runs; i++) {
    const r = await batch();
    ops.push(r.opsPerSec);
    cpu.push(r.cpuMs);
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return xs.length % 2 ? s[(xs.length - 1) / 2] : (s[xs.length / 2 - 1] + s[xs.length / 2]) / 2;
  };
  console.log(JSON.stringify({
    bench: 'dns_lookup_100_in_flight', host, node: process.version,
    uv_threadpool_size: process.env.UV_THREADPOOL_SIZE || '4 (default)',
    total: TOTAL, in_flight: IN_FLIGHT, runs,
    median_ops_per_s: Math.round(median(ops)), best_ops_per_s: Math.round(Math.max(...ops)),
    median_cpu_ms: +median(cpu).toFixed(1), all_ops_per_s: ops.map(Math.round),
  }));
})();
