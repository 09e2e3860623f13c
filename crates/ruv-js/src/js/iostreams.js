// part of the bootstrap (see base.js), after fsx.js: fs.ReadStream and fs.WriteStream
// (createReadStream, createWriteStream) and zlib's stream classes (createGzip …) on the Rust
// streams of src/streams.rs, zlib's error fields, and dns's lookup options and resolve4/6.

  // ---- the Rust side of one stream -----------------------------------------------------
  // Its id is the id of its callback; nothing names it once its `close` came (the id is then
  // free for reuse), and `_destroy` waits for that close.
  function rustSide(on) {
    const st = { id: 0, closed: false, paused: true, written: null, final: null, onClose: null };
    st.id = register((ev, a) => {
      if (ev === 'data') on.data(Buffer._wrap(a));
      else if (ev === 'written' || ev === 'finish') {
        const key = ev === 'written' ? 'written' : 'final';
        const cb = st[key];
        st[key] = null;
        if (cb) cb();
      } else if (ev === 'close') {
        st.closed = true;
        const f = st.onClose;
        st.onClose = null;
        if (f) f();
      } else if (on[ev]) on[ev](a);
    });
    return st;
  }
  // the constructor native refused an option: no Rust stream was made
  function noRustSide(st) { st.closed = true; forget(st.id); }
  const rust = {
    // the output is wanted (`_read`) / the buffer is full (`push` said false)
    pull(st) { if (st.paused && !st.closed) { st.paused = false; native.streamPause(st.id, false); } },
    hold(st) { if (!st.paused && !st.closed) { st.paused = true; native.streamPause(st.id, true); } },
    write(st, chunk, done) { if (st.closed) return; st.written = done; native.streamData(st.id, own(chunk)); },
    end(st, done) { if (st.closed) { done(); return; } st.final = done; native.streamEnd(st.id); },
    destroy(st, err, cb) {
      if (st.closed) { cb(err); return; }
      st.onClose = () => cb(err);
      native.streamDestroy(st.id);
    },
  };
  function numberOpt(o, k, name) {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number') throw invalidArgType(name || k, 'of type number', v);
    return v;
  }
  // start/end of a read stream, checked as Node's
  function rangeOpt(o, k) {
    const v = numberOpt(o, k);
    if (v === undefined || v === Infinity) return v;
    if (!Number.isInteger(v)) throw outOfRange(k, 'an integer', v);
    if (v < 0 || v > Number.MAX_SAFE_INTEGER) throw outOfRange(k, '>= 0 && <= 9007199254740991', v);
    return v;
  }

  // ---- fs.ReadStream -------------------------------------------------------------------
  class ReadStream extends Readable {
    constructor(path, options) {
      const o = typeof options === 'string' ? { encoding: options } : options || {};
      const hwm = numberOpt(o, 'highWaterMark');
      super({ highWaterMark: hwm === undefined ? 64 * 1024 : hwm, encoding: o.encoding, emitClose: o.emitClose, autoDestroy: o.autoClose !== false });
      const fd = o.fd === undefined || o.fd === null ? null : o.fd;
      this.path = fd === null ? toPath(path) : undefined;
      this.fd = fd;
      this.flags = o.flags === undefined ? 'r' : o.flags;
      this.mode = o.mode === undefined ? 0o666 : o.mode;
      this.start = rangeOpt(o, 'start');
      this.end = rangeOpt(o, 'end');
      if (this.end === undefined) this.end = Infinity;
      if (this.start !== undefined && this.start > this.end) throw outOfRange('start', `<= "end" (here: ${this.end})`, this.start);
      this.pos = this.start;
      this.bytesRead = 0;
      const st = this._rust = rustSide({
        open: (fd) => { this.fd = fd; this.emit('open', fd); this.emit('ready'); },
        data: (chunk) => { this.bytesRead += chunk.length; if (!this.push(chunk)) rust.hold(st); },
        end: () => this.push(null),
        error: (spec) => this.destroy(fsError(spec)),
      });
      const nums = [this.mode, this.start === undefined ? -1 : this.start, this.end === Infinity ? -1 : this.end, this._readableState.highWaterMark, fd === null ? -1 : fd];
      const r = native.streamRead(st.id, this.path || '', this.flags, nums);
      if (r !== null) { noRustSide(st); process.nextTick(() => this.destroy(fsError(r))); }
    }
    get pending() { return this.fd === null; }
    _read() { rust.pull(this._rust); }
    _destroy(err, cb) { rust.destroy(this._rust, err, (e) => { this.fd = null; cb(e); }); }
    close(cb) { if (typeof cb === 'function') finished(this, cb); this.destroy(); }
  }

  // ---- fs.WriteStream ------------------------------------------------------------------
  class WriteStream extends Writable {
    constructor(path, options) {
      const o = typeof options === 'string' ? { encoding: options } : options || {};
      const hwm = numberOpt(o, 'highWaterMark');
      super({ highWaterMark: hwm, decodeStrings: true, defaultEncoding: o.encoding, emitClose: o.emitClose, autoDestroy: o.autoClose !== false });
      const fd = o.fd === undefined || o.fd === null ? null : o.fd;
      this.path = fd === null ? toPath(path) : undefined;
      this.fd = fd;
      this.flags = o.flags === undefined ? 'w' : o.flags;
      this.mode = o.mode === undefined ? 0o666 : o.mode;
      this.start = rangeOpt(o, 'start');
      this.pos = this.start;
      this.bytesWritten = 0;
      const st = this._rust = rustSide({
        open: (fd) => { this.fd = fd; this.emit('open', fd); this.emit('ready'); },
        error: (spec) => this.destroy(fsError(spec)),
      });
      const nums = [this.mode, this.start === undefined ? -1 : this.start, this._writableState.highWaterMark, fd === null ? -1 : fd];
      const r = native.streamWrite(st.id, this.path || '', this.flags, nums);
      if (r !== null) { noRustSide(st); process.nextTick(() => this.destroy(fsError(r))); }
    }
    get pending() { return this.fd === null; }
    _write(chunk, enc, cb) { rust.write(this._rust, chunk, () => { this.bytesWritten += chunk.length; cb(); }); }
    _writev(list, cb) { this._write(Buffer.concat(list.map((b) => b.chunk)), 'buffer', cb); }
    _final(cb) { rust.end(this._rust, cb); }
    _destroy(err, cb) { rust.destroy(this._rust, err, (e) => { this.fd = null; cb(e); }); }
    close(cb) {
      if (cb) { if (this.closed) { process.nextTick(cb); return; } this.on('close', cb); }
      if (!this._writableState.ending) this.end(); else if (this._writableState.finished) this.destroy();
    }
    destroySoon() { this.end(); }
  }

  Object.assign(fsMod, {
    ReadStream, WriteStream,
    createReadStream: (path, options) => new ReadStream(path, options),
    createWriteStream: (path, options) => new WriteStream(path, options),
  });

  // ---- zlib: errors as Node's, and the stream classes ------------------------------------
  const Z_ERRNO = { Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6 };
  // zlib's own failures: the message without the code, zlib's errno
  function zlibError(spec) {
    const [message, code] = spec;
    if (!Object.prototype.hasOwnProperty.call(Z_ERRNO, code)) return typedNativeError(spec);
    const e = new Error(message.startsWith(code + ': ') ? message.slice(code.length + 2) : message);
    e.errno = Z_ERRNO[code];
    e.code = code;
    return e;
  }
  const ZLIB_MODES = { Deflate: 'deflate', Inflate: 'inflate', Gzip: 'gzip', Gunzip: 'gunzip', DeflateRaw: 'deflateRaw', InflateRaw: 'inflateRaw', Unzip: 'unzip' };
  for (const mode of Object.values(ZLIB_MODES)) {
    zlibMod[mode + 'Sync'] = function (buf) {
      const r = native.zlibSync(mode, own(toData(buf)));
      if (!(r instanceof ArrayBuffer)) throw zlibError(r);
      return Buffer._wrap(r);
    };
    zlibMod[mode] = function (buf, opts, cb) {
      if (typeof opts === 'function') cb = opts;
      checkFunction(cb, 'callback');
      native.zlib(mode, own(toData(buf)), register((err, ab) => (err ? cb(zlibError(err)) : cb(null, Buffer._wrap(ab)))));
    };
  }
  class ZlibBase extends Transform {
    constructor(mode, opts) {
      const o = opts || {};
      const nums = ['level', 'windowBits', 'memLevel', 'strategy', 'chunkSize'].map((k) => {
        const v = numberOpt(o, k, 'options.' + k);
        return v === undefined ? NaN : v;
      });
      super({ ...o, autoDestroy: true });
      this.bytesWritten = 0;
      this._level = Number.isNaN(nums[0]) ? -1 : nums[0];
      this._strategy = Number.isNaN(nums[3]) ? 0 : nums[3];
      // a transform works on its input until its readable side is full
      const st = this._rust = rustSide({
        data: (chunk) => { if (!this.push(chunk)) rust.hold(st); },
        end: () => this.push(null),
        error: (spec) => this.destroy(zlibError(spec)),
      });
      st.paused = false;
      const r = native.zlibStream(st.id, mode, nums);
      if (r !== null) { noRustSide(st); throw typedNativeError(r); }
    }
    _write(chunk, enc, cb) { rust.write(this._rust, chunk, () => { this.bytesWritten += chunk.length; cb(); }); }
    _final(cb) { rust.end(this._rust, cb); }
    _read() { rust.pull(this._rust); }
    _destroy(err, cb) { rust.destroy(this._rust, err, cb); }
    // Z_FULL_FLUSH after what was written; `cb` once the flush is handed over
    flush(kind, cb) {
      if (typeof kind === 'function') cb = kind;
      if (!this._rust.closed && !this.writableEnded) native.streamFlush(this._rust.id);
      if (typeof cb === 'function') process.nextTick(cb);
    }
    close(cb) { if (typeof cb === 'function') finished(this, () => cb()); this.destroy(); }
    params(level, strategy, cb) { this._level = level; this._strategy = strategy; if (typeof cb === 'function') process.nextTick(cb); }
    reset() {}
    get bytesRead() { return this.bytesWritten; }
  }
  for (const [name, mode] of Object.entries(ZLIB_MODES)) {
    const C = { [name]: class extends ZlibBase { constructor(opts) { super(mode, opts); } } }[name];
    zlibMod[name] = C;
    zlibMod['create' + name] = (opts) => new C(opts);
  }
  if (!zlibMod.constants) {
    zlibMod.constants = {
      Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5,
      Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
      Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1,
      Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0,
      Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15, Z_DEFAULT_WINDOWBITS: 15, Z_MIN_CHUNK: 64, Z_DEFAULT_CHUNK: 16384,
      Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9, Z_DEFAULT_MEMLEVEL: 8, Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1,
    };
  }
