// util: promisify (custom symbol, fs/dns/crypto callbacks), types, inspect options,
// deprecate, inherits, isDeepStrictEqual; crypto: hashes, scrypt, randomUUID
const util = require('util');
const crypto = require('crypto');
const fs = require('fs');
const dns = require('dns');
const EventEmitter = require('events');

async function main() {
  function custom(cb) { cb(null, 'never'); }
  custom[util.promisify.custom] = () => Promise.resolve('custom!');
  console.log('custom', await util.promisify(custom)(), util.promisify(custom) === custom[util.promisify.custom], typeof util.promisify.custom);
  console.log('fs.readFile', (await util.promisify(fs.readFile)(__filename, 'utf8')).split('\n')[0]);
  console.log('fs.exists', await util.promisify(fs.exists)(__filename), await util.promisify(fs.exists)('/nope'));
  console.log('dns.lookup', await util.promisify(dns.lookup)('127.0.0.1'));
  console.log('pbkdf2', (await util.promisify(crypto.pbkdf2)('pw', 'salt', 1, 8, 'sha256')).toString('hex'));
  console.log('scrypt', (await util.promisify(crypto.scrypt)('pw', 'salt', 16, { N: 1024 })).toString('hex'));
  try { await util.promisify(fs.stat)('/nope'); } catch (e) { console.log('rejects', e.code); }
  console.log('setTimeout', await util.promisify(setTimeout)(1, 'v'));
  const cbf = util.callbackify(async (x) => x * 2);
  await new Promise((res) => cbf(21, (e, v) => { console.log('callbackify', e, v); res(); }));

  const t = util.types;
  console.log('types', t.isPromise(Promise.resolve()), t.isDate(new Date()), t.isRegExp(/x/), t.isMap(new Map()), t.isSet(new Set()),
    t.isTypedArray(new Uint8Array(1)), t.isUint8Array(Buffer.alloc(1)), t.isArrayBuffer(new ArrayBuffer(1)), t.isAsyncFunction(async () => {}),
    t.isGeneratorFunction(function* () {}), t.isNativeError(new TypeError()), t.isBoxedPrimitive(Object(1)), t.isDate({}), t.isPromise({ then() {} }));
  console.log('require types', require('util/types') === util.types);
  console.log(util.inspect({ a: { b: { c: { d: 1 } } } }));
  console.log(util.inspect({ a: { b: { c: { d: 1 } } } }, { depth: 0 }));
  console.log(util.inspect({ a: { b: { c: { d: 1 } } } }, { depth: 5 }).replace(/\s+/g, ' '));
  console.log(util.inspect({ a: { b: { c: { d: 1 } } } }, false, 1));
  console.log(util.inspect('str', { depth: 0 }), util.inspect([1, [2, [3, [4]]]], { depth: 1 }));

  function Animal(name) { this.name = name; }
  Animal.prototype.speak = function () { return `${this.name} speaks`; };
  function Dog(name) { Animal.call(this, name); }
  util.inherits(Dog, Animal);
  console.log('inherits', new Dog('rex').speak(), Dog.super_ === Animal, new Dog('x') instanceof Animal);
  function Emitter() { EventEmitter.call(this); }
  util.inherits(Emitter, EventEmitter);
  const em = new Emitter(); em.on('x', (v) => console.log('emitted', v)); em.emit('x', 1);
  try { util.inherits(Dog, {}); } catch (e) { console.log(e.name, e.code, e.message); }

  const old = util.deprecate((a, b) => a + b, 'old() is deprecated', 'DEP_RUV1');
  process.on('warning', (w) => console.log('warning event', w.name, w.code, w.message));
  console.log('deprecate', old(1, 2), old(3, 4));
  await new Promise((r) => setImmediate(r));

  const d = util.isDeepStrictEqual;
  console.log('deepStrictEqual', d({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), d({ a: 1 }, { a: '1' }), d([1, 2], [1, 2, 3]),
    d(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]])), d(new Set([1, 2]), new Set([2, 1])), d(new Set([1]), new Set([2])),
    d(NaN, NaN), d(0, -0), d(new Date(5), new Date(5)), d(Buffer.from('ab'), Buffer.from('ab')), d(Buffer.from('ab'), Buffer.from('ac')),
    d({}, Object.create(null)), d(/a/g, /a/g), d(/a/g, /a/i));

  for (const alg of ['md5', 'sha1', 'sha256', 'sha512']) {
    const h = () => crypto.createHash(alg).update('hello ').update(Buffer.from('world'));
    console.log(alg, h().digest('hex'), h().digest('base64'), h().digest().length, Buffer.isBuffer(h().digest()));
  }
  console.log('md5 empty', crypto.createHash('md5').update('').digest('hex'), crypto.createHash('MD5').update('a'.repeat(1000)).digest('hex'));
  try { crypto.createHash('nope'); } catch (e) { console.log(e.message); }
  try { crypto.createHash(1); } catch (e) { console.log(e.name, e.code, e.message); }
  console.log('scryptSync', crypto.scryptSync('password', 'salt', 32, { N: 1024, r: 8, p: 1 }).toString('hex'));
  console.log('scryptSync default', crypto.scryptSync('', '', 16).toString('hex'));
  try { crypto.scryptSync('a', 'b', 16, { N: 3 }); } catch (e) { console.log(e.name, e.code, e.message); }
  try { crypto.scryptSync(1, 'b', 16); } catch (e) { console.log(e.name, e.code, e.message); }
  try { crypto.scrypt('a', 'b', -1, () => {}); } catch (e) { console.log(e.name, e.code, e.message); }
  const id = crypto.randomUUID();
  console.log('randomUUID', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id), id !== crypto.randomUUID());
  try { util.promisify(1); } catch (e) { console.log(e.name, e.code, e.message); }
}
main();
