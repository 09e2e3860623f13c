// Structured clone round trips: every value goes to a worker and back (two clones), and
// through structuredClone; what cannot be cloned throws DataCloneError with Node's message.
'use strict';
const { Worker } = require('worker_threads');

const shared = { tag: 'shared' };
const circular = { name: 'loop' };
circular.self = circular;
const ab = new ArrayBuffer(8);
new Uint8Array(ab).set([1, 2, 3, 4, 5, 6, 7, 8]);
const sparse = [];
sparse[100] = 'end';
const values = {
  undef: undefined, nul: null, t: true, f: false,
  nums: [0, -0, 1.5, -7, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 5e-324],
  bigints: [0n, -12345678901234567890n, 2n ** 70n],
  strings: ['', 'plain', 'ünïcödé ☃ 😀', 'line\nbreak', '"quoted"'],
  date: new Date(Date.UTC(2020, 1, 29, 12, 30, 15, 250)),
  badDate: new Date(NaN),
  regexps: [/ab+c/gi, /^\d{3}-\w+$/mu, new RegExp('a/b', 'y')],
  map: new Map([[1, 'one'], ['two', { n: 2 }], [null, [3]]]),
  set: new Set([1, 'a', null, 2n]),
  holes: [1, , 3, , ],
  arrayWithProp: Object.assign([1, 2], { extra: 'x' }),
  sparse,
  nested: { a: { b: { c: [1, { d: 'deep' }] } } },
  u8: new Uint8Array([1, 2, 255]),
  i16: new Int16Array([-1, 32767]),
  f32: new Float32Array([0.5, -2]),
  f64: new Float64Array([Math.PI]),
  u8c: new Uint8ClampedArray([0, 255]),
  big64: new BigInt64Array([-5n]),
  view: new Uint8Array(ab, 2, 3),
  buffer: Buffer.from('héllo'),
  boxed: [new Number(3), new String('s'), new Boolean(false)],
  keys: { 'with space': 1, __proto__: null },
  sharedRefs: [shared, shared],
  circular,
};
values.ab = ab;
values.dv = new DataView(ab, 1, 4);
values.errors = [new Error('plain'), new RangeError('range'), new TypeError('type'), Object.assign(new SyntaxError('syn'), { code: 'E_X' })];
class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; } }
values.custom = new MyError('mine');

function show(label, c) {
  const { ab: cab, dv, errors, custom, circular: circ, sharedRefs, view, sparse: sp, badDate, keys, nums, boxed, ...rest } = c;
  console.log(`--- ${label}`);
  console.log(rest);
  console.log('nums:', nums.map((x) => (Object.is(x, -0) ? '-0' : String(x))).join(' '));
  console.log('boxed:', boxed.map((b) => `${typeof b} ${b.constructor.name} ${b.valueOf()}`).join(', '));
  console.log('-0 kept:', Object.is(c.nums[1], -0), 'NaN kept:', Number.isNaN(c.nums[4]));
  console.log('holes:', 1 in c.holes, 3 in c.holes, c.holes.length);
  console.log('sparse:', sp.length, Object.keys(sp));
  console.log('invalid date:', badDate instanceof Date, Number.isNaN(badDate.getTime()));
  console.log('keys:', Object.keys(keys), Object.getPrototypeOf(keys) === Object.prototype);
  console.log('ArrayBuffer:', cab instanceof ArrayBuffer, cab.byteLength, new Uint8Array(cab).join(','));
  console.log('DataView:', dv instanceof DataView, dv.byteOffset, dv.byteLength, dv.getUint8(0), dv.buffer === cab);
  console.log('view:', view.byteOffset, view.length, Array.from(view), view.buffer === cab);
  console.log('buffer is a Uint8Array, not a Buffer:', c.buffer instanceof Uint8Array, Buffer.isBuffer(c.buffer));
  for (const e of errors) console.log('error:', e instanceof Error, e.constructor.name, e.name, e.message, e.code, typeof e.stack);
  console.log('custom error:', custom.constructor.name, custom.name, custom.message);
  console.log('circular:', circ.self === circ, circ.name);
  console.log('shared:', sharedRefs[0] === sharedRefs[1], sharedRefs[0].tag);
}

show('structuredClone', structuredClone(values));

for (const bad of [function () {}, () => 1, Symbol('sym'), { method() {} }, new WeakMap(), Promise.resolve()]) {
  try {
    structuredClone(bad);
    console.log('cloned?');
  } catch (e) {
    console.log(e.name, e.code, e instanceof Error, e.message);
  }
}

const w = new Worker(`
  const { parentPort } = require('worker_threads');
  parentPort.on('message', (v) => {
    parentPort.postMessage(v);
    try { parentPort.postMessage({ fn() {} }); } catch (e) { parentPort.postMessage(e.name + ': ' + e.message); }
    parentPort.close();
  });
`, { eval: true });
let n = 0;
w.on('message', (m) => {
  if (n++ === 0) show('through a worker', m);
  else console.log('in the worker:', m);
});
w.on('exit', (code) => console.log('exit', code));
w.postMessage(values);
