// fs's callback API and fs.promises: results and Node's errors (fields and message)
const fs = require('fs');
const path = require('path');
const os = require('os');
const base = path.join(os.tmpdir(), `ruvjs-fs-${process.pid}`);
// the scratch directory is shown as <base>, so the output is the same on every run
const hide = (s) => (typeof s === 'string' ? s.split(base).join('<base>') : s);
const show = (label, e) => console.log(label, hide(e.message), e.errno, e.code, e.syscall, hide(e.path), e.dest);
fs.rmSync(base, { recursive: true, force: true });
fs.mkdir(path.join(base, 'a/b'), { recursive: true }, (err, first) => {
  console.log('mkdir', err, first === base);
  const f = path.join(base, 'a/b/f.txt');
  fs.writeFile(f, 'hello', (err) => {
    console.log('writeFile', err);
    fs.appendFile(f, ' world', (err) => {
      fs.stat(f, (err, st) => {
        console.log('stat', err, st.size, st.isFile(), st.isDirectory(), typeof st.mtimeMs, st.mtime instanceof Date);
        fs.open(f, 'r+', (err, fd) => {
          console.log('open', err, typeof fd);
          const buf = Buffer.alloc(5);
          fs.read(fd, buf, 0, 5, 6, (err, n, b) => {
            console.log('read', err, n, b.toString(), b === buf);
            fs.write(fd, Buffer.from('HELLO'), 0, 5, 0, (err, written) => {
              console.log('write', err, written);
              fs.close(fd, (err) => {
                console.log('close', err, fs.readFileSync(f, 'utf8'));
                next(f);
              });
            });
          });
        });
      });
    });
  });
});
function next(f) {
  fs.readdir(path.join(base, 'a/b'), (err, names) => {
    console.log('readdir', err, names);
    fs.readdir(path.join(base, 'a'), { withFileTypes: true }, (err, ents) => {
      console.log('dirents', ents.map((d) => [d.name, d.isDirectory(), d.isFile()]));
      fs.copyFile(f, f + '.copy', (err) => {
        console.log('copyFile', err, fs.readFileSync(f + '.copy', 'utf8'));
        fs.rename(f + '.copy', f + '.moved', (err) => {
          console.log('rename', err, fs.existsSync(f + '.moved'));
          fs.access(f + '.copy', (err) => {
            show('access', err);
            fs.exists(f, (yes) => {
              console.log('exists', yes);
              fs.lstat(path.join(base, 'nope'), (err) => {
                show('lstat', err);
                fs.open('/nope', 'r', (err) => {
                  show('open', err);
                  fs.rename('/nope-a', '/nope-b', (err) => {
                    show('rename', err);
                    fs.rmdir(path.join(base, 'a'), (err) => {
                      show('rmdir', err);
                      fs.unlink(f + '.moved', (err) => {
                        console.log('unlink', err);
                        promises();
                      });
                    });
                  });
                });
              });
            });
          });
        });
      });
    });
  });
}
async function promises() {
  const p = fs.promises;
  const f = path.join(base, 'p.txt');
  await p.writeFile(f, 'promised');
  console.log('p.readFile', await p.readFile(f, 'utf8'));
  console.log('p.stat', (await p.stat(f)).size);
  await p.mkdir(path.join(base, 'c/d'), { recursive: true });
  console.log('p.readdir', await p.readdir(base));
  await p.access(f);
  await p.unlink(f);
  try { await p.readFile(f); } catch (e) { show('p.readFile', e); }
  try { await p.stat(f); } catch (e) { show('p.stat', e); }
  await p.rm(base, { recursive: true });
  console.log('p.rm', fs.existsSync(base));
  try { fs.readFile(1); } catch (e) { console.log(e.name, e.code, e.message); }
  try { fs.stat(1, () => {}); } catch (e) { console.log(e.name, e.code, e.message); }
  try { fs.readFileSync({}); } catch (e) { console.log(e.name, e.code, e.message); }
  try { fs.readFileSync('/nope'); } catch (e) { show('readFileSync', e); }
}
