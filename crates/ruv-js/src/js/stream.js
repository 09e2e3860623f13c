// part of the bootstrap (see base.js): the `stream` module — Readable, Writable, Duplex,
// Transform, PassThrough, pipeline, finished, Readable.from — with Node's event order where a
// script can see it (end before close, finish before close, error then close).
  const nop = () => {};
  function streamError(message, code, Ctor) { return makeError(message, code, Ctor); }
  function tick(fn, ...args) { process.nextTick(fn, ...args); }

  // a utf8 decoder that keeps an incomplete character for the next chunk
  class StringDecoder {
    constructor(enc) { this.encoding = normEnc(enc); this._rest = null; }
    write(b) {
      if (this.encoding !== 'utf8') return Buffer.from(b).toString(this.encoding);
      if (this._rest) { b = Buffer.concat([this._rest, b]); this._rest = null; }
      let cut = b.length;
      for (let i = Math.max(0, b.length - 3); i < b.length; i++) {
        const c = b[i];
        const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
        if (need && i + need > b.length) { cut = i; break; }
      }
      if (cut < b.length) this._rest = Buffer.from(b.subarray(cut));
      return b.toString('utf8', 0, cut);
    }
    end(b) { let s = b ? this.write(b) : ''; if (this._rest) { s += this._rest.toString('utf8'); this._rest = null; } return s; }
  }

  function toChunk(chunk, enc, objectMode) {
    if (objectMode || chunk instanceof Buffer) return chunk;
    if (typeof chunk === 'string') return Buffer.from(chunk, enc);
    if (ArrayBuffer.isView(chunk)) return Buffer.from(chunk);
    throw invalidArgType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk);
  }

  // ---- destroy, shared by both sides ----------------------------------------------------
  function destroyStream(err, cb) {
    const r = this._readableState, w = this._writableState;
    const s = r || w;
    if ((r && r.destroyed) || (w && w.destroyed)) { if (typeof cb === 'function') cb(); return this; }
    if (err) { if (r && !r.errored) r.errored = err; if (w && !w.errored) w.errored = err; }
    if (r) r.destroyed = true;
    if (w) w.destroyed = true;
    const self = this;
    let called = false;
    this._destroy(err || null, (er) => {
      if (called) return;
      called = true;
      if (er) { if (r && !r.errored) r.errored = er; if (w && !w.errored) w.errored = er; }
      if (r) r.closed = true;
      if (w) w.closed = true;
      if (typeof cb === 'function') cb(er);
      if (w && w.onFinished.length) for (const f of w.onFinished.splice(0)) f(er || makeError('Cannot call end after a stream was destroyed', 'ERR_STREAM_DESTROYED'));
      tick(() => {
        if (er && !s.errorEmitted) { if (r) r.errorEmitted = true; if (w) w.errorEmitted = true; self.emit('error', er); }
        if (s.emitClose) self.emit('close', ...(self._closeArgs ? self._closeArgs() : []));
      });
    });
    return this;
  }
  // an error during the stream's work: destroyed when it destroys itself, else emitted
  function errorOrDestroy(stream, err) {
    const r = stream._readableState, w = stream._writableState;
    if ((r && r.destroyed) || (w && w.destroyed)) return;
    if ((r && r.autoDestroy) || (w && w.autoDestroy)) stream.destroy(err);
    else if (err) {
      if (r) r.errored = err;
      if (w) w.errored = err;
      tick(() => stream.emit('error', err));
    }
  }

  // ---- Readable ----------------------------------------------------------------------
  // a Readable built with LAZY makes its state on first use (http's per-request messages)
  const LAZY = {};
  function readableState(o) {
    const objectMode = !!(o.objectMode || o.readableObjectMode);
    return {
      objectMode, highWaterMark: o.highWaterMark !== undefined ? o.highWaterMark : o.readableHighWaterMark !== undefined ? o.readableHighWaterMark : objectMode ? 16 : 16384,
      buffer: [], length: 0, flowing: null, ended: false, endEmitted: false, reading: false, sync: true,
      needReadable: false, emittedReadable: false, readableListening: false, resumeScheduled: false,
      destroyed: false, closed: false, errored: null, errorEmitted: false, decoder: null, encoding: null,
      autoDestroy: o.autoDestroy !== false, emitClose: o.emitClose !== false, pipes: [], dataEmitted: false, readingMore: false,
    };
  }
  class Readable extends EventEmitter {
    constructor(opts) {
      super();
      if (opts === LAZY) return;
      const o = opts || {};
      this._readableState = readableState(o);
      if (o.encoding) this.setEncoding(o.encoding);
      if (typeof o.read === 'function') this._read = o.read;
      if (typeof o.destroy === 'function') this._destroy = o.destroy;
      if (o.signal) o.signal.addEventListener && o.signal.addEventListener('abort', () => this.destroy(makeError('The operation was aborted', 'ABORT_ERR')));
    }
    _read() { throw makeError('The _read() method is not implemented', 'ERR_METHOD_NOT_IMPLEMENTED'); }
    _destroy(err, cb) { cb(err); }
    destroy(err, cb) { return destroyStream.call(this, err, cb); }
    get destroyed() { const r = this._readableState; return r.destroyed; }
    set destroyed(v) { this._readableState.destroyed = v; }
    get readable() { const r = this._readableState; return !r.destroyed && !r.errored && !r.endEmitted; }
    set readable(v) { /* Node lets it be set; kept for compatibility */ }
    get readableEnded() { return this._readableState.endEmitted; }
    get readableFlowing() { return this._readableState.flowing; }
    set readableFlowing(v) { this._readableState.flowing = v; }
    get readableLength() { return this._readableState.length; }
    get readableHighWaterMark() { return this._readableState.highWaterMark; }
    get readableObjectMode() { return this._readableState.objectMode; }
    get readableEncoding() { return this._readableState.encoding; }
    get errored() { return this._readableState.errored; }
    get closed() { return this._readableState.closed; }
    isPaused() { return this._readableState.flowing === false; }
    setEncoding(enc) {
      const r = this._readableState;
      r.decoder = new StringDecoder(enc);
      r.encoding = r.decoder.encoding;
      if (r.length) {
        const s = r.buffer.map((b) => (typeof b === 'string' ? b : r.decoder.write(b))).join('');
        r.buffer = s ? [s] : [];
        r.length = s.length;
      }
      return this;
    }
    push(chunk, enc) { return addChunk(this, chunk, enc, false); }
    unshift(chunk, enc) { return addChunk(this, chunk, enc, true); }
    read(n) {
      const r = this._readableState;
      if (n === undefined) n = NaN;
      else n = Number(n);
      const n0 = n;
      if (n > r.highWaterMark) r.highWaterMark = Math.max(r.highWaterMark, 2 ** Math.ceil(Math.log2(n)));
      if (n !== 0) r.emittedReadable = false;
      if (n === 0 && r.needReadable && ((r.highWaterMark !== 0 ? r.length >= r.highWaterMark : r.length > 0) || r.ended)) {
        if (r.length === 0 && r.ended) endReadable(this); else emitReadable(this);
        return null;
      }
      n = howMuch(r, n);
      if (n === 0 && r.ended) { if (r.length === 0) endReadable(this); return null; }
      let doRead = r.needReadable;
      if (r.length === 0 || r.length - n < r.highWaterMark) doRead = true;
      if (r.ended || r.reading || r.destroyed || r.errored) doRead = false;
      else if (doRead) {
        r.reading = true;
        r.sync = true;
        if (r.length === 0) r.needReadable = true;
        try { this._read(r.highWaterMark); } catch (e) { errorOrDestroy(this, e); }
        r.sync = false;
        if (!r.reading) n = howMuch(r, n0);
      }
      let ret = n > 0 ? take(r, n) : null;
      if (ret === null) { r.needReadable = r.length <= r.highWaterMark; n = 0; } else { r.length -= r.objectMode ? 1 : ret.length; }
      if (r.length === 0) {
        if (!r.ended) r.needReadable = true;
        if (n0 !== n && r.ended) endReadable(this);
      }
      if (ret !== null && !r.errorEmitted && !r.closeEmitted) { r.dataEmitted = true; this.emit('data', ret); }
      return ret;
    }
    on(ev, fn) {
      const res = super.on(ev, fn);
      const r = this._readableState;
      if (ev === 'data') {
        r.readableListening = this.listenerCount('readable') > 0;
        if (r.flowing !== false) this.resume();
      } else if (ev === 'readable') {
        if (!r.endEmitted && !r.readableListening) {
          r.readableListening = r.needReadable = true;
          r.flowing = false;
          r.emittedReadable = false;
          if (r.length) emitReadable(this);
          else if (!r.reading) tick(() => this.read(0));
        }
      }
      return res;
    }
    addListener(ev, fn) { return this.on(ev, fn); }
    removeListener(ev, fn) {
      const res = super.removeListener(ev, fn);
      if (ev === 'readable') tick(() => updateReadableListening(this));
      return res;
    }
    off(ev, fn) { return this.removeListener(ev, fn); }
    resume() {
      const r = this._readableState;
      if (!r.flowing) {
        r.flowing = !r.readableListening;
        if (!r.resumeScheduled) {
          r.resumeScheduled = true;
          tick(() => {
            if (!r.reading) this.read(0);
            r.resumeScheduled = false;
            this.emit('resume');
            flow(this);
            if (r.flowing && !r.reading) this.read(0);
          });
        }
      }
      return this;
    }
    pause() {
      const r = this._readableState;
      if (r.flowing !== false) { r.flowing = false; this.emit('pause'); }
      return this;
    }
    pipe(dest, opts) {
      const src = this, r = this._readableState;
      r.pipes.push(dest);
      const doEnd = (!opts || opts.end !== false) && dest !== process.stdout && dest !== process.stderr;
      let awaitDrain = false;
      const ondata = (chunk) => {
        if (dest.write(chunk) === false && !awaitDrain) { awaitDrain = true; src.pause(); dest.once('drain', ondrain); }
      };
      const ondrain = () => { awaitDrain = false; if (!src.destroyed) src.resume(); };
      const onend = () => { if (doEnd) dest.end(); };
      const cleanup = () => {
        src.removeListener('data', ondata); src.removeListener('end', onend);
        dest.removeListener('drain', ondrain); dest.removeListener('close', onclose); dest.removeListener('finish', onfinish);
        dest.removeListener('error', onerror);
      };
      const onerror = (er) => { src.unpipe(dest); dest.removeListener('error', onerror); if (dest.listenerCount('error') === 0) errorOrDestroy(dest, er); };
      const onclose = () => { dest.removeListener('finish', onfinish); src.unpipe(dest); };
      const onfinish = () => { dest.removeListener('close', onclose); src.unpipe(dest); };
      dest._pipeCleanup = dest._pipeCleanup || new Map();
      dest._pipeCleanup.set(src, cleanup);
      src.on('data', ondata);
      src.once('end', onend);
      dest.prependListener('error', onerror);
      dest.once('close', onclose);
      dest.once('finish', onfinish);
      dest.emit('pipe', src);
      if (dest.writableNeedDrain === true) { if (r.flowing) src.pause(); awaitDrain = true; dest.once('drain', ondrain); } else if (!r.flowing) src.resume();
      return dest;
    }
    unpipe(dest) {
      const r = this._readableState;
      const list = dest ? [dest] : r.pipes.slice();
      for (const d of list) {
        const i = r.pipes.indexOf(d);
        if (i < 0) continue;
        r.pipes.splice(i, 1);
        const c = d._pipeCleanup && d._pipeCleanup.get(this);
        if (c) { d._pipeCleanup.delete(this); c(); }
        d.emit('unpipe', this);
      }
      if (r.pipes.length === 0) this.pause();
      return this;
    }
    [Symbol.asyncIterator]() { return readableIterator(this); }
    static from(iterable, opts) { return readableFrom(iterable, opts); }
  }
  Readable.prototype.wrap = function () { return this; };

  function updateReadableListening(s) {
    const r = s._readableState;
    r.readableListening = s.listenerCount('readable') > 0;
    if (r.resumeScheduled && !r.paused) r.flowing = true;
    else if (s.listenerCount('data') > 0) s.resume();
    else if (!r.readableListening) r.flowing = null;
  }
  function howMuch(r, n) {
    if (n <= 0 || (r.length === 0 && r.ended)) return 0;
    if (r.objectMode) return 1;
    if (Number.isNaN(n)) return r.flowing && r.length ? r.buffer[0].length : r.length;
    if (n <= r.length) return n;
    return r.ended ? r.length : 0;
  }
  // takes n bytes (or characters, or one object) off the buffer
  function take(r, n) {
    if (r.objectMode) return r.buffer.shift();
    if (n >= r.length) {
      const all = r.decoder ? r.buffer.join('') : r.buffer.length === 1 ? r.buffer[0] : Buffer.concat(r.buffer);
      r.buffer = [];
      return all;
    }
    const parts = [];
    let got = 0;
    while (got < n) {
      const b = r.buffer[0];
      const want = n - got;
      if (b.length <= want) { parts.push(b); got += b.length; r.buffer.shift(); } else { parts.push(b.slice(0, want)); r.buffer[0] = b.slice(want); got += want; }
    }
    return r.decoder ? parts.join('') : Buffer.concat(parts);
  }
  function addChunk(s, chunk, enc, front) {
    const r = s._readableState;
    if (chunk === null) {
      r.reading = false;
      if (!r.ended) {
        if (r.decoder) { const rest = r.decoder.end(); if (rest) { r.buffer.push(rest); r.length += rest.length; } }
        r.ended = true;
        if (r.sync) emitReadable(s); else { r.needReadable = false; r.emittedReadable = true; emitReadableNow(s); }
      }
      return false;
    }
    if (!r.objectMode) {
      if (typeof chunk === 'string') {
        if (!r.decoder || (enc && normEnc(enc) !== r.encoding)) chunk = Buffer.from(chunk, enc);
      } else if (!(chunk instanceof Buffer)) chunk = toChunk(chunk, enc, false);
    }
    if (r.ended && !front) { errorOrDestroy(s, streamError('stream.push() after EOF', 'ERR_STREAM_PUSH_AFTER_EOF')); return false; }
    if (r.destroyed || r.errored) return false;
    if (!front) r.reading = false;
    if (r.decoder && !r.objectMode && typeof chunk !== 'string') chunk = r.decoder.write(chunk);
    const len = r.objectMode ? 1 : chunk.length;
    if (!r.objectMode && len === 0) { r.reading = false; maybeReadMore(s); return r.length < r.highWaterMark; }
    if (r.flowing && r.length === 0 && !r.sync && s.listenerCount('data') > 0) {
      r.dataEmitted = true;
      s.emit('data', chunk);
    } else {
      r.length += len;
      if (front) r.buffer.unshift(chunk); else r.buffer.push(chunk);
      if (r.needReadable) emitReadable(s);
    }
    maybeReadMore(s);
    return r.length < r.highWaterMark || r.length === 0;
  }
  function emitReadable(s) {
    const r = s._readableState;
    r.needReadable = false;
    if (!r.emittedReadable) { r.emittedReadable = true; tick(emitReadableNow, s); }
  }
  function emitReadableNow(s) {
    const r = s._readableState;
    if (!r.destroyed && !r.errored && (r.length || r.ended)) { s.emit('readable'); r.emittedReadable = false; }
    r.needReadable = !r.flowing && !r.ended && r.length <= r.highWaterMark;
    flow(s);
  }
  function flow(s) {
    const r = s._readableState;
    while (r.flowing && s.read() !== null);
  }
  function maybeReadMore(s) {
    const r = s._readableState;
    if (!r.readingMore) {
      r.readingMore = true;
      tick(() => {
        while (!r.reading && !r.ended && (r.length < r.highWaterMark || (r.flowing && r.length === 0))) {
          const len = r.length;
          s.read(0);
          if (len === r.length) break;
        }
        r.readingMore = false;
      });
    }
  }
  function endReadable(s) {
    const r = s._readableState;
    if (!r.endEmitted) {
      r.ended = true;
      tick(() => {
        if (!r.errored && !r.closeEmitted && !r.endEmitted && r.length === 0) {
          r.endEmitted = true;
          s.emit('end');
          const w = s._writableState;
          if (w && !w.ended && !s.allowHalfOpen) s.end();
          else if (r.autoDestroy && (!w || (w.autoDestroy && (w.finished || w.writable === false)))) s.destroy();
        }
      });
    }
  }

  function readableIterator(stream) {
    let wake = nop, error;
    const next = (resolve) => { if (resolve === undefined) { wake(); wake = nop; } else wake = resolve; };
    stream.on('readable', () => next());
    finished(stream, { writable: false }, (err) => { error = err || null; wake(); wake = nop; });
    const it = {
      async next() {
        for (;;) {
          const chunk = stream.destroyed ? null : stream.read();
          if (chunk !== null) return { value: chunk, done: false };
          if (error) throw error;
          if (error === null) return { value: undefined, done: true };
          await new Promise(next);
        }
      },
      async return() { if (!stream.readableEnded) stream.destroy(); return { value: undefined, done: true }; },
      [Symbol.asyncIterator]() { return it; },
    };
    return it;
  }

  function readableFrom(iterable, opts) {
    if (typeof iterable === 'string' || iterable instanceof Buffer) {
      return new Readable({ objectMode: true, ...opts, read() { this.push(iterable); this.push(null); } });
    }
    let iterator, isAsync;
    if (iterable && typeof iterable[Symbol.asyncIterator] === 'function') { isAsync = true; iterator = iterable[Symbol.asyncIterator](); } else if (iterable && typeof iterable[Symbol.iterator] === 'function') { isAsync = false; iterator = iterable[Symbol.iterator](); } else throw invalidArgType('iterable', 'an Iterable', iterable);
    let reading = false;
    const readable = new Readable({
      objectMode: true, highWaterMark: 1, ...opts,
      read() { if (!reading) { reading = true; pull(); } },
      destroy(err, cb) {
        const done = () => cb(err);
        if (typeof iterator.return === 'function') Promise.resolve().then(() => iterator.return()).then(done, done); else cb(err);
      },
    });
    async function pull() {
      for (;;) {
        try {
          const { value, done } = isAsync ? await iterator.next() : iterator.next();
          if (done) { readable.push(null); return; }
          const v = value && typeof value.then === 'function' ? await value : value;
          if (v === null) { reading = false; throw makeError('May not write null values to stream', 'ERR_STREAM_NULL_VALUES', TypeError); }
          if (readable.push(v)) continue;
          reading = false;
        } catch (e) { readable.destroy(e); }
        return;
      }
    }
    return readable;
  }
