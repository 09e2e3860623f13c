// Node's side of crates/ruv-fs/benches/fs.rs, measured the same way:
//   fs_stat_100_in_flight: batches of 10 000 fs.stat calls of one file, always 100 in flight
//                          (each callback starts the next); ops/s per batch.
//   fs_read_file_1mib:     fs.readFile of a 1 MiB file, one at a time; time per call.
// The pool size must be fixed before the pool's first use, so it is the first argument
// (it sets UV_THREADPOOL_SIZE for this process). Prints one JSON line per benchmark.
// Run: node crates/ruv-fs/benches/node_fs.js [pool=4] [batches=15]
'use strict';
const pool = Number(process.argv[2] || 4);
process.env.UV_THREADPOOL_SIZE = String(pool);
const fs = require('fs');
const os = require('os');
const path = require('path');

const batches = Number(process.argv[3] || 15);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ruv-fs-node-bench-'));
const small = path.join(dir, 'stat-me');
fs.writeFileSync(small, 'x');
const big = path.join(dir, 'one-mib');
const bigData = Buffer.alloc(1 << 20);
for (let i = 0; i < bigData.length; i++) bigData[i] = i & 0xff;
fs.writeFileSync(big, bigData);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function statBatch(total, done) {
  let issued = 0;
  let finished = 0;
  const t0 = process.hrtime.bigint();
  const issue = () => {
    issued++;
    fs.stat(small, (err) => {
      if (err) throw err;
      finished++;
      if (issued < total) issue();
      else if (finished === total) done(Number(process.hrtime.bigint() - t0) / 1e9);
    });
  };
  for (let i = 0; i < Math.min(100, total); i++) issue();
}

function statBench(cb) {
  const rates = [];
  const next = () => {
    if (rates.length === batches) {
      console.log(JSON.stringify({
        bench: 'fs_stat_100_in_flight', node: process.version, pool, batches,
        per_batch: 10000, median_ops_per_s: Math.round(median(rates)),
        min_ops_per_s: Math.round(Math.min(...rates)), max_ops_per_s: Math.round(Math.max(...rates)),
      }));
      return cb();
    }
    statBatch(10000, (secs) => { rates.push(10000 / secs); next(); });
  };
  statBatch(1000, () => next()); // warm-up
}

function readFileBench(cb) {
  const runs = 100;
  const us = [];
  const next = () => {
    if (us.length === runs) {
      console.log(JSON.stringify({
        bench: 'fs_read_file_1mib', node: process.version, pool, runs,
        median_us: +median(us).toFixed(1), min_us: +Math.min(...us).toFixed(1),
      }));
      return cb();
    }
    const t0 = process.hrtime.bigint();
    fs.readFile(big, (err, data) => {
      if (err) throw err;
      if (data.length !== 1 << 20) throw new Error('short read');
      us.push(Number(process.hrtime.bigint() - t0) / 1e3);
      next();
    });
  };
  fs.readFile(big, () => next()); // warm-up
}

statBench(() => readFileBench(() => fs.rmSync(dir, { recursive: true })));
