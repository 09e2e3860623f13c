// part 2 of the bootstrap (see base.js): process, console, timers, Buffer, fs, crypto, fork.
  // ---- process -----------------------------------------------------------------------
  const process = new EventEmitter();
  process.argv = native.argv();
  process.execPath = process.argv[0];
  process.execArgv = [];
  process.env = native.env();
  process.pid = native.pid();
  process.ppid = native.ppid();
  process.platform = native.platform();
  process.arch = native.arch();
  process.version = 'v20.20.2';
  process.versions = { node: '20.20.2', ruv: '0.1.0', quickjs: native.quickjsVersion() };
  process.release = { name: 'node' };
  process.title = 'ruvjs';
  process.exitCode = undefined;
  let exiting = false;
  process.exit = function (code) {
    if (code !== undefined) process.exitCode = code;
    if (!exiting) {
      exiting = true;
      try { process.emit('exit', exitCodeNow()); } catch (e) { reportFatal(e); native.exit(7); }
    }
    native.exit(exitCodeNow());
    // in a worker `native.exit` returns (the worker's loop stops): unwind the script
    throw exitSentinel;
  };
  const exitSentinel = { toString: () => 'worker exit' };
  const isMainThread = native.isMainThread();
  if (!isMainThread) {
    let code;
    Object.defineProperty(process, 'exitCode', {
      get: () => code,
      set: (c) => { code = c; native.setExitCode(c === undefined || c === null ? 0 : Number(c) | 0); },
      enumerable: true, configurable: true,
    });
  }
  function exitCodeNow() { const c = process.exitCode; return c === undefined || c === null ? 0 : Number(c) | 0; }
  process.nextTick = function (fn, ...args) {
    checkFunction(fn, 'callback');
    native.nextTick(register(args.length ? () => fn(...args) : fn));
  };
  process.hrtime = function (prev) {
    const [s, ns] = native.hrtime();
    if (!prev) return [s, ns];
    let ds = s - prev[0], dns = ns - prev[1];
    if (dns < 0) { ds -= 1; dns += 1e9; }
    return [ds, dns];
  };
  process.hrtime.bigint = function () { const [s, ns] = native.hrtime(); return BigInt(s) * 1000000000n + BigInt(ns); };
  process.uptime = function () { return native.uptime(); };
  process.cwd = function () { return native.cwd(); };
  process.memoryUsage = function () {
    const [rss, heapTotal, heapUsed] = native.memoryUsage();
    return { rss, heapTotal, heapUsed, external: 0, arrayBuffers: 0 };
  };
  process.memoryUsage.rss = function () { return native.memoryUsage()[0]; };
  function writer(fd) {
    const w = new EventEmitter();
    w.fd = fd;
    w.isTTY = native.isatty(fd);
    w.write = function (chunk, enc, cb) {
      if (typeof enc === 'function') { cb = enc; enc = undefined; }
      native.write(fd, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1'), typeof chunk !== 'string');
      if (cb) process.nextTick(cb);
      return true;
    };
    w.end = function (chunk, enc, cb) { if (chunk !== undefined && typeof chunk !== 'function') w.write(chunk, enc); return w; };
    return w;
  }
  process.stdout = writer(1);
  process.stderr = writer(2);

  // ---- console ------------------------------------------------------------------------
  const counts = new Map(), timers = new Map();
  let groupIndent = '';
  function out(fd, args) {
    let s = format(...args);
    if (groupIndent) s = groupIndent + s.replace(/\n/g, '\n' + groupIndent);
    native.write(fd, s + '\n', false);
  }
  const console = {
    log: (...a) => out(1, a), info: (...a) => out(1, a), debug: (...a) => out(1, a),
    error: (...a) => out(2, a), warn: (...a) => out(2, a), trace: (...a) => out(2, ['Trace:', ...a]),
    dir: (v, o) => native.write(1, inspect(v, o) + '\n', false),
    assert: (ok, ...a) => { if (!ok) out(2, a.length ? ['Assertion failed:', ...a] : ['Assertion failed']); },
    count: (l = 'default') => { const n = (counts.get(l) || 0) + 1; counts.set(l, n); out(1, [`${l}: ${n}`]); },
    countReset: (l = 'default') => counts.delete(l),
    time: (l = 'default') => timers.set(l, native.now()),
    timeEnd: (l = 'default') => { const t = timers.get(l); if (t !== undefined) { timers.delete(l); out(1, [`${l}: ${(native.now() - t).toFixed(3)}ms`]); } },
    timeLog: (l = 'default', ...a) => { const t = timers.get(l); if (t !== undefined) out(1, [`${l}: ${(native.now() - t).toFixed(3)}ms`, ...a]); },
    group: (...a) => { if (a.length) out(1, a); groupIndent += '  '; },
    groupEnd: () => { groupIndent = groupIndent.slice(2); },
    table: (v) => out(1, [v]),
  };

  // ---- timers: src/js/timers.js ----------------------------------------------------------
  function queueMicrotask(fn) {
    checkFunction(fn, 'callback');
    // the engine's job queue is the microtask queue; an error goes to uncaughtException
    Promise.resolve().then(() => { try { fn(); } catch (e) { fatal(e); } });
  }

  // ---- Buffer (the common subset, on Uint8Array) -----------------------------------------
  class Buffer extends Uint8Array {
    static from(v, enc, len) {
      if (typeof v === 'string') return Buffer._wrap(native.encode(v, normEnc(enc)));
      if (v instanceof ArrayBuffer) return new Buffer(v, enc || 0, len === undefined ? v.byteLength - (enc || 0) : len);
      if (ArrayBuffer.isView(v)) { const b = Buffer.alloc(v.byteLength); b.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)); return b; }
      if (Array.isArray(v)) { const b = Buffer.alloc(v.length); for (let i = 0; i < v.length; i++) b[i] = v[i]; return b; }
      if (v && v.type === 'Buffer' && Array.isArray(v.data)) return Buffer.from(v.data);
      throw invalidArgType('The first argument', 'of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object', v);
    }
    static _wrap(ab) { return new Buffer(ab, 0, ab.byteLength); }
    static alloc(n, fill) { const b = new Buffer(n); if (fill !== undefined) b.fill(typeof fill === 'string' ? fill.charCodeAt(0) : fill); return b; }
    static allocUnsafe(n) { return new Buffer(n); }
    static isBuffer(b) { return b instanceof Buffer; }
    static byteLength(s, enc) { return typeof s === 'string' ? native.encode(s, normEnc(enc)).byteLength : s.byteLength; }
    static concat(list, total) {
      if (total === undefined) total = list.reduce((n, b) => n + b.length, 0);
      const out = Buffer.alloc(total);
      let at = 0;
      for (const b of list) { if (at >= total) break; out.set(b.subarray(0, total - at), at); at += b.length; }
      return out;
    }
    static isEncoding(e) { return ['utf8', 'utf-8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii', 'ucs2', 'utf16le'].includes(String(e).toLowerCase()); }
    toString(enc, start, end) {
      const view = start !== undefined || end !== undefined ? this.subarray(start || 0, end === undefined ? this.length : end) : this;
      return native.decode(view.buffer, view.byteOffset, view.byteLength, normEnc(enc));
    }
    toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
    equals(o) { if (this.length !== o.length) return false; for (let i = 0; i < this.length; i++) if (this[i] !== o[i]) return false; return true; }
    compare(o) { const n = Math.min(this.length, o.length); for (let i = 0; i < n; i++) if (this[i] !== o[i]) return this[i] < o[i] ? -1 : 1; return this.length === o.length ? 0 : this.length < o.length ? -1 : 1; }
    slice(s, e) { return this.subarray(s, e); }
    subarray(s, e) { const u = Uint8Array.prototype.subarray.call(this, s, e); return new Buffer(u.buffer, u.byteOffset, u.length); }
    write(s, offset = 0, enc) { const b = Buffer.from(s, enc); const n = Math.min(b.length, this.length - offset); this.set(b.subarray(0, n), offset); return n; }
    copy(target, ts = 0, ss = 0, se = this.length) { const part = this.subarray(ss, se); const n = Math.min(part.length, target.length - ts); target.set(part.subarray(0, n), ts); return n; }
    readUInt8(o = 0) { return this[o]; }
    readUInt32BE(o = 0) { return ((this[o] << 24) >>> 0) + (this[o + 1] << 16) + (this[o + 2] << 8) + this[o + 3]; }
    readUInt32LE(o = 0) { return this[o] + (this[o + 1] << 8) + (this[o + 2] << 16) + ((this[o + 3] << 24) >>> 0); }
    writeUInt8(v, o = 0) { this[o] = v; return o + 1; }
    writeUInt32BE(v, o = 0) { this[o] = v >>> 24; this[o + 1] = v >>> 16; this[o + 2] = v >>> 8; this[o + 3] = v; return o + 4; }
    writeUInt32LE(v, o = 0) { this[o] = v; this[o + 1] = v >>> 8; this[o + 2] = v >>> 16; this[o + 3] = v >>> 24; return o + 4; }
  }
  function normEnc(enc) {
    const e = enc === undefined || enc === null ? 'utf8' : String(enc).toLowerCase();
    switch (e) {
      case 'utf8': case 'utf-8': return 'utf8';
      case 'hex': case 'base64': case 'base64url': case 'latin1': case 'ascii': return e;
      case 'binary': return 'latin1';
      case 'ucs2': case 'ucs-2': case 'utf16le': case 'utf-16le': return 'utf16le';
    }
    const err = new TypeError(`Unknown encoding: ${enc}`);
    err.code = 'ERR_UNKNOWN_ENCODING';
    throw err;
  }
  function toBytes(v, name) {
    if (typeof v === 'string') return Buffer.from(v);
    if (ArrayBuffer.isView(v)) return v;
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    throw invalidArgType(name, 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView', v);
  }
  function own(u) { return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength); }

  class TextEncoder { get encoding() { return 'utf-8'; } encode(s = '') { return new Uint8Array(native.encode(String(s), 'utf8')); } }
  class TextDecoder {
    constructor(enc = 'utf-8') { this.encoding = String(enc).toLowerCase() === 'utf8' ? 'utf-8' : String(enc).toLowerCase(); }
    decode(u) { if (u === undefined) return ''; const b = ArrayBuffer.isView(u) ? u : new Uint8Array(u); return native.decode(b.buffer, b.byteOffset, b.byteLength, 'utf8'); }
  }

  // ---- core modules ------------------------------------------------------------------
  const pathMod = (function () {
    function normalizeParts(parts, absolute) {
      const out = [];
      for (const p of parts) {
        if (!p || p === '.') continue;
        if (p === '..') { if (out.length && out[out.length - 1] !== '..') out.pop(); else if (!absolute) out.push('..'); } else out.push(p);
      }
      return out;
    }
    const path = {
      sep: '/', delimiter: ':',
      normalize(p) {
        if (p === '') return '.';
        const abs = p.startsWith('/'), trail = p.endsWith('/');
        let s = normalizeParts(p.split('/'), abs).join('/');
        if (!s && !abs) s = '.';
        if (s && trail) s += '/';
        return (abs ? '/' : '') + s;
      },
      join(...parts) { const j = parts.filter((x) => x !== '').join('/'); return j ? path.normalize(j) : '.'; },
      resolve(...parts) {
        let r = '';
        for (let i = parts.length - 1; i >= 0 && !r.startsWith('/'); i--) if (parts[i]) r = parts[i] + (r ? '/' + r : '');
        if (!r.startsWith('/')) r = native.cwd() + (r ? '/' + r : '');
        const s = '/' + normalizeParts(r.split('/'), true).join('/');
        return s;
      },
      isAbsolute(p) { return p.startsWith('/'); },
      dirname(p) {
        if (!p) return '.';
        const s = p.replace(/\/+$/, '');
        if (!s) return '/';
        const i = s.lastIndexOf('/');
        if (i < 0) return '.';
        return i === 0 ? '/' : s.slice(0, i).replace(/\/+$/, '') || '/';
      },
      basename(p, ext) {
        let b = p.replace(/\/+$/, '');
        b = b.slice(b.lastIndexOf('/') + 1);
        if (ext && b.endsWith(ext) && b !== ext) b = b.slice(0, -ext.length);
        return b;
      },
      extname(p) { const b = path.basename(p); const i = b.lastIndexOf('.'); return i <= 0 ? '' : b.slice(i); },
      relative(from, to) {
        const f = path.resolve(from).split('/').filter(Boolean), t = path.resolve(to).split('/').filter(Boolean);
        let i = 0;
        while (i < f.length && i < t.length && f[i] === t[i]) i++;
        return [...Array(f.length - i).fill('..'), ...t.slice(i)].join('/');
      },
      parse(p) { const base = path.basename(p), ext = path.extname(p); return { root: p.startsWith('/') ? '/' : '', dir: path.dirname(p), base, ext, name: ext ? base.slice(0, -ext.length) : base }; },
      format(o) { const dir = o.dir || o.root || ''; const base = o.base || (o.name || '') + (o.ext || ''); return dir ? (dir.endsWith('/') ? dir + base : dir + '/' + base) : base; },
    };
    path.posix = path;
    return path;
  })();

  function callbackArg(args, name) {
    const cb = args[args.length - 1];
    checkFunction(cb, name || 'cb');
    return cb;
  }
  const fsMod = {
    readFile(path, opts, cb) {
      if (typeof opts === 'function') { cb = opts; opts = undefined; }
      checkFunction(cb, 'cb');
      const enc = typeof opts === 'string' ? opts : opts && opts.encoding;
      native.readFile(String(path), register((err, ab) => {
        if (err) return cb(nativeError(err));
        const b = Buffer._wrap(ab);
        cb(null, enc ? b.toString(enc) : b);
      }));
    },
    readFileSync(path, opts) {
      const enc = typeof opts === 'string' ? opts : opts && opts.encoding;
      const r = native.readFileSync(String(path));
      if (!(r instanceof ArrayBuffer)) throw nativeError(r);
      const b = Buffer._wrap(r);
      return enc ? b.toString(enc) : b;
    },
    existsSync(path) { return native.exists(String(path)); },
    writeFileSync(path, data, opts) { fsCheck(native.writeFileSync(String(path), own(toData(data, opts)), false)); },
    appendFileSync(path, data, opts) { fsCheck(native.writeFileSync(String(path), own(toData(data, opts)), true)); },
    statSync(path) { return makeStats(fsCheck(native.statSync(String(path)))); },
    readdirSync(path) { return fsCheck(native.readdirSync(String(path))); },
    unlinkSync(path) { fsCheck(native.unlinkSync(String(path))); },
    mkdirSync(path, opts) { fsCheck(native.mkdirSync(String(path), !!(opts && opts.recursive))); },
  };
  function toData(data, opts) { return typeof data === 'string' ? Buffer.from(data, typeof opts === 'string' ? opts : opts && opts.encoding) : toBytes(data, 'data'); }
  function fsCheck(r) { if (Array.isArray(r) && r.length === 5 && typeof r[0] === 'string' && r[0].includes(':')) throw nativeError(r); return r; }
  function makeStats(o) {
    const isFile = o.isFile, isDir = o.isDirectory;
    delete o.isFile; delete o.isDirectory;
    o.mtime = new Date(o.mtimeMs);
    o.isFile = () => isFile; o.isDirectory = () => isDir; o.isSymbolicLink = () => false;
    return o;
  }
  // the async versions: the sync call, its result delivered on the next tick
  for (const name of ['writeFile', 'appendFile', 'stat', 'readdir', 'unlink', 'mkdir']) {
    fsMod[name] = function (...args) {
      const cb = args.pop();
      checkFunction(cb, 'cb');
      let r, err = null;
      try { r = fsMod[name + 'Sync'](...args); } catch (e) { err = e; }
      process.nextTick(() => (err ? cb(err) : cb(null, r)));
    };
  }
  fsMod.promises = {
    readFile(path, opts) { return new Promise((res, rej) => fsMod.readFile(path, opts, (e, d) => (e ? rej(e) : res(d)))); },
  };

  class Hash {
    constructor(alg, key) { this._alg = alg; this._key = key; this._parts = []; this._done = false; }
    update(data, enc) {
      if (this._done) throw makeError('Digest already called', 'ERR_CRYPTO_HASH_FINALIZED');
      this._parts.push(typeof data === 'string' ? Buffer.from(data, enc) : Buffer.from(toBytes(data, 'data')));
      return this;
    }
    digest(enc) {
      if (this._done) throw makeError('Digest already called', 'ERR_CRYPTO_HASH_FINALIZED');
      this._done = true;
      const all = Buffer.concat(this._parts);
      const r = native.hash(this._alg, this._key === null ? undefined : this._key, own(all));
      if (!(r instanceof ArrayBuffer)) throw nativeError(r);
      const b = Buffer._wrap(r);
      return enc ? b.toString(enc) : b;
    }
  }
  const cryptoMod = {
    pbkdf2(password, salt, iterations, keylen, digest, cb) {
      checkFunction(cb, 'callback');
      const p = toBytes(password, 'password'), s = toBytes(salt, 'salt');
      const err = native.pbkdf2(own(p), own(s), Number(iterations), Number(keylen), String(digest), register((e, ab) => {
        if (e) return cb(nativeError(e));
        cb(null, Buffer._wrap(ab));
      }));
      if (err) throw nativeError(err);
    },
    createHash(alg) { return new Hash(String(alg), null); },
    createHmac(alg, key) { return new Hash(String(alg), own(toBytes(key, 'key'))); },
    randomBytes(size, cb) {
      const r = native.randomBytes(Number(size));
      if (!(r instanceof ArrayBuffer)) throw nativeError(r);
      const b = Buffer._wrap(r);
      if (typeof cb === 'function') { process.nextTick(cb, null, b); return; }
      return b;
    },
    timingSafeEqual(a, b) {
      if (a.byteLength !== b.byteLength) { const e = new RangeError('Input buffers must have the same byte length'); e.code = 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH'; throw e; }
      let d = 0;
      for (let i = 0; i < a.byteLength; i++) d |= a[i] ^ b[i];
      return d === 0;
    },
    pbkdf2Sync(password, salt, iterations, keylen, digest) {
      const p = toBytes(password, 'password'), s = toBytes(salt, 'salt');
      const r = native.pbkdf2Sync(own(p), own(s), Number(iterations), Number(keylen), String(digest));
      if (!(r instanceof ArrayBuffer)) throw nativeError(r);
      return Buffer._wrap(r);
    },
  };

  const util = {
    format, inspect,
    inherits(ctor, superCtor) { Object.setPrototypeOf(ctor.prototype, superCtor.prototype); Object.setPrototypeOf(ctor, superCtor); ctor.super_ = superCtor; },
    promisify(fn) {
      checkFunction(fn, 'original');
      return function (...args) { return new Promise((res, rej) => fn.call(this, ...args, (e, v) => (e ? rej(e) : res(v)))); };
    },
    isDeepStrictEqual(a, b) { return JSON.stringify(a) === JSON.stringify(b); },
    types: { isPromise: (v) => v instanceof Promise },
  };
  inspect.custom = Symbol.for('nodejs.util.inspect.custom');

  const timersMod = { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval: clearTimeout, clearImmediate };
  timersMod.promises = {
    setTimeout: (ms, v) => new Promise((res) => setTimeout(res, ms, v)),
    setImmediate: (v) => new Promise((res) => setImmediate(res, v)),
  };

  const osMod = {
    EOL: '\n',
    platform: () => process.platform,
    arch: () => process.arch,
    cpus: () => Array.from({ length: native.cpus() }, () => ({ model: 'cpu', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } })),
    availableParallelism: () => native.cpus(),
    totalmem: () => native.totalmem(),
    freemem: () => native.freemem(),
    hostname: () => native.hostname(),
    tmpdir: () => process.env.TMPDIR || '/tmp',
    homedir: () => process.env.HOME || '/',
    type: () => 'Linux',
    endianness: () => 'LE',
  };

  // ---- child_process.fork and the child's channel (JSON messages) ------------------------
  // Linux's signal numbers (os.constants.signals)
  const signals = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31 };
  // `send` of a forked child (channel `id`) and of a forked process (`process.send`, id 0):
  // JSON text on the channel; `cb` once written; a closed channel is an error, not a throw
  function ipcSend(id, connected, emitter, message, handle, options, cb) {
    if (typeof handle === 'function') cb = handle;
    else if (typeof options === 'function') cb = options;
    if (!connected) {
      const e = makeError('Channel closed', 'ERR_IPC_CHANNEL_CLOSED');
      if (cb) process.nextTick(cb, e); else process.nextTick(() => emitter.emit('error', e));
      return false;
    }
    if (message === undefined) throw invalidArgType('message', 'one of type string, object, number, or boolean', message);
    native.send(id, JSON.stringify(message), cb ? register((name, err) => cb(nativeError(err))) : 0);
    return true;
  }
  class ChildProcess extends EventEmitter {
    constructor() {
      super();
      this.pid = undefined; this.connected = true; this.exitCode = null; this.signalCode = null; this.killed = false;
      this.stdin = null; this.stdout = null; this.stderr = null;
      const self = this;
      this._id = register((name, ...args) => self._event(name, args));
    }
    _event(name, args) {
      switch (name) {
        case 'spawn': this.pid = args[0] === null ? undefined : args[0]; this.emit('spawn'); break;
        case 'message': this.emit('message', JSON.parse(args[0])); break;
        case 'disconnect': this.connected = false; this.emit('disconnect'); break;
        case 'exit': this.exitCode = args[0]; this.signalCode = args[1]; this.emit('exit', args[0], args[1]); break;
        case 'close': this.emit('close', args[0], args[1]); break;
        case 'error': this.emit('error', nativeError(args[0])); break;
      }
    }
    send(message, handle, options, cb) { return ipcSend(this._id, this.connected, this, message, handle, options, cb); }
    disconnect() {
      if (!this.connected) { this.emit('error', makeError('IPC channel is already disconnected', 'ERR_IPC_DISCONNECTED')); return; }
      this.connected = false;
      native.disconnect(this._id);
    }
    kill(sig = 'SIGTERM') {
      const name = typeof sig === 'number' ? Object.keys(signals).find((k) => signals[k] === sig) : sig;
      if (!name || !(name in signals)) { const e = new TypeError(`Unknown signal: ${sig}`); e.code = 'ERR_UNKNOWN_SIGNAL'; throw e; }
      native.kill(this._id, name);
      this.killed = true;
      return true;
    }
    ref() { return this; }
    unref() { return this; }
  }
  const childProcess = {
    ChildProcess,
    fork(modulePath, args, options) {
      if (typeof modulePath !== 'string') throw invalidArgType('modulePath', 'of type string', modulePath);
      if (!Array.isArray(args)) { options = args; args = []; }
      const opts = options || {};
      const child = new ChildProcess();
      const pid = native.fork(child._id, pathMod.resolve(modulePath), args.map(String), (opts.execArgv || []).map(String));
      if (pid !== undefined && pid !== null) child.pid = pid;
      return child;
    },
  };

  // a cluster worker's channel carries the cluster's messages too: src/cluster.rs reads it
  let parentGone = () => {};
  if (isMainThread && native.hasParentChannel()) {
    let connected = true, listening = false;
    const inCluster = native.clusterWorkerId() > 0;
    parentGone = () => { connected = false; process.emit('disconnect'); };
    const parentId = register((name, ...args) => {
      switch (name) {
        case 'message': process.emit('message', JSON.parse(args[0])); break;
        case 'disconnect': parentGone(); break;
        case 'error': process.emit('error', nativeError(args[0])); break;
      }
    });
    // the channel's events are ruv-js's callback 0 (see src/ipc.rs)
    callbacks[0] = callbacks[parentId];
    forget(parentId);
    const listenersChanged = () => {
      const want = connected && (process.listenerCount('message') + process.listenerCount('disconnect')) > 0;
      if (want !== listening && !inCluster) { listening = want; native.parentRef(want); }
    };
    process.on('newListener', (name) => { if (name === 'message' || name === 'disconnect') Promise.resolve().then(listenersChanged); });
    process.on('removeListener', (name) => { if (name === 'message' || name === 'disconnect') listenersChanged(); });
    Object.defineProperty(process, 'connected', { get: () => connected, enumerable: true });
    process.send = (message, handle, options, cb) => ipcSend(0, connected, process, message, handle, options, cb);
    process.disconnect = function () {
      if (!connected) return;
      connected = false;
      native.disconnect(0);
    };
  }
