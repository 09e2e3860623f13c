// setImmediate chain: N immediates, each queued by the last; prints the wall time.
'use strict';
const n = Number(process.argv[2] || 100000);
const t0 = Date.now();
let i = 0;
(function step() { if (++i < n) setImmediate(step); else console.log(`immediates ${n}: ${Date.now() - t0} ms`); })();
