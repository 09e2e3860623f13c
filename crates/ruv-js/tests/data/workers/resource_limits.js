// resourceLimits.maxOldGenerationSizeMb: a worker that outgrows it ends with
// ERR_WORKER_OUT_OF_MEMORY and exit code 1; the parent carries on. stackSizeMb is accepted.
'use strict';
const { Worker } = require('worker_threads');

const w = new Worker(`
  const keep = [];
  while (true) keep.push({ x: new Array(1000).fill(1) });
`, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16 } });
w.on('error', (e) => console.log('error:', e instanceof Error, e.name, e.code, e.message));
w.on('exit', (code) => {
  console.log('exit', code);
  const big = [];
  for (let i = 0; i < 1000; i++) big.push({ i });
  console.log('parent still fine:', big.length);
  const s = new Worker(`
    const { parentPort, resourceLimits } = require('worker_threads');
    function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1); }
    parentPort.postMessage({ depth: depth(1000), stack: resourceLimits.stackSizeMb });
  `, { eval: true, resourceLimits: { stackSizeMb: 8 } });
  s.on('message', (m) => console.log('with an 8 MiB stack:', m));
  s.on('exit', (code) => console.log('exit', code));
});
