// stream events in Node's order: Readable push/data/end/close, Writable finish/close,
// callbacks, highWaterMark and drain, errors then close, pause/resume, setEncoding,
// pipe with backpressure, async iteration, Readable.from, Transform, PassThrough, finished.
'use strict';
const { Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished } = require('stream');
const log = (...a) => console.log(...a);
const steps = [];
const step = (fn) => steps.push(fn);
function next() { const f = steps.shift(); if (f) f(next); }

step((done) => {
  const r = new Readable({ read() {} });
  r.on('data', (d) => log('1 data', d.toString()));
  r.on('end', () => log('1 end'));
  r.on('close', () => { log('1 close'); done(); });
  r.push('a'); r.push('b'); r.push(null);
  log('1 pushed');
});
step((done) => {
  const chunks = [];
  const w = new Writable({
    highWaterMark: 4,
    write(chunk, enc, cb) { chunks.push(chunk.toString()); setImmediate(cb); },
    final(cb) { log('2 final', chunks.join(',')); cb(); },
  });
  log('2 write a', w.write('ab'));
  log('2 write b', w.write('cdef', () => log('2 cb cdef')));
  log('2 length', w.writableLength, w.writableNeedDrain);
  w.on('drain', () => { log('2 drain'); w.end('z', () => log('2 end cb')); });
  w.on('finish', () => log('2 finish'));
  w.on('close', () => { log('2 close'); done(); });
});
step((done) => {
  const w = new Writable({ write(c, e, cb) { cb(new Error('boom')); } });
  w.on('error', (e) => log('3 error', e.message));
  w.on('close', () => { log('3 close', w.destroyed); done(); });
  w.write('x', (e) => log('3 write cb', e && e.message));
});
step((done) => {
  const r = new Readable({ read() {} });
  r.on('error', (e) => log('4 error', e.message));
  r.on('close', () => { log('4 close'); done(); });
  r.destroy(new Error('gone'));
});
step((done) => {
  let i = 0;
  const r = new Readable({ read() { i++; this.push(i <= 3 ? 'x' + i : null); } });
  r.setEncoding('utf8');
  r.on('data', (d) => { log('5 data', typeof d, d); if (d === 'x1') { r.pause(); log('5 paused', r.isPaused()); setTimeout(() => r.resume(), 5); } });
  r.on('end', () => { log('5 end'); done(); });
});
step((done) => {
  let n = 0;
  const src = new Readable({ read() { n++; this.push(n <= 5 ? Buffer.alloc(10, 97 + n) : null); } });
  let got = 0, falses = 0;
  const dst = new Writable({ highWaterMark: 15, write(c, e, cb) { got += c.length; setTimeout(cb, 1); } });
  const w = dst.write.bind(dst);
  dst.write = (c) => { const ok = w(c); if (!ok) falses++; return ok; };
  src.pipe(dst);
  dst.on('finish', () => { log('6 finish', got, falses > 0); done(); });
});
step(async (done) => {
  const r = Readable.from(['a', 'b', 'c']);
  const out = [];
  for await (const c of r) out.push(c);
  log('7 for await', out.join(''), r.destroyed);
  const r2 = new Readable({ read() {} });
  setTimeout(() => { r2.push('p'); r2.push('q'); r2.push(null); }, 1);
  let s = '';
  for await (const c of r2) s += c;
  log('7 buffers', s);
  done();
});
step((done) => {
  const up = new Transform({
    transform(chunk, enc, cb) { cb(null, chunk.toString().toUpperCase()); },
    flush(cb) { this.push('!'); cb(); },
  });
  const out = [];
  const sink = new Writable({ write(c, e, cb) { out.push(c.toString()); cb(); } });
  pipeline(Readable.from(['ab', 'cd']), up, new PassThrough(), sink, (err) => {
    log('8 pipeline', err, out.join('|'));
    done();
  });
  sink.on('finish', () => log('8 sink finish'));
  sink.on('close', () => log('8 sink close'));
});
step((done) => {
  const bad = new Transform({ transform(c, e, cb) { cb(new Error('bad chunk')); } });
  const sink = new Writable({ write(c, e, cb) { cb(); } });
  pipeline(Readable.from(['x']), bad, sink, (err) => { log('9 pipeline error', err.message, sink.destroyed); done(); });
});
step((done) => {
  const d = new Duplex({
    read() {}, write(c, e, cb) { this.push(c.toString() + '!'); cb(); }, final(cb) { this.push(null); cb(); },
  });
  d.on('data', (c) => log('10 data', c.toString()));
  d.on('end', () => log('10 end'));
  d.on('finish', () => log('10 finish'));
  d.on('close', () => { log('10 close'); done(); });
  d.write('hi'); d.end();
});
step((done) => {
  const r = new Readable({ read() {} });
  finished(r, (err) => { log('11 finished', err ? err.code : err); done(); });
  r.resume();
  r.push('a'); r.push(null);
});
step((done) => {
  const w = new Writable({ write(c, e, cb) { cb(); } });
  w.end();
  w.write('late', (e) => log('12 cb', e.code));
  w.on('error', (e) => { log('12 error', e.message); });
  w.on('close', () => { log('12 close'); done(); });
});
step((done) => {
  const { pipeline: p } = require('stream/promises');
  const out = [];
  p(Readable.from(['1', '2']), new Writable({ objectMode: true, write(c, e, cb) { out.push(c); cb(); } })).then(() => { log('13 promises', out); done(); });
});
step((done) => {
  const r = new Readable({ read() {} });
  r.on('readable', () => { let c; while ((c = r.read()) !== null) log('14 read', c.toString()); });
  r.on('end', () => { log('14 end'); done(); });
  r.push('ab'); r.push('cd');
  setTimeout(() => r.push(null), 1);
});
next();
