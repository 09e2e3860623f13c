// part of the bootstrap (see base.js): util's promisify (with the custom symbol),
// callbackify, types, inspect's options, deprecate, inherits, isDeepStrictEqual; crypto's
// scrypt, randomUUID and md5.
  const kCustomPromisify = Symbol.for('nodejs.util.promisify.custom');
  function promisify(original) {
    checkFunction(original, 'original');
    if (original[kCustomPromisify]) {
      const fn = original[kCustomPromisify];
      checkFunction(fn, 'util.promisify.custom');
      return Object.defineProperty(fn, kCustomPromisify, { value: fn, enumerable: false, writable: false, configurable: true });
    }
    const names = original[kCallbackNames];
    function fn(...args) {
      return new Promise((resolve, reject) => {
        Reflect.apply(original, this, [...args, (err, ...values) => {
          if (err) return reject(err);
          if (names !== undefined && values.length > 1) {
            const obj = {};
            for (let i = 0; i < names.length; i++) obj[names[i]] = values[i];
            resolve(obj);
          } else resolve(values[0]);
        }]);
      });
    }
    Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
    Object.defineProperty(fn, kCustomPromisify, { value: fn, enumerable: false, writable: false, configurable: true });
    return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
  }
  promisify.custom = kCustomPromisify;
  // callbacks with several values resolve to an object with these names (as Node's)
  const kCallbackNames = Symbol('callbackNames');
  fsMod.read[kCallbackNames] = ['bytesRead', 'buffer'];
  fsMod.write[kCallbackNames] = ['bytesWritten', 'buffer'];
  childProcess.exec[kCallbackNames] = ['stdout', 'stderr'];
  childProcess.execFile[kCallbackNames] = ['stdout', 'stderr'];
  dnsMod.lookup[kCallbackNames] = ['address', 'family'];
  fsMod.exists[kCustomPromisify] = (path) => new Promise((res) => fsMod.exists(path, res));
  setTimeout[kCustomPromisify] = timersMod.promises.setTimeout;
  setImmediate[kCustomPromisify] = timersMod.promises.setImmediate;

  function callbackify(original) {
    checkFunction(original, 'original');
    function fn(...args) {
      const cb = args.pop();
      checkFunction(cb, 'last argument');
      Reflect.apply(original, this, args).then((v) => process.nextTick(cb, null, v), (e) => {
        if (!e) { const w = new Error('Promise was rejected with a falsy value'); w.code = 'ERR_FALSY_VALUE_REJECTION'; w.reason = e; e = w; }
        process.nextTick(cb, e);
      });
    }
    return fn;
  }

  const tag = (v) => Object.prototype.toString.call(v).slice(8, -1);
  const TypedArray = Object.getPrototypeOf(Uint8Array);
  const types = {
    isPromise: (v) => v instanceof Promise,
    isDate: (v) => v instanceof Date,
    isRegExp: (v) => v instanceof RegExp,
    isMap: (v) => v instanceof Map,
    isSet: (v) => v instanceof Set,
    isWeakMap: (v) => v instanceof WeakMap,
    isWeakSet: (v) => v instanceof WeakSet,
    isArrayBuffer: (v) => v instanceof ArrayBuffer,
    isSharedArrayBuffer: (v) => typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer,
    isAnyArrayBuffer: (v) => v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer),
    isArrayBufferView: (v) => ArrayBuffer.isView(v),
    isDataView: (v) => v instanceof DataView,
    isTypedArray: (v) => v instanceof TypedArray,
    isNativeError: (v) => v instanceof Error,
    isAsyncFunction: (v) => typeof v === 'function' && /^Async/.test(tag(v)),
    isGeneratorFunction: (v) => typeof v === 'function' && /GeneratorFunction$/.test(tag(v)),
    isGeneratorObject: (v) => tag(v) === 'Generator' || tag(v) === 'AsyncGenerator',
    isMapIterator: (v) => tag(v) === 'Map Iterator',
    isSetIterator: (v) => tag(v) === 'Set Iterator',
    isArgumentsObject: (v) => tag(v) === 'Arguments',
    isNumberObject: (v) => typeof v === 'object' && v !== null && tag(v) === 'Number',
    isStringObject: (v) => typeof v === 'object' && v !== null && tag(v) === 'String',
    isBooleanObject: (v) => typeof v === 'object' && v !== null && tag(v) === 'Boolean',
    isBigIntObject: (v) => typeof v === 'object' && v !== null && tag(v) === 'BigInt',
    isSymbolObject: (v) => typeof v === 'object' && v !== null && tag(v) === 'Symbol',
    isProxy: () => false,
  };
  types.isBoxedPrimitive = (v) => types.isNumberObject(v) || types.isStringObject(v) || types.isBooleanObject(v) || types.isBigIntObject(v) || types.isSymbolObject(v);
  for (const T of ['Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'Int8Array', 'Int16Array', 'Int32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
    types['is' + T] = (v) => v instanceof TypedArray && v[Symbol.toStringTag] === T;
  }

  // Node's strict deep equality: same prototypes, own enumerable keys (and symbols) alike
  function deepStrict(a, b, memo) {
    if (Object.is(a, b)) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) || tag(a) !== tag(b)) return false;
    if (memo.has(a) && memo.get(a) === b) return true;
    memo.set(a, b);
    if (a instanceof Date && a.getTime() !== b.getTime()) return false;
    if (a instanceof RegExp && (a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex)) return false;
    if (a instanceof Error && (a.message !== b.message || a.name !== b.name)) return false;
    if (types.isBoxedPrimitive(a) && !Object.is(a.valueOf(), b.valueOf())) return false;
    if (ArrayBuffer.isView(a)) {
      if (a.byteLength !== b.byteLength) return false;
      const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    }
    if (a instanceof ArrayBuffer) return deepStrict(new Uint8Array(a), new Uint8Array(b), memo);
    if (Array.isArray(a) && a.length !== b.length) return false;
    if (a instanceof Set) {
      if (a.size !== b.size) return false;
      outer: for (const x of a) {
        if (b.has(x)) continue;
        if (typeof x !== 'object' || x === null) return false;
        for (const y of b) if (typeof y === 'object' && deepStrict(x, y, memo)) continue outer;
        return false;
      }
    }
    if (a instanceof Map) {
      if (a.size !== b.size) return false;
      for (const [k, v] of a) if (!b.has(k) || !deepStrict(v, b.get(k), memo)) return false;
    }
    const ka = Reflect.ownKeys(a).filter((k) => Object.prototype.propertyIsEnumerable.call(a, k));
    const kb = Reflect.ownKeys(b).filter((k) => Object.prototype.propertyIsEnumerable.call(b, k));
    if (ka.length !== kb.length) return false;
    if (ArrayBuffer.isView(a)) return ka.every((k) => typeof k !== 'string' || /^\d+$/.test(k) || deepStrict(a[k], b[k], memo));
    return ka.every((k) => Object.prototype.propertyIsEnumerable.call(b, k) && deepStrict(a[k], b[k], memo));
  }

  // inspect(v, opts) and the old inspect(v, showHidden, depth, colors): colours are not
  // drawn (the output is the same text), depth `null` is unlimited
  function inspectOpts(v, opts, depth) {
    let o = opts;
    if (typeof opts !== 'object' || opts === null) o = depth !== undefined ? { depth } : {};
    const d = o.depth === null ? Infinity : o.depth === undefined ? 2 : Number(o.depth);
    return inspect(v, { depth: d });
  }
  inspectOpts.custom = inspect.custom;
  inspectOpts.defaultOptions = { depth: 2, colors: false, showHidden: false, breakLength: 128, compact: 3, sorted: false };

  const warned = new Set();
  if (typeof process.emitWarning !== 'function') {
    process.emitWarning = function (warning, type, code) {
      if (type && typeof type === 'object') { code = type.code; type = type.type; }
      const w = typeof warning === 'string' ? new Error(warning) : warning;
      w.name = typeof type === 'string' ? type : w.name === 'Error' ? 'Warning' : w.name;
      if (code !== undefined) w.code = code;
      process.nextTick(() => {
        process.emit('warning', w);
        const first = w.name === 'DeprecationWarning' && !warned.has('trace') ? (warned.add('trace'), '\n(Use `node --trace-deprecation ...` to show where the warning was created)') : '';
        native.write(2, `(node:${process.pid}) ${code ? `[${code}] ` : ''}${w.name}: ${w.message}${first}\n`, false);
      });
    };
  }
  Object.assign(util, {
    promisify, callbackify, types, inspect: inspectOpts,
    isDeepStrictEqual: (a, b) => deepStrict(a, b, new Map()),
    inherits(ctor, superCtor) {
      if (ctor === undefined || ctor === null) throw invalidArgType('ctor', 'of type function', ctor);
      if (superCtor === undefined || superCtor === null) throw invalidArgType('superCtor', 'of type function', superCtor);
      if (superCtor.prototype === undefined) {
        const e = new TypeError('The "superCtor.prototype" property must be of type object. Received undefined');
        e.code = 'ERR_INVALID_ARG_TYPE';
        throw e;
      }
      Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
      Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
    },
    deprecate(fn, msg, code) {
      checkFunction(fn, 'fn');
      let done = false;
      function deprecated(...args) {
        if (!done && !(code !== undefined && warned.has(code))) {
          done = true;
          if (code !== undefined) warned.add(code);
          process.emitWarning(msg, 'DeprecationWarning', code);
        }
        return new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
      }
      Object.setPrototypeOf(deprecated, fn);
      if (fn.prototype) deprecated.prototype = fn.prototype;
      return deprecated;
    },
    isArray: Array.isArray,
    TextEncoder, TextDecoder,
    stripVTControlCharacters: (s) => validateString(s, 'str').replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''),
  });

  // ---- crypto: scrypt, randomUUID, md5 -------------------------------------------------
  function scryptOpts(o) {
    o = o || {};
    const pick = (a, b, c) => (o[a] !== undefined ? o[a] : o[b] !== undefined ? o[b] : o[c] !== undefined ? o[c] : 0);
    return [pick('N', 'cost'), pick('r', 'blockSize'), pick('p', 'parallelization'), o.maxmem || 0].map(Number);
  }
  function checkKeylen(k) {
    if (typeof k !== 'number') throw invalidArgType('keylen', 'of type number', k);
    if (!Number.isInteger(k)) throw outOfRange('keylen', 'an integer', k);
    if (k < 0 || k > 2147483647) throw outOfRange('keylen', '>= 0 && <= 2147483647', k);
    return k;
  }
  cryptoMod.scryptSync = function (password, salt, keylen, options) {
    const p = toBytes(password, 'password'), s = toBytes(salt, 'salt');
    const r = native.scryptSync(own(p), own(s), checkKeylen(keylen), scryptOpts(options));
    if (!(r instanceof ArrayBuffer)) throw typedNativeError(r);
    return Buffer._wrap(r);
  };
  cryptoMod.scrypt = function (password, salt, keylen, options, cb) {
    if (typeof options === 'function') { cb = options; options = undefined; }
    checkFunction(cb, 'callback');
    const p = toBytes(password, 'password'), s = toBytes(salt, 'salt');
    const err = native.scrypt(own(p), own(s), checkKeylen(keylen), scryptOpts(options), register((e, ab) => (e ? cb(typedNativeError(e)) : cb(null, Buffer._wrap(ab)))));
    if (err) throw typedNativeError(err);
  };
  cryptoMod.randomUUID = function (options) {
    if (options !== undefined) validateObjectOpt(options, 'options');
    const b = cryptoMod.randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };
  const HASHES = ['md5', 'sha1', 'sha256', 'sha384', 'sha512'];
  cryptoMod.getHashes = () => HASHES.slice();
  const nativeHash = native.hash;
  native.hash = (alg, key, data) => (String(alg).toLowerCase() === 'md5' && key === undefined ? native.md5(data) : nativeHash(alg, key, data));
  const createHashOld = cryptoMod.createHash;
  cryptoMod.createHash = function (alg, options) {
    validateString(alg, 'algorithm');
    if (!HASHES.includes(alg.toLowerCase()) && !/^(sha-?(1|256|384|512)|rsa-sha(1|256|384|512))$/i.test(alg)) {
      const e = new Error('Digest method not supported');
      throw e;
    }
    return createHashOld(alg, options);
  };
  cryptoMod.createHmac = ((old) => function (alg, key) { validateString(alg, 'hmac'); return old(alg, key); })(cryptoMod.createHmac);
  cryptoMod.webcrypto = { getRandomValues: (a) => { const b = cryptoMod.randomBytes(a.byteLength); new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(b); return a; }, randomUUID: cryptoMod.randomUUID };
  cryptoMod.getRandomValues = cryptoMod.webcrypto.getRandomValues;
  if (g.crypto === undefined) g.crypto = cryptoMod.webcrypto;
