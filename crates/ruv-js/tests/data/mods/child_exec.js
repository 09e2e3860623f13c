// child_process: exec / execFile (callback, errors with Node's fields), spawn options,
// spawnSync / execSync / execFileSync
const cp = require('child_process');
const util = require('util');
const steps = [];
const step = (fn) => steps.push(fn);
const go = () => { const f = steps.shift(); if (f) f(go); };
step((done) => cp.exec('echo out; echo err >&2', (e, out, err) => { console.log('exec ok', e, JSON.stringify(out), JSON.stringify(err)); done(); }));
step((done) => cp.exec('echo partial; echo bad >&2; exit 3', (e, out, err) => {
  console.log('exec fail', JSON.stringify(e.message), e.code, e.killed, e.signal, e.cmd, JSON.stringify(out), JSON.stringify(err), Object.keys(e));
  done();
}));
step((done) => cp.exec('pwd; echo $RUVJS_X', { cwd: '/', env: { RUVJS_X: 'from-env', PATH: process.env.PATH } }, (e, out) => { console.log('exec cwd env', e, JSON.stringify(out)); done(); }));
step((done) => cp.exec('echo buf', { encoding: 'buffer' }, (e, out) => { console.log('exec buffer', Buffer.isBuffer(out), out.toString()); done(); }));
step((done) => cp.execFile('sh', ['-c', 'echo $0 $1', 'a', 'b'], (e, out) => { console.log('execFile', e, JSON.stringify(out)); done(); }));
step((done) => cp.execFile('ruvjs-no-such-command', ['x'], (e, out, err) => {
  console.log('execFile enoent', e.message, e.errno, e.code, e.syscall, e.path, e.spawnargs, e.cmd, JSON.stringify(out), JSON.stringify(err));
  done();
}));
step((done) => cp.exec('sleep 5', { timeout: 50 }, (e) => { console.log('timeout', e.killed, e.signal, e.code, JSON.stringify(e.message)); done(); }));
step((done) => util.promisify(cp.exec)('echo promised').then((r) => { console.log('promisify exec', r); done(); }));
step((done) => {
  const c = cp.spawn('sh', ['-c', 'cat; echo "cwd=$(pwd)" >&2'], { cwd: '/tmp', stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  c.stdout.setEncoding('utf8');
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (err += d));
  c.on('close', (code, sig) => { console.log('spawn pipe', code, sig, JSON.stringify(out), JSON.stringify(err)); done(); });
  c.stdin.write('line one\n');
  c.stdin.end('line two\n');
});
step((done) => {
  const c = cp.spawn('sh', ['-c', 'exit 4'], { stdio: 'ignore' });
  console.log('spawn ignore', c.stdout, c.stderr);
  c.on('exit', (code) => console.log('exit', code));
  c.on('close', (code) => { console.log('close', code); done(); });
});
step((done) => {
  const c = cp.spawn('ruvjs-no-such-command');
  c.on('error', (e) => console.log('spawn error', e.message, e.code, e.errno, e.syscall, e.path));
  c.on('close', (code) => { console.log('spawn close', code); done(); });
});
step((done) => {
  const r = cp.spawnSync('sh', ['-c', 'echo sync; echo e >&2; exit 2']);
  console.log('spawnSync', r.status, r.signal, r.stdout.toString(), r.stderr.toString(), r.output.length, r.output[0]);
  const r2 = cp.spawnSync('cat', { input: 'fed in', encoding: 'utf8' });
  console.log('spawnSync input', JSON.stringify(r2.stdout));
  const r3 = cp.spawnSync('ruvjs-no-such-command');
  console.log('spawnSync enoent', r3.error.message, r3.error.code, r3.status, r3.pid);
  console.log('execSync', JSON.stringify(cp.execSync('echo hi').toString()), JSON.stringify(cp.execSync('echo x', { encoding: 'utf8' })));
  try { cp.execSync('echo oops >&2; exit 7', { stdio: 'pipe' }); } catch (e) { console.log('execSync fail', JSON.stringify(e.message), e.status, e.signal, e.stderr.toString()); }
  console.log('execFileSync', cp.execFileSync('echo', ['a', 'b'], { encoding: 'utf8' }));
  try { cp.execFileSync('ruvjs-no-such-command'); } catch (e) { console.log('execFileSync enoent', e.message, e.code); }
  try { cp.exec(1); } catch (e) { console.log(e.name, e.code, e.message); }
  try { cp.spawn('x', { cwd: 5 }); } catch (e) { console.log(e.name, e.code, e.message); }
  done();
});
go();
