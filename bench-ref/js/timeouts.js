// N setTimeout(0) at once; prints the wall time until the last fired.
'use strict';
const n = Number(process.argv[2] || 1000000);
const t0 = Date.now();
let left = n;
for (let i = 0; i < n; i++) setTimeout(() => { if (--left === 0) console.log(`timeouts ${n}: ${Date.now() - t0} ms`); }, 0);
