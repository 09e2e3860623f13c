// part 3 of the bootstrap (see base.js): zlib, assert, http (createServer, get), child_process.spawn.
  // ---- zlib (one-shot) and assert ------------------------------------------------------
  const zlibMod = {};
  for (const mode of ['gzip', 'gunzip', 'deflate', 'inflate', 'deflateRaw', 'inflateRaw', 'unzip']) {
    zlibMod[mode + 'Sync'] = function (buf) {
      const r = native.zlibSync(mode, own(toData(buf)));
      if (!(r instanceof ArrayBuffer)) throw nativeError(r);
      return Buffer._wrap(r);
    };
    zlibMod[mode] = function (buf, opts, cb) {
      if (typeof opts === 'function') cb = opts;
      checkFunction(cb, 'callback');
      native.zlib(mode, own(toData(buf)), register((err, ab) => (err ? cb(nativeError(err)) : cb(null, Buffer._wrap(ab)))));
    };
  }

  const dnsMod = {
    lookup(host, opts, cb) {
      if (typeof opts === 'function') { cb = opts; opts = {}; }
      checkFunction(cb, 'callback');
      if (typeof opts === 'number') opts = { family: opts };
      const all = !!(opts && opts.all), family = Number((opts && opts.family) || 0);
      native.dnsLookup(register((name, r) => {
        if (typeof r !== 'string') {
          const e = nativeError(r);
          if (!e.syscall) e.syscall = 'getaddrinfo';
          e.hostname = String(host);
          return cb(e);
        }
        const list = JSON.parse(r).map(([address, fam]) => ({ address, family: fam }));
        if (all) cb(null, list); else cb(null, list[0].address, list[0].family);
      }), String(host), family, all);
    },
  };
  dnsMod.promises = {
    lookup: (host, opts) => new Promise((res, rej) => dnsMod.lookup(host, opts || {}, (e, a, f) => (e ? rej(e) : res(Array.isArray(a) ? a : { address: a, family: f })))),
  };

  class AssertionError extends Error {
    constructor(opts) { super(opts.message); this.name = 'AssertionError'; this.code = 'ERR_ASSERTION'; this.actual = opts.actual; this.expected = opts.expected; this.operator = opts.operator; this.generatedMessage = !opts.userMessage; }
  }
  function fail(actual, expected, message, operator, defaultMessage) {
    if (message instanceof Error) throw message;
    throw new AssertionError({ message: message === undefined ? defaultMessage : message, actual, expected, operator, userMessage: message !== undefined });
  }
  function deepEqual(a, b, strict) {
    if (strict ? Object.is(a, b) : a == b) return true; // eslint-disable-line eqeqeq
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k], strict));
  }
  function assert(value, message) { if (!value) fail(value, true, message, '==', 'The expression evaluated to a falsy value:\n\n  assert(' + inspect(value) + ')\n'); }
  Object.assign(assert, {
    ok: assert, AssertionError,
    equal(a, b, m) { if (a != b) fail(a, b, m, '==', `${inspect(a)} == ${inspect(b)}`); }, // eslint-disable-line eqeqeq
    notEqual(a, b, m) { if (a == b) fail(a, b, m, '!=', `${inspect(a)} != ${inspect(b)}`); }, // eslint-disable-line eqeqeq
    strictEqual(a, b, m) { if (!Object.is(a, b)) fail(a, b, m, 'strictEqual', `Expected values to be strictly equal:\n\n${inspect(a)} !== ${inspect(b)}\n`); },
    notStrictEqual(a, b, m) { if (Object.is(a, b)) fail(a, b, m, 'notStrictEqual', `Expected "actual" to be strictly unequal to: ${inspect(b)}`); },
    deepEqual(a, b, m) { if (!deepEqual(a, b, false)) fail(a, b, m, 'deepEqual', `Expected values to be loosely deep-equal:\n\n${inspect(a)}\n\nshould loosely deep-equal\n\n${inspect(b)}`); },
    deepStrictEqual(a, b, m) { if (!deepEqual(a, b, true)) fail(a, b, m, 'deepStrictEqual', `Expected values to be strictly deep-equal:\n${inspect(a)}\n\nshould equal\n\n${inspect(b)}`); },
    notDeepStrictEqual(a, b, m) { if (deepEqual(a, b, true)) fail(a, b, m, 'notDeepStrictEqual', `Expected "actual" not to be strictly deep-equal to: ${inspect(b)}`); },
    fail(m) { fail(undefined, undefined, m === undefined ? 'Failed' : m, 'fail', 'Failed'); },
    throws(fn, expected, m) {
      try { fn(); } catch (e) {
        if (typeof expected === 'function' && expected.prototype !== undefined && !(e instanceof expected)) throw e;
        if (expected instanceof RegExp && !expected.test(String(e && e.message))) fail(e, expected, m, 'throws', `The error message does not match ${expected}`);
        return;
      }
      fail(undefined, expected, typeof expected === 'string' ? expected : m, 'throws', 'Missing expected exception.');
    },
    doesNotThrow(fn, m) { try { fn(); } catch (e) { fail(e, undefined, m, 'doesNotThrow', `Got unwanted exception.\nActual message: "${e && e.message}"`); } },
    async rejects(p, expected, m) {
      try { await (typeof p === 'function' ? p() : p); } catch (e) { return; }
      fail(undefined, expected, m, 'rejects', 'Missing expected rejection.');
    },
  });
  assert.strict = assert;

  // ---- http (createServer, get) and child_process.spawn -----------------------------------
  const STATUS = { 200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 503: 'Service Unavailable' };
  // a readable fed from the Rust side (child stdio, response bodies)
  class FedReadable extends Readable {
    constructor() { super(); }
    _read() {}
    _data(ab) { this.push(Buffer._wrap(ab)); }
  }
  class IncomingMessage extends FedReadable {
    constructor() { super(); this.headers = {}; }
  }
  class ServerResponse extends EventEmitter {
    constructor(rid) { super(); this._rid = rid; this.statusCode = 200; this._headers = {}; this._chunks = []; this.headersSent = false; this.finished = false; this.writableEnded = false; }
    setHeader(k, v) { this._headers[String(k).toLowerCase()] = [String(k), Array.isArray(v) ? v.join(', ') : String(v)]; return this; }
    getHeader(k) { const h = this._headers[String(k).toLowerCase()]; return h && h[1]; }
    removeHeader(k) { delete this._headers[String(k).toLowerCase()]; }
    writeHead(status, msg, headers) {
      if (typeof msg === 'object') headers = msg;
      this.statusCode = status;
      if (headers) for (const k of Object.keys(headers)) this.setHeader(k, headers[k]);
      return this;
    }
    write(chunk, enc, cb) {
      this._chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof enc === 'string' ? enc : undefined) : Buffer.from(chunk));
      if (typeof enc === 'function') process.nextTick(enc); else if (cb) process.nextTick(cb);
      return true;
    }
    // the whole answer goes out at `end` (no streamed bodies yet: docs/js.md)
    end(chunk, enc, cb) {
      if (typeof chunk === 'function') { cb = chunk; chunk = undefined; } else if (typeof enc === 'function') { cb = enc; enc = undefined; }
      if (this.writableEnded) return this;
      if (chunk !== undefined && chunk !== null) this.write(chunk, enc);
      this.writableEnded = this.finished = this.headersSent = true;
      const flat = [];
      for (const k of Object.keys(this._headers)) flat.push(this._headers[k][0], this._headers[k][1]);
      const self = this;
      const done = register(() => { self.emit('finish'); if (cb) cb(); });
      native.httpRespond(this._rid, this.statusCode | 0, flat, own(Buffer.concat(this._chunks)), done);
      return this;
    }
  }
  class Server extends EventEmitter {
    constructor(handler) {
      super();
      if (handler) this.on('request', handler);
      this._port = null;
      const self = this;
      this._id = register((name, ...args) => self._event(name, args));
    }
    _event(name, args) {
      switch (name) {
        case 'listening': this._port = args[0]; this.emit('listening'); break;
        case 'request': {
          const req = new IncomingMessage();
          req.method = args[1]; req.url = args[2];
          const res = new ServerResponse(args[0]);
          this.emit('request', req, res);
          req.push(null);
          break;
        }
        case 'error': this.emit('error', nativeError(args[0])); break;
      }
    }
    listen(port, host, cb) {
      if (typeof host === 'function') { cb = host; host = undefined; }
      if (typeof port === 'object' && port !== null) { host = port.host; port = port.port; }
      if (cb) this.once('listening', cb);
      native.httpListen(this._id, Number(port) | 0, host && host !== 'localhost' ? String(host) : '127.0.0.1');
      return this;
    }
    address() { return this._port === null ? null : { address: '127.0.0.1', family: 'IPv4', port: this._port }; }
    close(cb) { native.httpClose(this._id); if (cb) process.nextTick(cb); return this; }
  }
  class ClientRequest extends EventEmitter { end() { return this; } setTimeout() { return this; } destroy() { return this; } }
  function httpGet(opts, cb) {
    let url = opts;
    if (typeof opts === 'object') url = `http://${opts.host || opts.hostname || 'localhost'}:${opts.port || 80}${opts.path || '/'}`;
    const req = new ClientRequest();
    let res = null;
    const id = register((name, ...args) => {
      switch (name) {
        case 'response': res = new IncomingMessage(); res.statusCode = args[0]; req.emit('response', res); if (cb) cb(res); break;
        case 'data': if (res) res._data(args[0]); break;
        case 'end': if (res) res.push(null); break;
        case 'error': req.emit('error', nativeError(args[0])); break;
        case 'close': req.emit('close'); if (res) res.emit('close'); break;
      }
    });
    native.httpGet(id, String(url));
    return req;
  }
  const httpMod = { createServer: (opts, handler) => new Server(typeof opts === 'function' ? opts : handler), Server, get: httpGet, STATUS_CODES: STATUS, IncomingMessage, ServerResponse };

  childProcess.spawn = function (file, args, options) {
    if (!Array.isArray(args)) { options = args; args = []; }
    const opts = options || {};
    let stdio = opts.stdio || 'pipe';
    if (typeof stdio === 'string') stdio = [stdio, stdio, stdio];
    stdio = stdio.slice(0, 3).map((s) => (s === null || s === undefined ? 'pipe' : String(s)));
    const child = new ChildProcess();
    child.connected = false;
    child.stdout = stdio[1] === 'pipe' ? new FedReadable() : null;
    child.stderr = stdio[2] === 'pipe' ? new FedReadable() : null;
    child.spawnfile = String(file);
    callbacks[child._id] = (name, ...a) => {
      switch (name) {
        case 'stdio': { const st = child[a[0]]; if (st) { if (a[1] === null) st.push(null); else st._data(a[1]); } break; }
        case 'spawn': child.pid = a[0] === null ? undefined : a[0]; child.emit('spawn'); break;
        case 'exit': child.exitCode = a[0]; child.signalCode = a[1]; child.emit('exit', a[0], a[1]); break;
        case 'close': child.emit('close', a[0], a[1]); break;
        case 'error': child.emit('error', nativeError(a[0])); break;
      }
    };
    child.kill = function (sig = 'SIGTERM') { native.spawnKill(child._id, String(sig)); child.killed = true; return true; };
    native.spawn(child._id, String(file), args.map(String), stdio);
    return child;
  };
  process.kill = function (pid, sig = 'SIGTERM') {
    if (!native.killPid(Number(pid) | 0, String(sig))) { const e = new Error('kill ESRCH'); e.code = 'ESRCH'; throw e; }
    return true;
  };

