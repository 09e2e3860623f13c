// Times Node's one-shot zlib on the corpus benches/zlib.rs uses (same generator, checked by
// the same FNV-1a value): zlib.deflateSync, inflateSync of its output, gzipSync, gunzipSync,
// at the default options, on the main thread. Throughput in MB/s (10^6 bytes) of
// uncompressed data, both ways; median wall time and median process CPU time per call (CPU far
// below wall means the machine was busy). Prints one JSON line.
// Run: node crates/ruv-zlib/benches/node_zlib.js [runs=10]
'use strict';
const zlib = require('zlib');

const CORPUS_BYTES = 8 << 20;
const CORPUS_FNV1A = 0xedaad682;
const WORDS = [
  'the', 'of', 'and', 'to', 'in', 'is', 'that', 'for', 'it', 'as', 'was', 'with', 'be', 'by',
  'on', 'not', 'he', 'this', 'are', 'or', 'his', 'from', 'at', 'which', 'but', 'have', 'an',
  'had', 'they', 'you', 'were', 'their', 'one', 'all', 'we', 'can', 'her', 'has', 'there',
  'been', 'if', 'more', 'when', 'will', 'would', 'who', 'so', 'no', 'loop', 'worker', 'pool',
  'stream', 'buffer', 'callback', 'event', 'timer', 'handle', 'request', 'compress',
  'window', 'deflate', 'inflate', 'header', 'checksum',
];

// Words picked by xorshift32 (seed 0x9e3779b9), as in zlib.rs.
function corpus() {
  let x = 0x9e3779b9;
  const parts = [];
  let len = 0;
  while (len < CORPUS_BYTES) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    const w = WORDS[x % 64];
    const sep = (x >>> 8) % 16;
    const s = sep === 0 ? '.\n' : sep <= 2 ? ', ' : ' ';
    parts.push(w, s);
    len += w.length + s.length;
  }
  return Buffer.from(parts.join(''), 'latin1').subarray(0, CORPUS_BYTES);
}

function fnv1a(buf) {
  let h = 0x811c9dc5;
  for (let i = 0; i < buf.length; i++) h = Math.imul(h ^ buf[i], 0x01000193) >>> 0;
  return h;
}

const runs = Number(process.argv[2] || 10);
const data = corpus();
const hash = fnv1a(data);
if (hash !== CORPUS_FNV1A) throw new Error(`corpus generator changed: 0x${hash.toString(16)}`);
const z = zlib.deflateSync(data);
const gz = zlib.gzipSync(data);
if (!zlib.inflateSync(z).equals(data)) throw new Error('round trip');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return xs.length % 2 ? s[(xs.length - 1) / 2] : (s[xs.length / 2 - 1] + s[xs.length / 2]) / 2;
};
function time(fn) {
  fn(); // warm-up
  const ms = [];
  const cpuMs = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1e3);
  }
  const med = median(ms);
  return { median_ms: +med.toFixed(2), mb_per_s: +(data.length / 1e6 / (med / 1e3)).toFixed(1),
    median_cpu_ms: +median(cpuMs).toFixed(2), all_ms: ms.map((x) => +x.toFixed(2)) };
}

console.log(JSON.stringify({
  bench: 'zlib_8mib', node: process.version, zlib: process.versions.zlib, runs,
  corpus_bytes: data.length, corpus_fnv1a: `0x${hash.toString(16)}`,
  deflate_bytes: z.length, gzip_bytes: gz.length,
  deflate_8mib: time(() => zlib.deflateSync(data)),
  inflate_8mib: time(() => zlib.inflateSync(z)),
  gzip_8mib: time(() => zlib.gzipSync(data)),
  gunzip_8mib: time(() => zlib.gunzipSync(gz)),
}));
