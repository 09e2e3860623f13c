// a file copied through createReadStream (highWaterMark 1000) and createWriteStream:
// the events in Node's order, the chunks as Node reads them, bytesRead/bytesWritten, ranges
const fs = require('fs'), os = require('os'), path = require('path');
const dir = path.join(os.tmpdir(), `ruvjs-streams-copy-${process.pid}-${Math.random().toString(36).slice(2)}`);
fs.mkdirSync(dir);
const src = path.join(dir, 'src.bin'), dst = path.join(dir, 'dst.bin');
const data = Buffer.alloc(10500);
for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
fs.writeFileSync(src, data);

const rs = fs.createReadStream(src, { highWaterMark: 1000 });
const ws = fs.createWriteStream(dst);
console.log('made', rs.path === src, ws.path === dst, rs.pending, ws.pending, rs.fd, rs.bytesRead, ws.bytesWritten, rs.readableHighWaterMark, ws.writableHighWaterMark);
const sizes = [], rev = [], wev = [];
// each stream's events in order (the two opens race on the pool, in Node too)
rs.on('open', (fd) => rev.push('open:' + typeof fd + ':' + rs.pending));
rs.on('ready', () => rev.push('ready'));
ws.on('open', (fd) => wev.push('open:' + typeof fd + ':' + ws.pending));
ws.on('ready', () => wev.push('ready'));
rs.on('data', (c) => { if (!rev.includes('data')) rev.push('data'); sizes.push(c.length); ws.write(c); });
rs.on('end', () => { rev.push('end:' + rs.bytesRead); console.log('chunks', sizes.length, sizes.join(',')); ws.end(); });
let open = 2;
const closed = () => {
  if (--open) return;
  console.log('rs', rev.join(' '));
  console.log('ws', wev.join(' '));
  console.log('same', fs.readFileSync(dst).equals(data));
  ranges();
};
rs.on('close', () => { rev.push('close:' + rs.destroyed + ':' + rs.fd); closed(); });
ws.on('finish', () => wev.push('finish:' + ws.bytesWritten));
ws.on('close', () => { wev.push('close:' + ws.destroyed + ':' + ws.fd); closed(); });

// start/end (inclusive) and an encoding
function ranges() {
  const got = [];
  const r = fs.createReadStream(src, { start: 10, end: 2509, highWaterMark: 1024, encoding: 'hex' });
  r.on('data', (s) => got.push(typeof s + ':' + s.length));
  r.on('end', () => {
    console.log('range', got.join(' '), r.bytesRead);
    const one = fs.createReadStream(src, { start: 5, end: 5 });
    one.on('data', (c) => console.log('one byte', c[0] === data[5], c.length));
    one.on('close', () => { fs.rmSync(dir, { recursive: true }); console.log('removed', fs.existsSync(dir)); });
  });
}
