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

  // ---- http's server side (the client: http_client.js) ------------------------------------
  // a readable fed from the Rust side (child stdio)
  class FedReadable extends Readable {
    _read() {}
    _data(ab) { this.push(Buffer._wrap(ab)); }
  }
  // header names whose repeats Node drops (the first wins)
  const SINGLE_HEADERS = new Set(['content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization', 'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires']);
  // an incoming message's head arrives as one string, `name\0value\0…`, parsed on first use
  class IncomingMessage extends Readable {
    constructor(raw) { super(LAZY); this._raw = raw; }
    get _readableState() { const st = readableState({}); Object.defineProperty(this, '_readableState', { value: st, writable: true, configurable: true }); return st; }
    get headers() { if (this._headers === null) this._parseHead(); return this._headers; }
    set headers(v) { this._headers = v; }
    get rawHeaders() { if (this._rawHeaders === null) this._parseHead(); return this._rawHeaders; }
    get httpVersionMajor() { return 1; }
    get httpVersionMinor() { return this.httpVersion === '1.0' ? 0 : 1; }
    get trailers() { return {}; }
    _parseHead() {
      const raw = this._raw ? this._raw.split('\0') : [];
      raw.pop();
      const h = {};
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const k = raw[i].toLowerCase(), v = raw[i + 1];
        if (!(k in h)) h[k] = k === 'set-cookie' ? [v] : v;
        else if (k === 'set-cookie') h[k].push(v);
        else if (!SINGLE_HEADERS.has(k)) h[k] += (k === 'cookie' ? '; ' : ', ') + v;
      }
      this._rawHeaders = raw;
      if (this._headers === null) this._headers = h;
    }
    _read() { if (this._pull === null && this._rid !== 0) this._pull = bodyPuller(this, this._rid); if (this._pull) this._pull(); }
    setTimeout(ms, cb) { if (cb) this.once('timeout', cb); return this; }
  }
  // defaults on the prototype: a request costs only what it sets
  Object.assign(IncomingMessage.prototype, { _headers: null, _rawHeaders: null, method: null, url: '', statusCode: null, statusMessage: null, httpVersion: '1.1', complete: false, aborted: false, _pull: null, _rid: 0 });
  // a server request's body: asked of the Rust side when the script first reads
  function bodyPuller(req, rid) {
    let id = 0, paused = false;
    return () => {
      if (id === 0) {
        id = register((name, a) => {
          switch (name) {
            case 'data': if (!req.push(Buffer._wrap(a)) && !paused) { paused = true; native.httpBodyPause(rid, true); } break;
            case 'end': req.complete = true; req.push(null); break;
            case 'error': req.aborted = true; req.destroy(sysError([a], 'read')); break;
          }
        });
        native.httpBody(rid, id);
      } else if (paused) { paused = false; native.httpBodyPause(rid, false); }
    };
  }
  function headersSentError(what) { return makeError(`Cannot ${what} headers after they are sent to the client`, 'ERR_HTTP_HEADERS_SENT'); }
  function checkHeader(k, v) {
    if (typeof k !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) { const e = new TypeError(`Header name must be a valid HTTP token ["${k}"]`); e.code = 'ERR_INVALID_HTTP_TOKEN'; throw e; }
    if (v === undefined) { const e = new TypeError(`Invalid value "${v}" for header "${k}"`); e.code = 'ERR_HTTP_INVALID_HEADER_VALUE'; throw e; }
  }
  // what ServerResponse and ClientRequest share: headers kept here until the head goes out
  class OutgoingMessage extends Stream {
    get headersSent() { return this._head; }
    setHeader(k, v) { if (this._head) throw headersSentError('set'); checkHeader(k, v); (this._headers || (this._headers = Object.create(null)))[k.toLowerCase()] = [k, v]; return this; }
    appendHeader(k, v) { const old = this.getHeader(k); return this.setHeader(k, old === undefined ? v : [].concat(old, v)); }
    getHeader(k) { const h = this._headers && this._headers[String(k).toLowerCase()]; return h ? h[1] : undefined; }
    hasHeader(k) { return !!(this._headers && this._headers[String(k).toLowerCase()]); }
    removeHeader(k) { if (this._head) throw headersSentError('remove'); if (this._headers) delete this._headers[String(k).toLowerCase()]; }
    getHeaderNames() { return this._headers ? Object.keys(this._headers) : []; }
    getHeaders() { const o = Object.create(null); if (this._headers) for (const k in this._headers) o[k] = this._headers[k][1]; return o; }
    _flat() {
      const flat = [];
      if (this._headers) for (const key in this._headers) { const [k, v] = this._headers[key]; if (Array.isArray(v)) for (const x of v) flat.push(k, String(x)); else flat.push(k, String(v)); }
      return flat;
    }
    get writable() { return !this.writableEnded; }
  }
  Object.assign(OutgoingMessage.prototype, { _headers: null, _head: false, writableEnded: false, writableFinished: false, finished: false });
  function bodyChunk(chunk, enc) {
    if (typeof chunk === 'string') return Buffer.from(chunk, typeof enc === 'string' ? enc : undefined);
    if (ArrayBuffer.isView(chunk)) return chunk;
    throw invalidArgType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk);
  }
  class ServerResponse extends OutgoingMessage {
    constructor(rid, req) { super(); this._rid = rid; this.req = req; }
    writeHead(status, msg, headers) {
      if (this._head) throw headersSentError('write');
      if (typeof msg !== 'string') { headers = msg; msg = undefined; }
      status |= 0;
      if (status < 100 || status > 999) { const e = new RangeError(`Invalid status code: ${status}`); e.code = 'ERR_HTTP_INVALID_STATUS_CODE'; throw e; }
      this.statusCode = status;
      if (msg !== undefined) this.statusMessage = msg;
      if (Array.isArray(headers)) {
        const pairs = headers.length && Array.isArray(headers[0]) ? headers : Array.from({ length: headers.length >> 1 }, (_, i) => [headers[2 * i], headers[2 * i + 1]]);
        // as Node: merged into headers set before (a later value wins), else all kept
        const had = this._headers !== null;
        for (const [k, v] of pairs) if (had) this.setHeader(k, v); else this.appendHeader(k, v);
      } else if (headers) for (const k of Object.keys(headers)) this.setHeader(k, headers[k]);
      this._head = this._fixed = true;
      return this;
    }
    _out(data, end, ev, done) {
      if (!this._sent) {
        this._sent = this._head = true;
        const status = this.statusCode | 0;
        if (status !== 200 || this._headers !== null || this._fixed || this.statusMessage !== undefined) native.httpHead(this._rid, status, this.statusMessage === undefined ? null : String(this.statusMessage), this._flat(), this._fixed);
      }
      native.httpOut(this._rid, data, end, ev, done);
    }
    write(chunk, enc, cb) {
      if (typeof enc === 'function') { cb = enc; enc = undefined; }
      if (this.writableEnded) {
        const e = makeError('write after end', 'ERR_STREAM_WRITE_AFTER_END');
        if (cb) process.nextTick(cb, e);
        process.nextTick(() => this.emit('error', e));
        return false;
      }
      if (chunk === null) throw makeError('May not write null values to stream', 'ERR_STREAM_NULL_VALUES', TypeError);
      const b = bodyChunk(chunk, enc);
      if (this._ev === 0) { this._writeCbs = []; this._ev = register((name, ok) => this._onOut(name, ok)); }
      this._outstanding += b.length;
      const ret = this._outstanding < 16384 && !this._congested;
      if (!ret) this._needDrain = true;
      this._writeCbs.push(b.length, cb);
      this._out(own(b), false, this._ev, 0);
      return ret;
    }
    _onOut(name, ok) {
      if (name === 'written') {
        this._outstanding -= this._writeCbs.shift();
        const cb = this._writeCbs.shift();
        if (!ok) this._congested = true;
        if (cb) cb();
      } else this._congested = false;
      if (this._needDrain && !this._congested && this._outstanding < 16384) { this._needDrain = false; this.emit('drain'); }
    }
    end(chunk, enc, cb) {
      if (typeof chunk === 'function') { cb = chunk; chunk = undefined; } else if (typeof enc === 'function') { cb = enc; enc = undefined; }
      if (this.writableEnded) { if (cb) process.nextTick(cb); return this; }
      // a utf8 string goes as it is (the Rust side encodes it): no Buffer per answer
      const data = chunk === undefined || chunk === null ? undefined : typeof chunk === 'string' && (enc === undefined || enc === 'utf8' || enc === 'utf-8') ? chunk : own(bodyChunk(chunk, enc));
      this.writableEnded = this.finished = true;
      let done = 0;
      if (cb || this._ev || this.listenerCount('finish') || this.listenerCount('close')) {
        if (cb) this.once('finish', cb);
        done = register(() => {
          if (this._ev) forget(this._ev);
          this.writableFinished = true;
          this.emit('finish');
          process.nextTick(() => this.emit('close'));
        });
      }
      this._out(data, true, 0, done);
      return this;
    }
    writeContinue() {}
    setTimeout(ms, cb) { if (cb) this.once('timeout', cb); return this; }
    flushHeaders() {}
  }
  Object.assign(ServerResponse.prototype, { statusCode: 200, statusMessage: undefined, sendDate: true, _sent: false, _fixed: false, _ev: 0, _outstanding: 0, _needDrain: false, _congested: false, _writeCbs: null });
  class Server extends EventEmitter {
    constructor(opts, handler) {
      super();
      if (handler) this.on('request', handler);
      this._port = null;
      this._host = '::';
      this.listening = false;
      this.keepAliveTimeout = 5000;
      this.headersTimeout = 60000;
      this.requestTimeout = 300000;
      this._id = register((name, a, b, c, d, e) => this._event(name, [a, b, c, d, e]));
    }
    _event(name, args) {
      switch (name) {
        case 'listening': this._port = args[0]; this.listening = true; this.emit('listening'); break;
        case 'request': {
          const req = new IncomingMessage(args[4]);
          req.method = args[1]; req.url = args[2]; req.httpVersion = args[3];
          req._rid = args[0];
          const res = new ServerResponse(args[0], req);
          const list = this._events.request;
          // one listener (the usual handler): called directly, as emit would
          if (list !== undefined && list.length === 1) list[0].call(this, req, res); else this.emit('request', req, res);
          break;
        }
        case 'error': this.emit('error', sysError(args, 'listen', this._host, this._portWanted, true)); break;
        case 'close': this.listening = false; this.emit('close'); break;
      }
    }
    listen(...args) {
      const { port, host, cb } = listenArgs(args);
      if (cb) this.once('listening', cb);
      this._host = host === undefined ? '::' : host === 'localhost' ? '127.0.0.1' : String(host);
      this._portWanted = port;
      native.httpListen(this._id, port, this._host);
      return this;
    }
    address() { return this._port === null ? null : { address: this._host, family: this._host.includes(':') ? 'IPv6' : 'IPv4', port: this._port }; }
    close(cb) {
      if (cb) { if (this.listening) this.once('close', cb); else process.nextTick(cb, makeError('Server is not running.', 'ERR_SERVER_NOT_RUNNING')); }
      if (this.listening) native.httpClose(this._id);
      return this;
    }
    closeAllConnections() {}
    closeIdleConnections() {}
    setTimeout(ms, cb) { if (cb) this.on('timeout', cb); return this; }
    ref() { return this; }
    unref() { return this; }
  }

  process.kill = function (pid, sig = 'SIGTERM') {
    // Node's checks: a pid that is no integer would otherwise become 0, the whole group
    if (typeof pid !== 'number' || pid !== (pid | 0)) throw invalidArgType('pid', 'of type number', pid);
    let name = sig;
    if (typeof sig === 'number') name = sig === 0 ? '0' : Object.keys(signals).find((k) => signals[k] === sig);
    if (name === undefined || (name !== '0' && !(name in signals))) { const e = new TypeError(`Unknown signal: ${sig}`); e.code = 'ERR_UNKNOWN_SIGNAL'; throw e; }
    const errno = native.killPid(pid, name === '0' ? 0 : signals[name]);
    if (errno !== 0) {
      const code = errno === 3 ? 'ESRCH' : errno === 1 ? 'EPERM' : 'EINVAL';
      const e = new Error(`kill ${code}`); e.errno = -errno; e.code = code; e.syscall = 'kill';
      throw e;
    }
    return true;
  };

