// backpressure: write() says false at the high-water mark and 'drain' follows; a paused read
// stream stops reading (the Rust side pauses) and goes on when resumed; a slow consumer
// through pipe; a zlib stream's write() says false for a big chunk, then 'drain'
const fs = require('fs'), os = require('os'), path = require('path'), zlib = require('zlib');
const { Writable } = require('stream');
const dir = path.join(os.tmpdir(), `ruvjs-streams-bp-${process.pid}-${Math.random().toString(36).slice(2)}`);
fs.mkdirSync(dir);
const big = path.join(dir, 'big.bin'), other = path.join(dir, 'other.bin');
const data = Buffer.alloc(1 << 20);
for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 10)) & 0xff;
fs.writeFileSync(big, data);
fs.writeFileSync(other, Buffer.alloc(256 * 1024, 1));

const steps = [
  (next) => {
    const ws = fs.createWriteStream(path.join(dir, 'out.txt'), { highWaterMark: 4096 });
    const log = [];
    log.push('first ' + ws.write(Buffer.alloc(5000)) + ' ' + ws.writableLength + ' ' + ws.writableNeedDrain);
    ws.once('drain', () => {
      log.push('drain ' + ws.bytesWritten + ' ' + ws.writableLength);
      let n = 0;
      while (ws.write('x'.repeat(100))) n++;
      log.push('trues ' + n + ' then false at ' + ws.writableLength);
      ws.once('drain', () => { log.push('drain again ' + ws.bytesWritten); ws.end('!', () => log.push('end cb')); });
    });
    ws.on('finish', () => log.push('finish ' + ws.bytesWritten));
    ws.on('close', () => { console.log(log.join('\n')); console.log('size', fs.statSync(path.join(dir, 'out.txt')).size); next(); });
  },
  (next) => {
    // paused after the first chunk: reading stops while another stream reads 256 KiB
    const rs = fs.createReadStream(big, { highWaterMark: 1024 });
    const got = [];
    rs.once('data', (c) => {
      got.push(c);
      rs.pause();
      console.log('paused', rs.isPaused(), rs.readableFlowing);
      let otherBytes = 0;
      const o = fs.createReadStream(other);
      o.on('data', (c2) => { otherBytes += c2.length; });
      o.on('end', () => {
        console.log('while paused: other read', otherBytes, 'bounded', rs.bytesRead <= 4 * 1024, 'buffered', rs.readableLength <= 2 * 1024);
        rs.on('data', (c3) => got.push(c3));
        rs.resume();
      });
    });
    rs.on('end', () => { console.log('resumed to the end', rs.bytesRead, Buffer.concat(got).equals(data)); next(); });
  },
  (next) => {
    // a consumer that takes one chunk per turn of the loop, through pipe
    const chunks = [];
    let falses = 0;
    const slow = new Writable({
      highWaterMark: 2048,
      write(chunk, enc, cb) { chunks.push(chunk); setImmediate(cb); },
    });
    const rs = fs.createReadStream(big, { highWaterMark: 8192 });
    let pauses = 0;
    rs.on('pause', () => pauses++);
    const w = slow.write.bind(slow);
    slow.write = (c, e, cb) => { const ok = w(c, e, cb); if (!ok) falses++; return ok; };
    slow.on('finish', () => {
      console.log('slow consumer', Buffer.concat(chunks).equals(data), 'write said false', falses > 0, 'source paused', pauses > 0);
      next();
    });
    rs.pipe(slow);
  },
  (next) => {
    const gz = zlib.createGzip();
    const parts = [];
    gz.on('data', (c) => parts.push(c));
    const ok1 = gz.write(data.subarray(0, 100));
    const ok2 = gz.write(data.subarray(0, 64 * 1024));
    console.log('gzip write', ok1, ok2, gz.writableLength);
    gz.once('drain', () => {
      console.log('gzip drain', gz.writableLength, gz.bytesWritten);
      gz.end();
    });
    gz.on('end', () => {
      console.log('gzip round trip', zlib.gunzipSync(Buffer.concat(parts)).equals(Buffer.concat([data.subarray(0, 100), data.subarray(0, 64 * 1024)])));
      next();
    });
  },
  () => { fs.rmSync(dir, { recursive: true }); console.log('removed', fs.existsSync(dir)); },
];
const run = (i) => steps[i](() => run(i + 1));
run(0);
