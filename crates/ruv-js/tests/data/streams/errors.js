// stream errors as Node's: a missing file, a missing directory, bad flags and ranges,
// gunzip of garbage (stream, pipeline, one-shot), each followed by 'close'
const fs = require('fs'), os = require('os'), path = require('path'), zlib = require('zlib');
const { pipeline } = require('stream');
const dir = path.join(os.tmpdir(), `ruvjs-streams-err-${process.pid}-${Math.random().toString(36).slice(2)}`);
fs.mkdirSync(dir);
const fields = (e) => `${e.name} | ${e.message} | ${e.code} | ${e.errno} | ${e.syscall} | ${e.path} | ${Object.keys(e).join(',')}`;
const steps = [
  (next) => {
    const rs = fs.createReadStream('/nope');
    const ev = [];
    rs.on('open', () => ev.push('open'));
    rs.on('data', () => ev.push('data'));
    rs.on('end', () => ev.push('end'));
    rs.on('error', (e) => { ev.push('error'); console.log('read missing:', fields(e)); });
    rs.on('close', () => { console.log('read missing events:', ev.join(' '), rs.destroyed); next(); });
  },
  (next) => {
    const ws = fs.createWriteStream(path.join(dir, 'no', 'such.txt'));
    ws.on('error', (e) => console.log('write missing dir:', e.message.replace(dir, 'DIR'), e.code, e.errno, e.syscall));
    ws.on('close', () => { console.log('write missing dir closed'); next(); });
    ws.write('lost');
  },
  (next) => {
    const ws = fs.createWriteStream(path.join(dir, 'x'), { flags: 'zz' });
    ws.on('error', (e) => console.log('bad flags:', e.name, e.code, e.message));
    ws.on('close', () => { console.log('bad flags closed'); next(); });
  },
  (next) => {
    for (const o of [{ start: 5, end: 2 }, { start: 'a' }, { start: -1 }, { end: 1.5 }]) {
      try { fs.createReadStream(__filename, o); console.log('no throw'); } catch (e) { console.log('range:', e.name, e.code, e.message); }
    }
    next();
  },
  (next) => {
    const z = zlib.createGunzip();
    const ev = [];
    z.on('data', () => ev.push('data'));
    z.on('end', () => ev.push('end'));
    z.on('finish', () => ev.push('finish'));
    z.on('error', (e) => { ev.push('error'); console.log('gunzip garbage:', fields(e)); });
    z.on('close', () => { console.log('gunzip garbage events:', ev.join(' ')); next(); });
    z.end(Buffer.from('this is not gzip data at all'));
  },
  (next) => {
    const bad = path.join(dir, 'bad.gz');
    fs.writeFileSync(bad, 'not compressed, really not');
    const out = fs.createWriteStream(path.join(dir, 'out'));
    pipeline(fs.createReadStream(bad), zlib.createGunzip(), out, (err) => {
      console.log('pipeline:', fields(err), out.destroyed);
      next();
    });
  },
  (next) => {
    const truncated = zlib.gzipSync(Buffer.from('hello hello hello')).subarray(0, 12);
    const z = zlib.createGunzip();
    z.on('error', (e) => console.log('truncated:', fields(e)));
    z.on('close', next);
    z.resume();
    z.end(truncated);
  },
  (next) => {
    for (const f of ['gunzipSync', 'inflateSync', 'unzipSync']) {
      try { zlib[f](Buffer.from('hello world')); } catch (e) { console.log(f + ':', fields(e)); }
    }
    zlib.inflate(Buffer.from('hello world'), (e) => { console.log('inflate cb:', fields(e)); next(); });
  },
  () => { fs.rmSync(dir, { recursive: true }); console.log('removed', fs.existsSync(dir)); },
];
const run = (i) => steps[i](() => run(i + 1));
run(0);
