// common.js — shared helpers for ruv's Node reference scripts (see docs/performance-method.md).
//
// Every measurement prints one JSON line in the same shape uvbench (bench-ref/libuv) prints:
//   {"name":"immediate_chain","ns_per_op":752.1,"ops":1000000,"wall_ms":752.1,"cpu_ms":760.3}
// ns_per_op = wall time / ops. cpu_ms = user+system CPU of the whole process (all threads,
// the libuv pool included) over the same interval.
'use strict';

// Runs `body` (which returns a promise) and prints its figures. `ops` is how many operations
// the body performs; `body` may resolve to an object of extra fields to print.
async function measure(name, ops, body) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const extra = (await body()) || {};
  const wallNs = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  report(name, wallNs, (cpu.user + cpu.system) / 1000, ops, extra);
}

function report(name, wallNs, cpuMs, ops, extra = {}) {
  console.log(JSON.stringify({
    name,
    ns_per_op: +(wallNs / ops).toFixed(2),
    ops,
    wall_ms: +(wallNs / 1e6).toFixed(1),
    cpu_ms: +cpuMs.toFixed(1),
    ...extra,
  }));
}

// Runs `total` callback-style operations with at most `inFlight` outstanding; op(done) must
// call done(err). Resolves when all have completed.
function pooled(total, inFlight, op) {
  return new Promise((resolve, reject) => {
    let started = 0;
    let finished = 0;
    const launch = () => {
      started++;
      op((err) => {
        if (err) return reject(err);
        if (++finished === total) return resolve();
        if (started < total) launch();
      });
    };
    for (let i = 0; i < Math.min(inFlight, total); i++) launch();
  });
}

// Operation count: env N overrides the default (for quick tries).
function count(def) {
  const n = Number(process.env.N || def);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`bad N: ${process.env.N}`);
  return n;
}

module.exports = { measure, report, pooled, count };
