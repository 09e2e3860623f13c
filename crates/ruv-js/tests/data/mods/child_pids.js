// spawn, exec, execFile and fork return with the child's pid (Node starts the child at once);
// a program that is not there has none and reports ENOENT as 'error' / the callback's error.
'use strict';
if (process.argv[2] === 'child') return;
const { spawn, exec, execFile, fork } = require('child_process');
const seen = {};
let left = 5;
const done = (key, text) => {
  seen[key] = text;
  if (--left === 0) for (const k of Object.keys(seen).sort()) console.log(k, seen[k]);
};
const a = spawn('/bin/true');
console.log('spawn pid', typeof a.pid, a.pid > 0);
a.on('exit', (code) => done('spawn', `exit ${code}`));
const b = exec('echo hi', (e, out) => done('exec', `${JSON.stringify(out)} ${e}`));
console.log('exec pid', typeof b.pid, b.pid > 0);
const c = execFile('/nonexistent/x', [], (e) => done('execFile', e.code));
console.log('execFile pid', c.pid);
const d = spawn('/nonexistent/y');
console.log('missing spawn pid', d.pid);
d.on('error', (e) => done('missing spawn', `${e.code} ${e.message}`));
const f = fork(__filename, ['child']);
console.log('fork pid', typeof f.pid, f.pid > 0);
f.on('exit', (code) => done('fork', `exit ${code}`));
