// part of the bootstrap (see base.js), after http.js: http.request / http.get on ruv-http's
// client, and the `http` module object.
  const STATUS_CODES = { 100: 'Continue', 101: 'Switching Protocols', 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
  const METHODS = ['ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'M-SEARCH', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE'];

  function urlOptions(u) {
    const m = /^([a-z][a-z0-9+.-]*:)\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^/:?#]*)(?::(\d*))?([^#]*)/i.exec(String(u));
    if (!m) { const e = new TypeError('Invalid URL'); e.code = 'ERR_INVALID_URL'; e.input = String(u); throw e; }
    return { protocol: m[1].toLowerCase(), hostname: m[2].replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : undefined, path: m[4] || '/' };
  }
  class ClientRequest extends OutgoingMessage {
    constructor(input, options, cb) {
      super();
      if (typeof options === 'function') { cb = options; options = undefined; }
      let opts = typeof input === 'string' || (input && typeof input.href === 'string') ? urlOptions(input.href || input) : (input || {});
      if (options) opts = Object.assign({}, opts, options);
      const protocol = opts.protocol || 'http:';
      if (protocol !== 'http:') { const e = new TypeError(`Protocol "${protocol}" not supported. Expected "http:"`); e.code = 'ERR_INVALID_PROTOCOL'; throw e; }
      this.method = String(opts.method || 'GET').toUpperCase();
      this.host = String(opts.hostname || opts.host || 'localhost').replace(/^\[|\]$/g, '');
      this.port = Number(opts.port) || 80;
      this.path = opts.path || '/';
      this.protocol = protocol;
      this.agent = opts.agent;
      this.res = null;
      this.destroyed = false;
      this._started = false;
      if (opts.headers) {
        if (Array.isArray(opts.headers)) for (let i = 0; i + 1 < opts.headers.length; i += 2) this.appendHeader(opts.headers[i], opts.headers[i + 1]);
        else for (const k of Object.keys(opts.headers)) this.setHeader(k, opts.headers[k]);
      }
      this._id = register((name, ...a) => this._event(name, a));
      if (cb) this.once('response', cb);
    }
    _start() {
      if (this._started) return;
      this._started = this._head = true;
      native.httpRequest(this._id, this.method, this.host, this.port, this.path, this._flat(), this.agent === false);
    }
    _event(name, a) {
      switch (name) {
        case 'response': {
          const res = new IncomingMessage(a[3]);
          res.statusCode = a[0]; res.statusMessage = a[1]; res.httpVersion = a[2]; res.req = this;
          this.res = res;
          if (!this.emit('response', res)) res.resume();
          break;
        }
        case 'data': if (this.res) this.res.push(Buffer._wrap(a[0])); break;
        case 'end': if (this.res) { this.res.complete = true; this.res.push(null); } break;
        case 'drain': this.emit('drain'); break;
        case 'error': {
          const addr = this.host === 'localhost' ? '127.0.0.1' : this.host;
          const e = sysError(a, undefined, a[0][1] === 'ECONNREFUSED' ? addr : undefined, this.port);
          if (this.res && !this.res.complete) { this.res.aborted = true; this.res.destroy(e); }
          this.emit('error', e);
          break;
        }
        case 'close': this.destroyed = true; this.emit('close'); break;
      }
    }
    write(chunk, enc, cb) {
      if (typeof enc === 'function') { cb = enc; enc = undefined; }
      if (this.writableEnded) { const e = makeError('write after end', 'ERR_STREAM_WRITE_AFTER_END'); process.nextTick(() => { if (cb) cb(e); this.emit('error', e); }); return false; }
      this._start();
      native.httpClientWrite(this._id, own(bodyChunk(chunk, enc)), false);
      if (cb) process.nextTick(cb);
      return true;
    }
    end(chunk, enc, cb) {
      if (typeof chunk === 'function') { cb = chunk; chunk = undefined; } else if (typeof enc === 'function') { cb = enc; enc = undefined; }
      if (this.writableEnded) return this;
      this._start();
      const data = chunk !== undefined && chunk !== null ? own(bodyChunk(chunk, enc)) : new ArrayBuffer(0);
      native.httpClientWrite(this._id, data, true);
      this.writableEnded = this.finished = true;
      if (cb) this.once('finish', cb);
      process.nextTick(() => { this.writableFinished = true; this.emit('finish'); });
      return this;
    }
    destroy(err) {
      if (this.destroyed) return this;
      this.destroyed = true;
      if (this._started) native.httpClientDestroy(this._id);
      else process.nextTick(() => { if (err) this.emit('error', err); this.emit('close'); });
      return this;
    }
    abort() { this.destroy(); }
    flushHeaders() { this._start(); }
    setTimeout(ms, cb) { if (cb) this.once('timeout', cb); return this; }
    setNoDelay() {}
    setSocketKeepAlive() {}
  }
  function request(url, opts, cb) { return new ClientRequest(url, opts, cb); }
  function get(url, opts, cb) { const req = new ClientRequest(url, opts, cb); req.end(); return req; }
  class Agent extends EventEmitter { constructor(opts) { super(); this.options = opts || {}; this.keepAlive = !!(opts && opts.keepAlive); } destroy() {} }
  const httpMod = {
    createServer: (opts, handler) => new Server(opts, typeof opts === 'function' ? opts : handler), Server, request, get, Agent, globalAgent: new Agent({ keepAlive: true }),
    STATUS_CODES, METHODS, IncomingMessage, ServerResponse, ClientRequest, OutgoingMessage, maxHeaderSize: 16384,
  };
