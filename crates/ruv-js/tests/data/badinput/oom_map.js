// a Map growing without bound, from a timer callback
const m = new Map();
setTimeout(() => { let i = 0; for (;;) m.set(i++, [i]); }, 1);
