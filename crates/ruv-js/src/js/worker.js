// part of the bootstrap (see base.js), after node.js: worker_threads — structured clone,
// Worker, MessageChannel / MessagePort, BroadcastChannel, SharedArrayBuffer across workers.
  // ---- DOMException, MessageEvent ------------------------------------------------------
  const domCodes = {
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
    SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
    TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
    QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
  };
  class DOMException extends Error {
    constructor(message = '', options = 'Error') {
      super(String(message));
      const name = options !== null && typeof options === 'object' ? String(options.name === undefined ? 'Error' : options.name) : String(options);
      Object.defineProperty(this, 'name', { value: name, writable: true, configurable: true });
    }
    get code() { return domCodes[this.name] || 0; }
  }
  function cloneError(message) { return new DOMException(message, 'DataCloneError'); }
  class MessageEvent {
    constructor(type, init) { this.type = String(type); this.data = init && init.data !== undefined ? init.data : null; this.ports = (init && init.ports) || []; this.target = null; }
  }

  // ---- structured clone ------------------------------------------------------------------
  // A value becomes a tape: JSON text (QuickJS's own JSON, in C), where strings, booleans,
  // null and ordinary numbers stand for themselves and everything else is an array whose
  // first element is a tag. Objects are numbered in the order they are first met, the same
  // order the reader makes them in, so a reference is [REF, n] (shared and circular values).
  // ArrayBuffers, SharedArrayBuffers and ports travel beside the text, by index.
  const T_UNDEF = 0, T_NUM = 1, T_BIGINT = 2, T_OBJ = 3, T_ARRAY = 4, T_HOLE = 5, T_DATE = 6,
    T_REGEXP = 7, T_MAP = 8, T_REF = 9, T_SET = 10, T_ERROR = 11, T_AB = 12, T_VIEW = 13, T_SAB = 14,
    T_PORT = 15, T_BOXED = 16, T_SPARSE = 17;
  const errorNames = ['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError'];
  const OrigSAB = g.SharedArrayBuffer;
  const tagOf = (v) => Object.prototype.toString.call(v).slice(8, -1);
  const isIndex = (k) => String(k >>> 0) === k && k !== '4294967295';
  function isDetached(ab) { try { new Uint8Array(ab, 0, 0); return false; } catch (e) { return ab.byteLength === 0; } }
  function transferList(transfer) {
    if (transfer !== null && typeof transfer === 'object' && !Array.isArray(transfer) && typeof transfer[Symbol.iterator] !== 'function') transfer = transfer.transfer;
    if (transfer === undefined || transfer === null) return [];
    if (typeof transfer !== 'object' || typeof transfer[Symbol.iterator] !== 'function') {
      throw makeError('Optional transferList argument must be an iterable', 'ERR_INVALID_ARG_TYPE', TypeError);
    }
    return Array.from(transfer);
  }
  // value → [text, buffers, shared buffers, port ids, buffers to detach]
  function serialize(value, transfer, source) {
    const st = { ids: new Map(), n: 0, bufs: [], sabs: [], ports: [], transfer: [], moved: [] };
    for (const t of transferList(transfer)) {
      if (t instanceof ArrayBuffer) {
        if (st.moved.includes(t)) throw cloneError('Transfer list contains duplicate ArrayBuffer');
        st.moved.push(t);
        // one detached already is moved again as an empty one (the engine has nothing to detach)
        if (!isDetached(t)) st.transfer.push(t);
      } else if (t instanceof MessagePort && !t._parent) {
        if (t === source) throw cloneError('Transfer list contains source port');
        if (st.ports.includes(t)) throw cloneError('Transfer list contains duplicate MessagePort');
        if (t._closed) throw cloneError('MessagePort in transfer list is already detached');
        st.ports.push(t);
      } else {
        throw makeError('Found invalid object in transferList', 'ERR_INVALID_TRANSFER_OBJECT', TypeError);
      }
    }
    const tape = ser(value, st);
    return [JSON.stringify(tape), st.bufs, st.sabs, st.ports.map((p) => p._id), st.transfer, st.ports];
  }
  function ser(v, st) {
    switch (typeof v) {
      case 'string': case 'boolean': return v;
      case 'number': return v === v && v !== Infinity && v !== -Infinity && !Object.is(v, -0) ? v : [T_NUM, Object.is(v, -0) ? '-0' : String(v)];
      case 'undefined': return [T_UNDEF];
      case 'bigint': return [T_BIGINT, v.toString()];
      case 'function': return cannot(Function.prototype.toString.call(v));
      case 'symbol': return cannot(v.toString());
    }
    if (v === null) return null;
    const seen = st.ids.get(v);
    if (seen !== undefined) return [T_REF, seen];
    if (v instanceof MessagePort) {
      const i = st.ports.indexOf(v);
      if (i < 0) throw makeError('Object that needs transfer was found in message but not listed in transferList', 'ERR_MISSING_TRANSFERABLE_IN_TRANSFER_LIST', TypeError);
      st.ids.set(v, st.n++);
      return [T_PORT, i];
    }
    if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet || (typeof WeakRef === 'function' && v instanceof WeakRef)) {
      return cannot(`#<${tagOf(v)}>`);
    }
    st.ids.set(v, st.n++);
    if (Array.isArray(v)) {
      const keys = Object.keys(v);
      if (v.length > 64 && keys.length < v.length / 2) {
        const out = [T_SPARSE, v.length];
        for (const k of keys) out.push(k, ser(v[k], st));
        return out;
      }
      const items = [];
      for (let i = 0; i < v.length; i++) items.push(i in v ? ser(v[i], st) : [T_HOLE]);
      const out = [T_ARRAY, items];
      for (const k of keys) if (!isIndex(k)) out.push(k, ser(v[k], st));
      return out;
    }
    if (v instanceof ArrayBuffer) {
      if (isDetached(v)) {
        if (!st.moved.includes(v)) throw cloneError('An ArrayBuffer is detached and could not be cloned.');
        // moved already: it arrives empty, as in Node
        st.bufs.push(new ArrayBuffer(0));
      } else st.bufs.push(v);
      return [T_AB, st.bufs.length - 1];
    }
    if (OrigSAB && v instanceof OrigSAB) { st.sabs.push(v); return [T_SAB, st.sabs.length - 1]; }
    if (ArrayBuffer.isView(v)) {
      // a Buffer arrives as a Uint8Array, as in Node
      const kind = tagOf(v);
      return [T_VIEW, kind, ser(v.buffer, st), v.byteOffset, kind === 'DataView' ? v.byteLength : v.length];
    }
    if (v instanceof Date) return [T_DATE, ser(v.getTime(), st)];
    if (v instanceof RegExp) return [T_REGEXP, v.source, v.flags];
    if (v instanceof Map) {
      const out = [T_MAP];
      for (const [k, x] of v) out.push(ser(k, st), ser(x, st));
      return out;
    }
    if (v instanceof Set) {
      const out = [T_SET];
      for (const x of v) out.push(ser(x, st));
      return out;
    }
    if (v instanceof Error) {
      const name = errorNames.includes(v.name) ? v.name : 'Error';
      return [T_ERROR, name, v.message === undefined ? [T_UNDEF] : String(v.message), v.stack === undefined ? [T_UNDEF] : String(v.stack)];
    }
    if (v instanceof Number || v instanceof String || v instanceof Boolean || (typeof BigInt === 'function' && v instanceof BigInt)) {
      return [T_BOXED, ser(v.valueOf(), st)];
    }
    const out = [T_OBJ];
    for (const k of Object.keys(v)) out.push(k, ser(v[k], st));
    return out;
  }
  function cannot(what) { throw cloneError(`${what} could not be cloned.`); }
  // [kind, text, buffers, shared buffers, port ids] → value
  function deserialize(parts) {
    const st = { objs: [], bufs: parts[2], sabs: parts[3], ports: parts[4].map((id) => new MessagePort(kInternal, id)) };
    return de(JSON.parse(parts[1]), st);
  }
  function setOwn(o, k, v) {
    if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
    else o[k] = v;
  }
  function de(t, st) {
    if (t === null || typeof t !== 'object') return t;
    switch (t[0]) {
      case T_UNDEF: return undefined;
      case T_NUM: return Number(t[1]);
      case T_BIGINT: return BigInt(t[1]);
      case T_REF: return st.objs[t[1]];
    }
    const id = st.objs.length;
    st.objs.push(undefined);
    const made = (o) => { st.objs[id] = o; return o; };
    switch (t[0]) {
      case T_OBJ: {
        const o = made({});
        for (let i = 1; i < t.length; i += 2) setOwn(o, t[i], de(t[i + 1], st));
        return o;
      }
      case T_ARRAY: {
        const items = t[1];
        const o = made(new Array(items.length));
        for (let i = 0; i < items.length; i++) {
          const x = items[i];
          if (x === null || typeof x !== 'object' || x[0] !== T_HOLE) o[i] = de(x, st);
        }
        for (let i = 2; i < t.length; i += 2) setOwn(o, t[i], de(t[i + 1], st));
        return o;
      }
      case T_SPARSE: {
        const o = made(new Array(t[1]));
        for (let i = 2; i < t.length; i += 2) setOwn(o, t[i], de(t[i + 1], st));
        return o;
      }
      case T_DATE: return made(new Date(de(t[1], st)));
      case T_REGEXP: return made(new RegExp(t[1], t[2]));
      case T_MAP: {
        const o = made(new Map());
        for (let i = 1; i < t.length; i += 2) { const k = de(t[i], st); o.set(k, de(t[i + 1], st)); }
        return o;
      }
      case T_SET: {
        const o = made(new Set());
        for (let i = 1; i < t.length; i++) o.add(de(t[i], st));
        return o;
      }
      case T_ERROR: {
        const Ctor = errorNames.includes(t[1]) ? g[t[1]] : Error;
        const o = made(new Ctor());
        const message = de(t[2], st), stack = de(t[3], st);
        if (message !== undefined) Object.defineProperty(o, 'message', { value: message, writable: true, configurable: true });
        if (stack !== undefined) Object.defineProperty(o, 'stack', { value: stack, writable: true, configurable: true });
        return o;
      }
      case T_AB: return made(st.bufs[t[1]]);
      case T_SAB: return made(st.sabs[t[1]]);
      case T_PORT: return made(st.ports[t[1]]);
      case T_VIEW: {
        const buf = de(t[2], st);
        const Ctor = g[t[1]];
        return made(new Ctor(buf, t[3], t[4]));
      }
      case T_BOXED: return made(Object(de(t[1], st)));
    }
    throw cloneError('Unable to deserialize cloned data.');
  }
  // after a post: transferred ports are no longer this side's
  function sent(parts) { for (const p of parts[5]) { p._closed = true; p._transferred = true; } }
  function structuredClone(value, options) {
    if (arguments.length === 0) throw makeError('The "value" argument must be specified', 'ERR_MISSING_ARGS', TypeError);
    const parts = serialize(value, options);
    if (parts[3].length) throw cloneError('MessagePort cannot be transferred by structuredClone here');
    const moved = parts[4];
    const bufs = parts[1].map((b) => b.slice(0));
    // QuickJS has ArrayBuffer.prototype.transfer: the way to detach from JavaScript
    for (const b of moved) b.transfer();
    return deserialize([0, parts[0], bufs, parts[2], []]);
  }

  // ---- SharedArrayBuffer: memory the runtimes of all threads share ------------------------
  if (OrigSAB) {
    const Sab = new Proxy(OrigSAB, {
      construct(target, args, newTarget) {
        if (newTarget !== Sab || args.length > 1) return Reflect.construct(target, args, newTarget === Sab ? target : newTarget);
        let n = args[0] === undefined ? 0 : Math.trunc(Number(args[0]));
        if (n !== n) n = 0;
        return native.sabNew(n);
      },
    });
    Object.defineProperty(OrigSAB.prototype, 'constructor', { value: Sab, writable: true, configurable: true });
    g.SharedArrayBuffer = Sab;
  }

  // ---- MessagePort, MessageChannel -------------------------------------------------------
  const kInternal = Symbol('kInternal');
  const portRegistry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((id) => native.portClose(id)) : null;
  class MessagePort extends EventEmitter {
    constructor(token, id, parent) {
      if (token !== kInternal) throw makeError('Illegal constructor', 'ERR_ILLEGAL_CONSTRUCTOR', TypeError);
      super();
      this._id = id; this._parent = !!parent; this._started = false; this._closed = false; this._ref = true; this._onmessage = null;
      if (!parent && portRegistry) portRegistry.register(this, id, this);
    }
    postMessage(value, transfer) {
      const parts = serialize(value, transfer, this);
      if (this._closed) return;
      native.post(this._parent ? 1 : 2, this._id, 0, parts);
      sent(parts);
    }
    on(name, fn) {
      super.on(name, fn);
      if (name === 'message' || name === 'messageerror') { if (!this._started) this.start(); else if (!this._ref) this.ref(); }
      return this;
    }
    addListener(name, fn) { return this.on(name, fn); }
    removeListener(name, fn) {
      super.removeListener(name, fn);
      if ((name === 'message' || name === 'messageerror') && this.listenerCount('message') + this.listenerCount('messageerror') === 0 && !this._onmessage) this._setRef(false);
      return this;
    }
    off(name, fn) { return this.removeListener(name, fn); }
    addEventListener(type, fn) {
      const wrapped = (data) => { const ev = new MessageEvent(type, { data }); ev.target = this; if (typeof fn === 'function') fn.call(this, ev); else fn.handleEvent(ev); };
      wrapped.listener = fn;
      this.on(type, wrapped);
    }
    removeEventListener(type, fn) { this.removeListener(type, fn); }
    get onmessage() { return this._onmessage; }
    set onmessage(fn) { this._onmessage = typeof fn === 'function' ? fn : null; if (this._onmessage) this.start(); }
    start() {
      if (this._started || this._closed) return;
      this._started = true;
      if (this._parent) { this._setRef(true); return; }
      if (portRegistry) portRegistry.unregister(this);
      const self = this;
      this._cb = register((name, parts) => {
        if (name === 'message') self._deliver(parts);
        else if (name === 'close') { self._closed = true; self.emit('close'); }
      });
      native.portStart(this._id, this._cb);
      if (!this._ref) native.portRef(this._id, false);
    }
    _deliver(parts) {
      if (parts[0] !== 0) return;
      let v;
      try { v = deserialize(parts); } catch (e) { this.emit('messageerror', e); return; }
      if (this._onmessage) { const ev = new MessageEvent('message', { data: v }); ev.target = this; this._onmessage.call(this, ev); }
      this.emit('message', v);
    }
    close() {
      if (this._closed) return;
      this._closed = true;
      if (this._parent) { this._setRef(false); return; }
      if (portRegistry) portRegistry.unregister(this);
      // a port never started closes here; a started one hears its close from the loop
      if (native.portClose(this._id)) process.nextTick(() => this.emit('close'));
    }
    _setRef(on) {
      if (this._parent) { if (on !== this._parentRef) { this._parentRef = on; native.parentPortRef(on); } return; }
      if (this._started && !this._closed) native.portRef(this._id, on);
    }
    ref() { this._ref = true; this._setRef(true); return this; }
    unref() { this._ref = false; this._setRef(false); return this; }
    hasRef() { return this._started && this._ref && !this._closed; }
  }
  class MessageChannel {
    constructor() {
      const [a, b] = native.channel();
      this.port1 = new MessagePort(kInternal, a);
      this.port2 = new MessagePort(kInternal, b);
    }
  }
  function receiveMessageOnPort(port) {
    if (!(port instanceof MessagePort)) throw invalidArgType('port', 'an instance of MessagePort', port);
    if (port._closed || port._parent) return undefined;
    const parts = native.portReceive(port._id);
    return parts === undefined ? undefined : { message: deserialize(parts) };
  }

  // ---- BroadcastChannel ------------------------------------------------------------------
  class BroadcastChannel {
    constructor(name) {
      if (arguments.length === 0) throw makeError('The "name" argument must be specified', 'ERR_MISSING_ARGS', TypeError);
      this._name = `${name}`; this._closed = false; this._listeners = []; this._onmessage = null;
      const self = this;
      this._cb = register((ev, parts) => self._deliver(parts));
      this._id = native.broadcastNew(this._name, this._cb);
    }
    get name() { return this._name; }
    postMessage(value) {
      if (this._closed) throw new DOMException('BroadcastChannel is closed.', 'InvalidStateError');
      native.post(3, this._id, 0, serialize(value));
    }
    close() { if (this._closed) return; this._closed = true; forget(this._cb); native.broadcastClose(this._id); }
    ref() { if (!this._closed) native.broadcastRef(this._id, true); return this; }
    unref() { if (!this._closed) native.broadcastRef(this._id, false); return this; }
    get onmessage() { return this._onmessage; }
    set onmessage(fn) { this._onmessage = typeof fn === 'function' ? fn : null; }
    addEventListener(type, fn) { if (type === 'message' && !this._listeners.includes(fn)) this._listeners.push(fn); }
    removeEventListener(type, fn) { const i = this._listeners.indexOf(fn); if (type === 'message' && i >= 0) this._listeners.splice(i, 1); }
    _deliver(parts) {
      if (this._closed) return;
      const ev = new MessageEvent('message', { data: deserialize(parts) });
      ev.target = this;
      if (this._onmessage) this._onmessage.call(this, ev);
      for (const l of this._listeners.slice()) { if (typeof l === 'function') l.call(this, ev); else l.handleEvent(ev); }
    }
  }

  // ---- Worker ------------------------------------------------------------------------------
  function oomError() {
    return makeError('Worker terminated due to reaching memory limit: JS heap out of memory', 'ERR_WORKER_OUT_OF_MEMORY');
  }
  class Worker extends EventEmitter {
    constructor(filename, options) {
      super();
      const opts = options === undefined || options === null ? {} : options;
      if (typeof opts !== 'object') throw invalidArgType('options', 'of type object', options);
      let file, source;
      if (opts.eval) {
        if (typeof filename !== 'string') throw invalidArgType('filename', 'of type string', filename);
        file = '[worker eval]'; source = filename;
      } else {
        if (filename !== null && typeof filename === 'object' && typeof filename.href === 'string' && filename.protocol === 'file:') filename = decodeURIComponent(filename.pathname);
        if (typeof filename !== 'string') throw invalidArgType('filename', 'of type string or an instance of URL', filename);
        if (!(filename.startsWith('/') || filename.startsWith('./') || filename.startsWith('../'))) {
          throw makeError(`The worker script or module filename must be an absolute path or a relative path starting with './' or '../'. Received "${filename}"`, 'ERR_WORKER_PATH', TypeError);
        }
        file = pathMod.resolve(filename);
      }
      const limits = opts.resourceLimits || {};
      const parts = serialize(opts.workerData, opts.transferList);
      this._exited = false; this._terminating = false;
      const self = this;
      this._id = register((name, arg) => self._event(name, arg));
      const num = (v) => (typeof v === 'number' && v > 0 ? v : undefined);
      this.threadId = native.workerSpawn(this._id, file, source, num(limits.maxOldGenerationSizeMb), num(limits.stackSizeMb), parts);
      sent(parts);
    }
    _event(name, arg) {
      switch (name) {
        case 'online': this.emit('online'); break;
        case 'message': {
          if (arg[0] === 2) { this.emit('error', oomError()); break; }
          let v;
          try { v = deserialize(arg); } catch (e) { this.emit('messageerror', e); break; }
          this.emit(arg[0] === 1 ? 'error' : 'message', v);
          break;
        }
        case 'error': {
          if (this._terminating) break;
          // the worker's own message, without ruv's code prefix
          this.emit('error', new Error(String(arg[0]).replace(/^EPANIC: (callback panicked, )?/, '')));
          break;
        }
        case 'exit': this._exited = true; this.threadId = -1; this.emit('exit', arg); break;
      }
    }
    postMessage(value, transfer) {
      const parts = serialize(value, transfer);
      if (this._exited) return;
      native.post(0, this._id, 0, parts);
      sent(parts);
    }
    terminate() {
      if (this._exited) return Promise.resolve(undefined);
      const p = new Promise((res) => this.once('exit', res));
      if (!this._terminating) { this._terminating = true; native.workerTerminate(this._id); }
      return p;
    }
    ref() { if (!this._exited) native.workerRef(this._id, true); return this; }
    unref() { if (!this._exited) native.workerRef(this._id, false); return this; }
  }

  // ---- the worker's side: parentPort, workerData, its uncaught errors ------------------------
  let parentPort = null;
  if (!isMainThread) {
    parentPort = new MessagePort(kInternal, 0, true);
    parentPort._parentRef = false;
    callbacks[1] = (name, parts) => { if (name === 'message') parentPort._deliver(parts); };
  }
  // an uncaught error in a worker: the parent's 'error' gets a clone of it, then 'exit' 1
  function workerFatal(e) {
    if (e instanceof Error && e.name === 'InternalError' && /out of memory/.test(e.message)) {
      native.post(1, 0, 2, serialize(undefined));
    } else {
      let parts;
      try { parts = serialize(e); } catch (e2) { parts = serialize(inspect(e)); }
      native.post(1, 0, 1, parts);
    }
    native.workerEnd(1);
  }
  const [heapMb, stackMb] = native.resourceLimits();
  const envData = new Map();
  const workerThreads = {
    Worker, MessageChannel, MessagePort, BroadcastChannel, isMainThread, parentPort, receiveMessageOnPort,
    threadId: native.threadId(),
    workerData: isMainThread ? null : deserialize(native.workerData()),
    resourceLimits: isMainThread ? {} : { maxYoungGenerationSizeMb: 0, maxOldGenerationSizeMb: heapMb === null || heapMb === undefined ? 0 : heapMb, codeRangeSizeMb: 0, stackSizeMb: stackMb || 4 },
    SHARE_ENV: Symbol.for('nodejs.worker_threads.SHARE_ENV'),
    markAsUntransferable() {},
    getEnvironmentData: (k) => envData.get(k),
    setEnvironmentData: (k, v) => { if (v === undefined) envData.delete(k); else envData.set(k, v); },
  };
  Object.assign(g, { MessageChannel, MessagePort, MessageEvent, BroadcastChannel, DOMException, structuredClone });
