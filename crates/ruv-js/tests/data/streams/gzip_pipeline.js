// pipeline(createReadStream, createGzip, createWriteStream) on a 1 MiB file and back through
// createGunzip: byte-identical; the gzip file is a gzip one-shot calls read; other formats
const fs = require('fs'), os = require('os'), path = require('path'), zlib = require('zlib');
const { pipeline, Transform } = require('stream');
const dir = path.join(os.tmpdir(), `ruvjs-streams-gzip-${process.pid}-${Math.random().toString(36).slice(2)}`);
fs.mkdirSync(dir);
const a = path.join(dir, 'a.bin'), gz = path.join(dir, 'a.bin.gz'), back = path.join(dir, 'back.bin');
// 1 MiB, half compressible text and half pseudo-random bytes
const data = Buffer.alloc(1 << 20);
let x = 12345;
for (let i = 0; i < data.length; i++) {
  if (i < data.length / 2) data[i] = 'the quick brown fox jumps over the lazy dog\n'.charCodeAt(i % 44);
  else { x = (x * 1103515245 + 12345) & 0x7fffffff; data[i] = x >> 16; }
}
fs.writeFileSync(a, data);

const gzip = zlib.createGzip();
console.log('classes', gzip instanceof Transform, gzip instanceof zlib.Gzip, zlib.createGunzip() instanceof zlib.Gunzip);
pipeline(fs.createReadStream(a), gzip, fs.createWriteStream(gz), (err) => {
  console.log('gzip done', err === undefined ? 'undefined' : err, gzip.bytesWritten);
  const packed = fs.readFileSync(gz);
  console.log('gzip header', packed[0].toString(16), packed[1].toString(16), packed.length < data.length);
  console.log('gunzipSync reads it', zlib.gunzipSync(packed).equals(data));
  pipeline(fs.createReadStream(gz, { highWaterMark: 4096 }), zlib.createGunzip(), fs.createWriteStream(back), (err2) => {
    console.log('gunzip done', err2 === undefined ? 'undefined' : err2);
    console.log('identical', fs.readFileSync(back).equals(data));
    formats();
  });
});

// each format round trip through two streams, events of the compressor in order
function formats() {
  const pairs = [['createDeflate', 'createInflate'], ['createDeflateRaw', 'createInflateRaw'], ['createGzip', 'createUnzip'], ['createDeflate', 'createUnzip']];
  const next = (i) => {
    if (i === pairs.length) return levels();
    const [c, d] = pairs[i];
    const comp = zlib[c]({ level: 9 }), dec = zlib[d]();
    const events = [], out = [];
    for (const ev of ['finish', 'end', 'close']) comp.on(ev, () => events.push(ev));
    dec.on('data', (b) => out.push(b));
    dec.on('end', () => {
      console.log(c, d, Buffer.concat(out).equals(data.subarray(0, 100000)), events.join(' '));
      next(i + 1);
    });
    comp.pipe(dec);
    for (let off = 0; off < 100000; off += 7777) comp.write(data.subarray(off, Math.min(off + 7777, 100000)));
    comp.end();
  };
  next(0);
}

// options: level 0 stores, bad options throw as Node's
function levels() {
  const stored = [];
  const z = zlib.createDeflateRaw({ level: 0 });
  z.on('data', (b) => stored.push(b));
  z.on('end', () => {
    console.log('level 0 larger', Buffer.concat(stored).length > 20000);
    for (const o of [{ level: 10 }, { windowBits: 16 }, { memLevel: 0 }, { strategy: 5 }, { chunkSize: 10 }, { level: 'x' }]) {
      try { zlib.createGzip(o); console.log('no throw', o); } catch (e) { console.log(e.name, e.code, e.message); }
    }
    fs.rmSync(dir, { recursive: true });
    console.log('removed', fs.existsSync(dir));
  });
  z.end(data.subarray(0, 20000));
}
