// part of the bootstrap (see base.js): `net` — servers and sockets (Duplex streams) on
// ruv-net's Node-level layer, through the net ops (src/net.rs).
  // a Rust error event's arguments ([spec, description, errno]) as Node's system error:
  // `connect ECONNREFUSED 127.0.0.1:80`, `listen EADDRINUSE: address already in use …`
  function sysError(args, syscall, address, port, withDesc) {
    const [spec, desc, errno] = args;
    const e = nativeError(spec);
    const code = e.code;
    if (code === 'ECONNRESET' && /: (socket hang up|aborted)$/.test(e.message)) { e.message = e.message.replace(/^ECONNRESET: /, ''); return e; }
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) {
      const sys = syscall || e.syscall || '';
      e.message = `${sys} ${code}${withDesc ? ': ' + desc : ''}${address !== undefined ? ` ${address}:${port}` : ''}`;
      if (errno) e.errno = errno;
      e.syscall = sys;
      if (address !== undefined) { e.address = address; e.port = port; }
    }
    return e;
  }
  // listen(port, host, backlog, cb) / listen({ port, host, backlog }, cb) / listen(cb)
  function listenArgs(args) {
    let cb = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
    let [port, host, backlog] = args;
    if (port !== null && typeof port === 'object') { host = port.host; backlog = port.backlog; port = port.port; }
    if (typeof host === 'number') { backlog = host; host = undefined; }
    if (port === undefined || port === null) port = 0;
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65535) { const e = new RangeError(`options.port should be >= 0 and < 65536. Received type ${typeof port} (${inspect(port)}).`); e.code = 'ERR_SOCKET_BAD_PORT'; throw e; }
    return { port: n, host, backlog: Number(backlog) || 0, cb };
  }

  class Socket extends Duplex {
    constructor(opts) {
      const o = opts || {};
      super({ allowHalfOpen: !!o.allowHalfOpen, emitClose: true, highWaterMark: o.highWaterMark });
      this.connecting = false;
      this.remoteAddress = undefined; this.remotePort = undefined; this.remoteFamily = undefined;
      this.localAddress = undefined; this.localPort = undefined;
      this.bytesRead = 0; this._bytesWritten = 0;
      this._paused = false; this._finalCb = null; this._destroyCb = null; this._closed = false; this._hadError = false;
      this._id = register((name, ...a) => this._event(name, a));
      this.server = null;
    }
    _closeArgs() { return [this._hadError]; }
    get bytesWritten() { return this._bytesWritten; }
    get readyState() { return this.connecting ? 'opening' : this.readable && this.writable ? 'open' : this.readable ? 'readOnly' : this.writable ? 'writeOnly' : 'closed'; }
    get pending() { return this.connecting; }
    _event(name, a) {
      switch (name) {
        case 'connect':
          [this.localAddress, this.localPort, this.remoteAddress, this.remotePort, this.remoteFamily] = a;
          this.connecting = false;
          this.emit('connect');
          this.emit('ready');
          break;
        case 'data': {
          const b = Buffer._wrap(a[0]);
          this.bytesRead += b.length;
          if (!this.push(b) && !this._paused) { this._paused = true; native.netPause(this._id, true); }
          break;
        }
        case 'end': this.push(null); break;
        case 'finish': if (this._finalCb) { const cb = this._finalCb; this._finalCb = null; cb(); } break;
        case 'timeout': this.emit('timeout'); break;
        case 'error': {
          const e = this.connecting ? sysError(a, 'connect', this._peer[0], this._peer[1]) : sysError(a, a[0][3] || 'read');
          this.connecting = false;
          this._hadError = true;
          this.destroy(e);
          break;
        }
        case 'close': {
          this._closed = true;
          if (a[0]) this._hadError = true;
          const cb = this._destroyCb;
          this._destroyCb = null;
          if (cb) cb(this._pendingError || null);
          else this.destroy();
          break;
        }
      }
    }
    _read() { if (this._paused) { this._paused = false; native.netPause(this._id, false); } }
    _write(chunk, enc, cb) {
      this._bytesWritten += chunk.length;
      native.netWrite(this._id, own(chunk), register((name, err) => (err ? cb(sysError([err, arguments[2], 0], 'write')) : cb())));
    }
    _writev(list, cb) { this._write(Buffer.concat(list.map((x) => x.chunk)), 'buffer', cb); }
    _final(cb) { this._finalCb = cb; native.netEnd(this._id); }
    _destroy(err, cb) {
      if (this._closed) { cb(err); return; }
      this._pendingError = err;
      this._destroyCb = cb;
      native.netDestroy(this._id);
    }
    connect(...args) {
      let [port, host, cb] = args;
      if (port !== null && typeof port === 'object') { cb = host; host = port.host; port = port.port; }
      if (typeof host === 'function') { cb = host; host = undefined; }
      host = host === undefined || host === 'localhost' ? '127.0.0.1' : String(host);
      this.connecting = true;
      this._peer = [host, Number(port)];
      if (cb) this.once('connect', cb);
      native.netConnect(this._id, Number(port) | 0, host);
      return this;
    }
    address() { return this.localPort === undefined ? {} : { address: this.localAddress, family: this.remoteFamily, port: this.localPort }; }
    setNoDelay(on = true) { native.netNoDelay(this._id, !!on); return this; }
    setKeepAlive(on = false, delay = 0) { native.netKeepAlive(this._id, !!on, Number(delay) || 0); return this; }
    setTimeout(ms, cb) { native.netTimeout(this._id, Number(ms) || 0); if (cb) { if (ms) this.once('timeout', cb); else this.removeListener('timeout', cb); } return this; }
    ref() { native.netRef(this._id, true); return this; }
    unref() { native.netRef(this._id, false); return this; }
    resetAndDestroy() { return this.destroy(); }
  }
  // a socket a server accepted: addresses known, its Rust socket waiting under `key`
  function acceptedSocket(server, a) {
    const s = new Socket({ allowHalfOpen: server._allowHalfOpen });
    [, s.localAddress, s.localPort, s.remoteAddress, s.remotePort, s.remoteFamily] = a;
    s.server = server;
    native.netAdopt(a[0], s._id);
    return s;
  }

  class NetServer extends EventEmitter {
    constructor(opts, listener) {
      super();
      if (typeof opts === 'function') { listener = opts; opts = {}; }
      this._allowHalfOpen = !!(opts && opts.allowHalfOpen);
      if (listener) this.on('connection', listener);
      this.listening = false;
      this._address = null;
      this._connections = 0;
      this._id = 0;
    }
    _event(name, a) {
      switch (name) {
        case 'listening': this._address = { address: a[0], family: a[2], port: a[1] }; this.listening = true; this.emit('listening'); break;
        case 'connection': {
          const s = acceptedSocket(this, a);
          this._connections++;
          s.once('close', () => { this._connections--; });
          this.emit('connection', s);
          break;
        }
        case 'error': this.emit('error', sysError(a, 'listen', this._host, this._port, true)); break;
        case 'close': this.listening = false; this._id = 0; this.emit('close'); break;
      }
    }
    listen(...args) {
      const { port, host, backlog, cb } = listenArgs(args);
      if (this.listening) { const e = makeError('Listen method has been called more than once without closing.', 'ERR_SERVER_ALREADY_LISTEN'); throw e; }
      if (cb) this.once('listening', cb);
      this._host = host === undefined ? '::' : host === 'localhost' ? '127.0.0.1' : String(host);
      this._port = port;
      this._id = register((name, ...x) => this._event(name, x));
      native.netListen(this._id, port, this._host, backlog);
      return this;
    }
    address() { return this._address && this.listening ? Object.assign({}, this._address) : null; }
    close(cb) {
      if (cb) { if (this.listening) this.once('close', cb); else process.nextTick(cb, makeError('Server is not running.', 'ERR_SERVER_NOT_RUNNING')); }
      if (this.listening) { this.listening = false; native.netServerClose(this._id); }
      return this;
    }
    getConnections(cb) { process.nextTick(cb, null, this._connections); return this; }
    ref() { if (this._id) native.netServerRef(this._id, true); return this; }
    unref() { if (this._id) native.netServerRef(this._id, false); return this; }
  }
  function createConnection(...args) {
    const o = args[0] !== null && typeof args[0] === 'object' ? args[0] : {};
    return new Socket(o).connect(...args);
  }
  const netMod = {
    createServer: (opts, listener) => new NetServer(opts, listener), Server: NetServer, Socket, Stream: Socket,
    connect: createConnection, createConnection,
    isIP: (s) => (/^(\d{1,3}\.){3}\d{1,3}$/.test(s) ? 4 : /^[0-9a-f:]+$/i.test(s) && s.includes(':') ? 6 : 0),
    isIPv4: (s) => netMod.isIP(s) === 4, isIPv6: (s) => netMod.isIP(s) === 6,
  };
