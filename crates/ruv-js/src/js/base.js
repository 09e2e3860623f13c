// ruvjs's bootstrap, part 1 (base.js, then the parts build.rs lists, modules.js last): Node's globals
// and core modules written in JavaScript on a few native functions (`native`, src/natives.rs).
// Compiled to bytecode at build time (build.rs, which lists the parts in order) and run once
// per runtime; returns the hooks the Rust side calls (`call`, `runMain`, …).
(function (native) {
  'use strict';
  const g = globalThis;

  // ---- callbacks by id: the Rust side holds ids, never JavaScript values ----------------
  // A slot array with a free list (QuickJS's Map was the hot spot with a million timers).
  // An id is reused only after the Rust side has applied every op that named it: ops are
  // applied, in order, as soon as the JavaScript entry that queued them returns.
  // ids 0 and 1: the parent channel's and (in a worker) the parent port's events (node.js);
  // 2 and 3: the cluster's events and process signals (cluster.js)
  const callbacks = [undefined, undefined, undefined, undefined];
  const freeIds = [];
  function register(fn) {
    const id = freeIds.length ? freeIds.pop() : callbacks.length;
    callbacks[id] = fn;
    return id;
  }
  // `keep`: the callback stays registered (intervals, listeners)
  function call(id, keep, ...args) {
    const fn = callbacks[id];
    if (fn === undefined) return;
    if (!keep) forget(id);
    fn(...args);
  }
  function forget(id) {
    if (id <= 3 || callbacks[id] === undefined) return;
    callbacks[id] = undefined;
    freeIds.push(id);
  }

  // ---- errors ------------------------------------------------------------------------
  function makeError(message, code, Ctor) {
    const e = new (Ctor || Error)(message);
    if (code) e.code = code;
    return e;
  }
  // An error from the Rust side: [message, code, errno, syscall, path]
  function nativeError(spec) {
    if (spec === null || spec === undefined) return null;
    const [message, code, errno, syscall, path] = spec;
    // ruv's ERR_ codes come as `CODE: message`; Node's message is the part after
    const e = new Error(code && code.startsWith('ERR_') && message.startsWith(code + ': ') ? message.slice(code.length + 2) : message);
    if (errno !== undefined && errno !== null) e.errno = errno;
    if (code) e.code = code;
    if (syscall) e.syscall = syscall;
    if (path !== undefined && path !== null) e.path = path;
    return e;
  }
  function invalidArgType(name, expected, actual) {
    let got;
    if (actual === null) got = 'null';
    else if (actual === undefined) got = 'undefined';
    else if (typeof actual === 'function') got = `function ${actual.name}`;
    else if (typeof actual === 'object') got = 'an instance of ' + (actual.constructor ? actual.constructor.name : 'Object');
    else got = `type ${typeof actual} (${inspect(actual)})`;
    // Node's wording: `The first argument`, `The "x" argument`, `The "o.x" property`
    const what = name.startsWith('The ') ? name.slice(4) : `"${name}" ${name.includes('.') ? 'property' : 'argument'}`;
    const e = new TypeError(`The ${what} must be ${expected}. Received ${got}`);
    e.code = 'ERR_INVALID_ARG_TYPE';
    return e;
  }
  function checkFunction(fn, name) {
    if (typeof fn !== 'function') throw invalidArgType(name, 'of type function', fn);
  }

  // ---- EventEmitter --------------------------------------------------------------------
  // a plain function, as Node's: `EventEmitter.call(this)` (the util.inherits style) works
  function EventEmitter() { this._events = Object.create(null); this._maxListeners = undefined; }
  class EmitterMethods {
    _list(name) {
      if (!this._events) this._events = Object.create(null);
      return this._events[name] || (this._events[name] = []);
    }
    on(name, fn) {
      checkFunction(fn, 'listener');
      if (name !== 'newListener' && this._events && this._events.newListener) this.emit('newListener', name, fn);
      this._list(name).push(fn);
      return this;
    }
    addListener(name, fn) { return this.on(name, fn); }
    prependListener(name, fn) { checkFunction(fn, 'listener'); this._list(name).unshift(fn); return this; }
    once(name, fn) {
      checkFunction(fn, 'listener');
      const self = this;
      function once(...args) { self.removeListener(name, once); return fn.apply(self, args); }
      once.listener = fn;
      return this.on(name, once);
    }
    off(name, fn) { return this.removeListener(name, fn); }
    removeListener(name, fn) {
      const list = this._events && this._events[name];
      if (!list) return this;
      const i = list.findIndex((l) => l === fn || l.listener === fn);
      if (i < 0) return this;
      const [removed] = list.splice(i, 1);
      if (list.length === 0) delete this._events[name];
      if (this._events.removeListener) this.emit('removeListener', name, removed.listener || removed);
      return this;
    }
    removeAllListeners(name) {
      if (name === undefined) this._events = Object.create(null);
      else if (this._events) delete this._events[name];
      return this;
    }
    emit(name, ...args) {
      const list = this._events && this._events[name];
      if (!list || list.length === 0) {
        if (name === 'error') {
          const err = args[0];
          if (err instanceof Error) throw err;
          throw makeError(`Unhandled error. (${inspect(err)})`, 'ERR_UNHANDLED_ERROR');
        }
        return false;
      }
      for (const fn of list.slice()) fn.apply(this, args);
      return true;
    }
    listenerCount(name) { const l = this._events && this._events[name]; return l ? l.length : 0; }
    listeners(name) { const l = this._events && this._events[name]; return l ? l.map((f) => f.listener || f) : []; }
    eventNames() { return this._events ? Object.keys(this._events) : []; }
    setMaxListeners(n) { this._maxListeners = n; return this; }
    getMaxListeners() { return this._maxListeners === undefined ? 10 : this._maxListeners; }
  }
  for (const k of Object.getOwnPropertyNames(EmitterMethods.prototype)) {
    if (k !== 'constructor') Object.defineProperty(EventEmitter.prototype, k, Object.getOwnPropertyDescriptor(EmitterMethods.prototype, k));
  }
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.once = function (emitter, name) {
    return new Promise((resolve, reject) => {
      const onError = (err) => { emitter.removeListener(name, onEvent); reject(err); };
      const onEvent = (...args) => { if (name !== 'error') emitter.removeListener('error', onError); resolve(args); };
      emitter.once(name, onEvent);
      if (name !== 'error') emitter.once('error', onError);
    });
  };

  // ---- util.inspect and format (Node's output for the common cases) ----------------------
  const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  function quote(s) {
    const q = s.includes("'") && !s.includes('"') ? '"' : "'";
    const body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t')
      .replace(q === "'" ? /'/g : /"/g, q === "'" ? "\\'" : '\\"');
    return q + body + q;
  }
  function formatNumber(n) { return Object.is(n, -0) ? '-0' : String(n); }
  function inspect(v, opts) {
    const depth = opts && opts.depth !== undefined ? opts.depth : 2;
    return inspectValue(v, depth, [], 0);
  }
  function inspectValue(v, depth, seen, level) {
    switch (typeof v) {
      case 'string': return level === -1 ? v : quote(v);
      case 'number': return formatNumber(v);
      case 'bigint': return `${v}n`;
      case 'boolean': return String(v);
      case 'undefined': return 'undefined';
      case 'symbol': return v.toString();
      case 'function': {
        const kind = /^class\s/.test(Function.prototype.toString.call(v)) ? 'class' : 'Function';
        const name = v.name ? `: ${v.name}` : kind === 'class' ? '' : ' (anonymous)';
        const base = `[${kind}${name}]`;
        const keys = Object.keys(v);
        if (keys.length === 0 || depth < 0) return base;
        return inspectObjectBody(v, keys, base + ' ', depth, seen, level);
      }
    }
    if (v === null) return 'null';
    if (seen.includes(v)) return '[Circular *1]';
    if (v instanceof Error) return v.stack ? String(v.stack).replace(/\n$/, '') : `${v.name}: ${v.message}`;
    if (v instanceof Date) return isNaN(v) ? 'Invalid Date' : v.toISOString();
    if (v instanceof RegExp) return String(v);
    if (v instanceof Promise) return 'Promise { <pending> }';
    if (typeof Buffer === 'function' && v instanceof Buffer) {
      const n = Math.min(v.length, 50);
      let hex = '';
      for (let i = 0; i < n; i++) hex += ' ' + v[i].toString(16).padStart(2, '0');
      const more = v.length > 50 ? ` ... ${v.length - 50} more bytes` : '';
      return `<Buffer${hex || ' '}${more}>`;
    }
    if (ArrayBuffer.isView(v)) {
      const name = v.constructor.name;
      if (depth < 0) return `[${name}]`;
      const items = Array.from(v.slice(0, 100), (x) => inspectValue(x, depth - 1, seen, level + 1));
      if (v.length > 100) items.push(`... ${v.length - 100} more items`);
      return `${name}(${v.length}) ${wrap(items, '[', ']', level)}`;
    }
    if (Array.isArray(v)) {
      if (depth < 0) return '[Array]';
      seen.push(v);
      const items = [];
      let holes = 0;
      const flush = () => { if (holes) { items.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`); holes = 0; } };
      for (let i = 0; i < v.length && items.length < 100; i++) {
        if (!(i in v)) { holes++; continue; }
        flush();
        items.push(inspectValue(v[i], depth - 1, seen, level + 1));
      }
      flush();
      if (v.length > 100) items.push(`... ${v.length - 100} more items`);
      for (const k of Object.keys(v)) if (!/^\d+$/.test(k)) items.push(`${key(k)}: ${inspectValue(v[k], depth - 1, seen, level + 1)}`);
      seen.pop();
      return items.length ? wrap(items, '[', ']', level) : '[]';
    }
    if (v instanceof Map) {
      if (depth < 0) return '[Map]';
      seen.push(v);
      const items = [];
      for (const [k, x] of v) items.push(`${inspectValue(k, depth - 1, seen, level + 1)} => ${inspectValue(x, depth - 1, seen, level + 1)}`);
      seen.pop();
      return `Map(${v.size}) ${items.length ? wrap(items, '{', '}', level) : '{}'}`;
    }
    if (v instanceof Set) {
      if (depth < 0) return '[Set]';
      seen.push(v);
      const items = [];
      for (const x of v) items.push(inspectValue(x, depth - 1, seen, level + 1));
      seen.pop();
      return `Set(${v.size}) ${items.length ? wrap(items, '{', '}', level) : '{}'}`;
    }
    const proto = Object.getPrototypeOf(v);
    const ctor = proto && proto.constructor && proto.constructor.name;
    const prefix = proto === null ? '[Object: null prototype] ' : ctor && ctor !== 'Object' ? `${ctor} ` : '';
    if (depth < 0) return `[${ctor || 'Object'}]`;
    const keys = Object.keys(v);
    if (keys.length === 0) return `${prefix}{}`;
    return inspectObjectBody(v, keys, prefix, depth, seen, level);
  }
  function key(k) { return IDENT.test(k) ? k : quote(k); }
  function inspectObjectBody(v, keys, prefix, depth, seen, level) {
    seen.push(v);
    const items = keys.map((k) => {
      const d = Object.getOwnPropertyDescriptor(v, k);
      const val = d && (d.get || d.set) ? (d.get && d.set ? '[Getter/Setter]' : d.get ? '[Getter]' : '[Setter]')
        : inspectValue(v[k], depth - 1, seen, level + 1);
      return `${key(k)}: ${val}`;
    });
    seen.pop();
    return prefix + wrap(items, '{', '}', level);
  }
  // Node puts short lists on one line (at most 72 characters from the indentation) and
  // longer ones one entry per line; arrays of up to 6 short numbers per row are grouped,
  // which this leaves out.
  function wrap(items, open, close, level) {
    const start = open.length + 1;
    const total = items.reduce((n, s) => n + s.length + 2, start);
    if (total + level * 2 <= 72 && !items.some((s) => s.includes('\n'))) return `${open} ${items.join(', ')} ${close}`;
    const pad = '  '.repeat(level + 1);
    return `${open}\n${items.map((s) => pad + s.replace(/\n/g, '\n' + pad)).join(',\n')}\n${'  '.repeat(level)}${close}`;
  }
  function format(...args) {
    let out = '';
    let i = 0;
    if (typeof args[0] === 'string') {
      const f = args[0];
      i = 1;
      let last = 0;
      for (let p = 0; p < f.length - 1; p++) {
        if (f[p] !== '%') continue;
        const c = f[p + 1];
        let rep;
        if (c === '%') { out += f.slice(last, p) + '%'; last = p + 2; p++; continue; }
        if (i >= args.length || !'sdifjoOc'.includes(c)) continue;
        const a = args[i];
        switch (c) {
          case 's': rep = typeof a === 'string' ? a : typeof a === 'bigint' ? `${a}n` : typeof a === 'object' && a !== null ? inspectValue(a, 1, [], 0) : inspectValue(a, 2, [], -1); break;
          case 'd': rep = typeof a === 'bigint' ? `${a}n` : typeof a === 'object' ? 'NaN' : formatNumber(Number(a)); break;
          case 'i': rep = typeof a === 'bigint' ? `${a}n` : formatNumber(parseInt(a)); break;
          case 'f': rep = formatNumber(parseFloat(a)); break;
          case 'j': try { rep = JSON.stringify(a); } catch (e) { rep = '[Circular]'; } break;
          case 'o': rep = inspectValue(a, 4, [], 0); break;
          case 'O': rep = inspectValue(a, 2, [], 0); break;
          case 'c': rep = ''; break;
        }
        out += f.slice(last, p) + rep;
        last = p + 2;
        p++;
        i++;
      }
      out += f.slice(last);
    }
    for (; i < args.length; i++) {
      const a = args[i];
      const s = typeof a === 'string' ? a : inspectValue(a, 2, [], 0);
      out += (out.length || i > 0 ? ' ' : '') + s;
    }
    return out;
  }

