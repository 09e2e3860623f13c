// part of the bootstrap (see base.js), after stream.js: Writable, Duplex, Transform,
// PassThrough, finished and pipeline, and the `stream` module object.
  function writableState(o, self) {
    const objectMode = !!(o.objectMode || o.writableObjectMode);
    return {
      objectMode, highWaterMark: o.highWaterMark !== undefined ? o.highWaterMark : o.writableHighWaterMark !== undefined ? o.writableHighWaterMark : objectMode ? 16 : 16384,
      decodeStrings: o.decodeStrings !== false, defaultEncoding: o.defaultEncoding || 'utf8',
      length: 0, writing: false, corked: 0, sync: true, buffered: [], writecb: null, writelen: 0,
      needDrain: false, ending: false, ended: false, finished: false, finalCalled: false, prefinished: false,
      pendingcb: 0, destroyed: false, closed: false, errored: null, errorEmitted: false,
      autoDestroy: o.autoDestroy !== false, emitClose: o.emitClose !== false, afterWriteCbs: [], onFinished: [],
    };
  }
  function initWritable(self, o) {
    self._writableState = writableState(o, self);
    if (typeof o.write === 'function') self._write = o.write;
    if (typeof o.writev === 'function') self._writev = o.writev;
    if (typeof o.final === 'function') self._final = o.final;
    if (typeof o.destroy === 'function') self._destroy = o.destroy;
  }

  const writableMethods = {
    write(chunk, enc, cb) {
      const w = this._writableState;
      if (typeof enc === 'function') { cb = enc; enc = w.defaultEncoding; } else if (!enc) enc = w.defaultEncoding;
      if (typeof cb !== 'function') cb = nop;
      if (chunk === null) throw makeError('May not write null values to stream', 'ERR_STREAM_NULL_VALUES', TypeError);
      if (!w.objectMode) {
        if (typeof chunk === 'string') { if (w.decodeStrings) { chunk = Buffer.from(chunk, enc); enc = 'buffer'; } } else if (chunk instanceof Buffer || ArrayBuffer.isView(chunk)) { chunk = toChunk(chunk); enc = 'buffer'; } else throw invalidArgType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk);
      }
      let err;
      if (w.ending) err = makeError('write after end', 'ERR_STREAM_WRITE_AFTER_END');
      else if (w.destroyed) err = makeError('Cannot call write after a stream was destroyed', 'ERR_STREAM_DESTROYED');
      if (err) { tick(cb, err); errorOrDestroy(this, err); return false; }
      w.pendingcb++;
      const len = w.objectMode ? 1 : chunk.length;
      w.length += len;
      // as Node: measured after a `_write` that may have completed synchronously
      if (w.writing || w.corked || w.errored) w.buffered.push({ chunk, encoding: enc, callback: cb });
      else doWrite(this, w, chunk, enc, cb, len);
      const ret = w.length < w.highWaterMark;
      if (!ret) w.needDrain = true;
      return ret && !w.errored && !w.destroyed;
    },
    end(chunk, enc, cb) {
      const w = this._writableState;
      if (typeof chunk === 'function') { cb = chunk; chunk = null; enc = null; } else if (typeof enc === 'function') { cb = enc; enc = null; }
      if (chunk !== null && chunk !== undefined) this.write(chunk, enc);
      if (w.corked) { w.corked = 1; this.uncork(); }
      let err;
      if (!w.errored && !w.ending) { w.ending = true; finishMaybe(this, w, true); w.ended = true; } else if (w.finished) err = makeError('Stream is already finished', 'ERR_STREAM_ALREADY_FINISHED'); else if (w.destroyed) err = makeError('Cannot call end after a stream was destroyed', 'ERR_STREAM_DESTROYED');
      if (typeof cb === 'function') {
        if (err || w.finished) tick(cb, err);
        else w.onFinished.push(cb);
      }
      return this;
    },
    cork() { this._writableState.corked++; },
    uncork() { const w = this._writableState; if (w.corked) { w.corked--; if (!w.writing) clearBuffer(this, w); } },
    setDefaultEncoding(enc) { this._writableState.defaultEncoding = normEnc(enc); return this; },
    _writev: null,
    _write(chunk, enc, cb) {
      if (this._writev) this._writev([{ chunk, encoding: enc }], cb);
      else throw makeError('The _write() method is not implemented', 'ERR_METHOD_NOT_IMPLEMENTED');
    },
  };
  const writableGetters = {
    writable() { const w = this._writableState; return !w.destroyed && !w.errored && !w.ending; },
    writableEnded() { return this._writableState.ending; },
    writableFinished() { return this._writableState.finished; },
    writableLength() { return this._writableState.length; },
    writableHighWaterMark() { return this._writableState.highWaterMark; },
    writableObjectMode() { return this._writableState.objectMode; },
    writableCorked() { return this._writableState.corked; },
    writableNeedDrain() { const w = this._writableState; return !w.destroyed && !w.ending && w.needDrain; },
  };
  function addWritable(proto) {
    for (const k of Object.keys(writableMethods)) if (!Object.prototype.hasOwnProperty.call(proto, k)) proto[k] = writableMethods[k];
    for (const k of Object.keys(writableGetters)) Object.defineProperty(proto, k, { get: writableGetters[k], configurable: true });
  }

  function doWrite(s, w, chunk, enc, cb, len) {
    w.writelen = len;
    w.writecb = cb;
    w.writing = true;
    w.sync = true;
    if (w.destroyed) onwrite(s, w, makeError('Cannot call write after a stream was destroyed', 'ERR_STREAM_DESTROYED'));
    else s._write(chunk, enc, (er) => onwrite(s, w, er));
    w.sync = false;
  }
  function onwrite(s, w, er) {
    const cb = w.writecb;
    if (typeof cb !== 'function') { errorOrDestroy(s, makeError('Callback called multiple times', 'ERR_MULTIPLE_CALLBACK')); return; }
    w.writing = false;
    w.writecb = null;
    w.length -= w.writelen;
    w.writelen = 0;
    if (er) {
      if (!w.errored) w.errored = er;
      for (const b of w.buffered.splice(0)) { w.length -= w.objectMode ? 1 : b.chunk.length; tick(b.callback, er); }
      if (w.sync) tick(cb, er); else cb(er);
      errorOrDestroy(s, er);
      return;
    }
    if (w.buffered.length) clearBuffer(s, w);
    if (w.sync) {
      w.afterWriteCbs.push(cb);
      if (w.afterWriteCbs.length === 1) tick(() => { const cbs = w.afterWriteCbs.splice(0); afterWrite(s, w, cbs); });
    } else afterWrite(s, w, [cb]);
  }
  function afterWrite(s, w, cbs) {
    if (!w.ending && !s.destroyed && w.length === 0 && w.needDrain) { w.needDrain = false; s.emit('drain'); }
    for (const cb of cbs) { w.pendingcb--; cb(); }
    if (w.destroyed) return;
    finishMaybe(s, w);
  }
  function clearBuffer(s, w) {
    if (w.corked || w.destroyed || w.writing || !w.buffered.length) return;
    if (w.buffered.length > 1 && s._writev) {
      const list = w.buffered.splice(0);
      w.pendingcb -= list.length - 1;
      const len = w.objectMode ? list.length : list.reduce((n, b) => n + b.chunk.length, 0);
      const cb = (er) => { for (const b of list) b.callback(er); };
      w.writelen = len;
      w.writecb = cb;
      w.writing = true;
      w.sync = true;
      s._writev(list, (er) => onwrite(s, w, er));
      w.sync = false;
    } else {
      while (w.buffered.length && !w.writing) {
        const { chunk, encoding, callback } = w.buffered.shift();
        doWrite(s, w, chunk, encoding, callback, w.objectMode ? 1 : chunk.length);
      }
    }
  }
  function needFinish(w) { return w.ending && !w.destroyed && w.length === 0 && !w.errored && !w.buffered.length && !w.finished && !w.writing && !w.errorEmitted && !w.closeEmitted; }
  function finishMaybe(s, w, sync) {
    if (!needFinish(w)) return;
    if (!w.prefinished && !w.finalCalled) {
      if (typeof s._final === 'function' && !w.destroyed) {
        w.finalCalled = true;
        w.pendingcb++;
        w.sync = true;
        let called = false;
        const done = (er) => {
          if (called) return;
          called = true;
          w.pendingcb--;
          if (er) { for (const f of w.onFinished.splice(0)) f(er); errorOrDestroy(s, er); return; }
          if (needFinish(w)) { w.prefinished = true; s.emit('prefinish'); w.pendingcb++; tick(finish, s, w); }
        };
        try { s._final(done); } catch (e) { done(e); }
        w.sync = false;
        return;
      }
      w.prefinished = true;
      s.emit('prefinish');
    }
    if (w.pendingcb === 0) {
      if (sync) { w.pendingcb++; tick(finish, s, w); } else if (needFinish(w)) { w.pendingcb++; finish(s, w); }
    }
  }
  function finish(s, w) {
    w.pendingcb--;
    w.finished = true;
    for (const f of w.onFinished.splice(0)) f();
    s.emit('finish');
    if (w.autoDestroy) {
      const r = s._readableState;
      if (!r || (r.autoDestroy && (r.endEmitted || r.readable === false))) s.destroy();
    }
  }

  class Writable extends EventEmitter {
    constructor(opts) { super(); initWritable(this, opts || {}); }
    _destroy(err, cb) { cb(err); }
    destroy(err, cb) { return destroyStream.call(this, err, cb); }
    get destroyed() { return this._writableState.destroyed; }
    set destroyed(v) { this._writableState.destroyed = v; }
    get errored() { return this._writableState.errored; }
    get closed() { return this._writableState.closed; }
    static [Symbol.hasInstance](o) {
      if (Function.prototype[Symbol.hasInstance].call(this, o)) return true;
      return this === Writable && !!o && o._writableState !== undefined;
    }
  }
  addWritable(Writable.prototype);

  class Duplex extends Readable {
    constructor(opts) {
      const o = opts || {};
      super(o);
      initWritable(this, o);
      this.allowHalfOpen = o.allowHalfOpen !== false;
      if (o.readable === false) { this._readableState.ended = this._readableState.endEmitted = true; }
      if (o.writable === false) { const w = this._writableState; w.ending = w.ended = w.finished = true; }
    }
    get destroyed() { return this._readableState.destroyed && this._writableState.destroyed; }
    set destroyed(v) { this._readableState.destroyed = this._writableState.destroyed = v; }
  }
  addWritable(Duplex.prototype);

  class Transform extends Duplex {
    constructor(opts) {
      super(opts);
      const o = opts || {};
      this._readableState.sync = false;
      this._pendingCb = null;
      if (typeof o.transform === 'function') this._transform = o.transform;
      if (typeof o.flush === 'function') this._flush = o.flush;
    }
    _transform() { throw makeError('The _transform() method is not implemented', 'ERR_METHOD_NOT_IMPLEMENTED'); }
    _write(chunk, enc, cb) {
      const r = this._readableState, len = r.length;
      this._transform(chunk, enc, (err, val) => {
        if (err) { cb(err); return; }
        if (val !== null && val !== undefined) this.push(val);
        if (this._writableState.ended || len === r.length || r.length < r.highWaterMark) cb();
        else this._pendingCb = cb;
      });
    }
    _read() { if (this._pendingCb) { const cb = this._pendingCb; this._pendingCb = null; cb(); } }
    _final(cb) {
      if (typeof this._flush === 'function' && !this.destroyed) {
        this._flush((err, data) => {
          if (err) { cb(err); return; }
          if (data !== null && data !== undefined) this.push(data);
          this.push(null);
          cb();
        });
      } else { this.push(null); cb(); }
    }
  }
  class PassThrough extends Transform {
    _transform(chunk, enc, cb) { cb(null, chunk); }
  }

  // ---- finished and pipeline -----------------------------------------------------------
  function finished(stream, opts, cb) {
    if (typeof opts === 'function') { cb = opts; opts = {}; }
    opts = opts || {};
    checkFunction(cb, 'callback');
    const r = stream._readableState, w = stream._writableState;
    const readable = opts.readable !== false && !!r;
    const writable = opts.writable !== false && !!w;
    const willClose = (r ? r.autoDestroy && r.emitClose : true) && (w ? w.autoDestroy && w.emitClose : true) && (!!r === readable) && (!!w === writable);
    let readDone = !readable || (r && r.endEmitted), writeDone = !writable || (w && w.finished);
    let called = false;
    const done = (err) => { if (called) return; called = true; cleanup(); cb.call(stream, err); };
    const onend = () => { readDone = true; if (willClose && !stream.destroyed) return; if (writeDone) done(); };
    const onfinish = () => { writeDone = true; if (willClose && !stream.destroyed) return; if (readDone) done(); };
    const onerror = (err) => done(err);
    const onclose = () => {
      if (readable && !readDone && !(r && r.endEmitted)) return done(makeError('Premature close', 'ERR_STREAM_PREMATURE_CLOSE'));
      if (writable && !writeDone && !(w && w.finished)) return done(makeError('Premature close', 'ERR_STREAM_PREMATURE_CLOSE'));
      done((r && r.errored) || (w && w.errored) || undefined);
    };
    function cleanup() {
      stream.removeListener('end', onend); stream.removeListener('finish', onfinish);
      stream.removeListener('error', onerror); stream.removeListener('close', onclose);
    }
    stream.on('end', onend);
    stream.on('finish', onfinish);
    stream.on('error', onerror);
    stream.on('close', onclose);
    const s = r || w;
    if (s && s.closed) tick(onclose);
    return cleanup;
  }
  function pipeline(...streams) {
    const cb = typeof streams[streams.length - 1] === 'function' ? streams.pop() : null;
    if (Array.isArray(streams[0]) && streams.length === 1) streams = streams[0];
    if (streams.length < 2) throw makeError('The "streams" argument must be specified', 'ERR_MISSING_ARGS', TypeError);
    if (cb === null) throw invalidArgType('callback', 'of type function', undefined);
    streams = streams.map((s, i) => (i === 0 && !(s instanceof EventEmitter) ? Readable.from(s) : s));
    let error, left = streams.length, called = false;
    const finishAll = (err) => {
      if (err && (!error || error.code === 'ERR_STREAM_PREMATURE_CLOSE')) error = err;
      if (err) for (const s of streams) if (!s.destroyed) s.destroy(err);
      if (--left === 0 || err) { if (!called) { called = true; const e = error; tick(() => cb(e)); } }
    };
    streams.forEach((s, i) => {
      const reading = i < streams.length - 1, writing = i > 0;
      finished(s, { readable: reading, writable: writing }, (err) => finishAll(err));
      if (reading) s.pipe(streams[i + 1]);
    });
    return streams[streams.length - 1];
  }
  function promisePipeline(...streams) { return new Promise((res, rej) => pipeline(...streams, (e) => (e ? rej(e) : res()))); }
  function promiseFinished(stream, opts) { return new Promise((res, rej) => finished(stream, opts || {}, (e) => (e ? rej(e) : res()))); }

  class Stream extends EventEmitter {}
  const streamMod = Stream;
  Object.assign(streamMod, {
    Stream, Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished,
    promises: { pipeline: promisePipeline, finished: promiseFinished },
    addAbortSignal: (signal, s) => s,
  });
  Stream.prototype.pipe = Readable.prototype.pipe;
  for (const C of [Readable, Writable]) Object.setPrototypeOf(C.prototype, Stream.prototype);
  util.promisify.custom = Symbol.for('nodejs.util.promisify.custom');
  const stringDecoderMod = { StringDecoder };
