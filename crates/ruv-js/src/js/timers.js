// part 2b of the bootstrap (see base.js): timers and immediates, kept in JavaScript as Node
// keeps them. Timers: one list per duration, ordered by start time; the lists in a binary
// heap by expiry; ONE native timer for all of them, armed for the earliest list (src/timers.rs).
// Immediates: one queue; one native immediate per loop iteration runs the whole of it.
// clearTimeout/clearImmediate never call the native side; ref/unref call it only when the
// count of referenced timers (or immediates) goes from 0 to 1 or back.
// The Rust side calls `runTimers`/`runImmediates` (handed over by `native.timersInit`); they
// return `true` when a callback left ticks, promise jobs, rejections or ops behind: Rust
// then drains those (Node's runNextTicks between two callbacks) and calls again, and the
// run goes on where it stopped, with the same `now`.
  const TIMEOUT_MAX = 2147483647;
  const kRef = Symbol('refed');
  const kId = Symbol('primitive');
  // ---- timers --------------------------------------------------------------------------
  // A Timeout has four own properties (QuickJS grows an object's property array past four,
  // which costs more than the rest of setTimeout): its duration, start, callback, and its
  // place in its list (`_pos`, -1 when in none); the rest live on the prototype until set.
  class Timeout {
    constructor(fn, ms, args, repeat) {
      ms *= 1;
      if (!(ms >= 1 && ms <= TIMEOUT_MAX)) ms = 1;
      this._idleTimeout = ms;
      this._idleStart = 0;
      this._onTimeout = fn;
      this._pos = -1;
      if (args !== undefined) this._timerArgs = args;
      if (repeat) this._repeat = ms;
    }
    ref() {
      if (!this[kRef]) { this[kRef] = true; if (this._pos !== -1) timerRefs(1); }
      return this;
    }
    unref() {
      if (this[kRef]) { this[kRef] = false; if (this._pos !== -1) timerRefs(-1); }
      return this;
    }
    hasRef() { return this[kRef]; }
    // fired or cleared: out of its list, and not an interval (or timeout) in its callback
    get _destroyed() { return this._pos === -1 && (this !== timerFiring || this._idleTimeout === -1); }
    set _destroyed(v) { Object.defineProperty(this, '_destroyed', { value: v, writable: true, enumerable: true, configurable: true }); }
    refresh() {
      if (this._idleTimeout === -1) return this;
      if (this._pos !== -1) timerMove(this, timerNow());
      else timerInsert(this, timerNow());
      return this;
    }
    close() { clearTimeout(this); return this; }
    // as Node: a timer turned into a number can be cleared by that number
    [Symbol.toPrimitive]() {
      if (this[kId] === 0) { this[kId] = ++primitiveSeq; byPrimitive.set(this[kId], this); }
      return this[kId];
    }
  }
  Object.assign(Timeout.prototype, { _timerArgs: undefined, _repeat: null, [kRef]: true, [kId]: 0 });
  // QuickJS frees a shape no object has, so every `new` would rebuild the shapes it passes
  // through: one object held (by the prototype) at each step keeps them
  function keepShapes(proto, keys) {
    const keepers = [];
    for (let i = 1; i <= keys.length; i++) {
      const o = Object.create(proto);
      for (let k = 0; k < i; k++) o[keys[k]] = null;
      keepers.push(o);
    }
    Object.defineProperty(proto, Symbol('shapes'), { value: keepers });
  }
  keepShapes(Timeout.prototype, ['_idleTimeout', '_idleStart', '_onTimeout', '_pos']);
  const byPrimitive = new Map();
  let primitiveSeq = 0;
  // A duration's list: its timers in start order in `q` from `head` (a cleared or moved
  // timer leaves a null behind); a timer's `_pos` is `base` + its index in `q`.
  class TimerList {
    constructor(ms, expiry) {
      this.q = [];
      this.head = 0;
      this.base = 0;
      this.count = 0;
      this.msecs = ms;
      this.expiry = expiry;
      this.id = ++listSeq;
      this.pos = 0;
    }
  }
  let listSeq = 0;
  const timerLists = Object.create(null);
  const timerHeap = [];
  let timerRefCount = 0;
  // the expiry the native timer is armed for; Infinity when it is not
  let timerArmedFor = Infinity;
  // a run is under way (its `now`): inserts leave the arming to its end
  let timersRunning = false, timersNow = 0;
  // the list whose timers are running: left in the heap when it empties, the run removes it
  let timerCurrent = null;
  // the timer whose callback runs (not destroyed yet, as in Node)
  let timerFiring = null;
  const pending = native.pending;
  const timerNow = native.timerNow;
  // the native timer's ref state follows "any referenced timer": synced now, or (in a run)
  // when the run ends
  let timerNativeRef = true;
  function timerRefs(d) {
    timerRefCount += d;
    if (!timersRunning && (timerRefCount > 0) !== timerNativeRef) { timerNativeRef = !timerNativeRef; native.timerRef(timerNativeRef); }
  }
  function listEarlier(a, b) { return a.expiry < b.expiry || (a.expiry === b.expiry && a.id < b.id); }
  function timerHeapUp(i) {
    const x = timerHeap[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!listEarlier(x, timerHeap[p])) break;
      timerHeap[i] = timerHeap[p]; timerHeap[i].pos = i; i = p;
    }
    timerHeap[i] = x; x.pos = i;
  }
  function timerHeapDown(i) {
    const x = timerHeap[i], n = timerHeap.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && listEarlier(timerHeap[c + 1], timerHeap[c])) c++;
      if (!listEarlier(timerHeap[c], x)) break;
      timerHeap[i] = timerHeap[c]; timerHeap[i].pos = i; i = c;
    }
    timerHeap[i] = x; x.pos = i;
  }
  function timerListDrop(list) {
    delete timerLists[list.msecs];
    const last = timerHeap.pop();
    if (last === list) return;
    const i = list.pos;
    timerHeap[i] = last; last.pos = i;
    timerHeapDown(i);
    timerHeapUp(last.pos);
  }
  function timerArmNext() {
    if (timerHeap.length === 0) { timerArmedFor = Infinity; return; }
    const expiry = timerHeap[0].expiry;
    if (expiry === timerArmedFor) return;
    timerArmedFor = expiry;
    native.timerArm(Math.max(1, Math.ceil(expiry - timerNow())));
  }
  function timerInsert(t, start) {
    const ms = t._idleTimeout;
    t._idleStart = start;
    let list = timerLists[ms];
    if (list === undefined) {
      list = timerLists[ms] = new TimerList(ms, start + ms);
      timerHeap.push(list);
      timerHeapUp(timerHeap.length - 1);
      if (!timersRunning && list.expiry < timerArmedFor) { timerArmedFor = list.expiry; native.timerArm(Math.max(1, Math.ceil(ms))); }
    }
    const q = list.q;
    t._pos = list.base + q.length;
    q.push(t);
    list.count++;
    if (t[kRef] && ++timerRefCount === 1 && !timersRunning && !timerNativeRef) { timerNativeRef = true; native.timerRef(true); }
  }
  // Takes a pending timer out of its list.
  function timerRemove(t) {
    const list = timerLists[t._idleTimeout];
    list.q[t._pos - list.base] = null;
    t._pos = -1;
    if (t[kRef]) timerRefs(-1);
    // a list left empty leaves the heap, unless a run is going through it
    if (--list.count === 0) {
      if (list !== timerCurrent) timerListDrop(list);
    } else if (list.q.length - list.head > 2 * list.count + 64) timerCompact(list);
  }
  // Moves a pending timer to the end of its list, started at `start` (its counts stay).
  function timerMove(t, start) {
    const list = timerLists[t._idleTimeout], q = list.q;
    q[t._pos - list.base] = null;
    t._idleStart = start;
    t._pos = list.base + q.length;
    q.push(t);
    if (q.length - list.head > 2 * list.count + 64) timerCompact(list);
  }
  // Drops the nulls of cleared and refreshed timers, once they outnumber the timers.
  function timerCompact(list) {
    const q = list.q, live = [];
    for (let i = list.head; i < q.length; i++) if (q[i] !== null) live.push(q[i]);
    list.base += q.length;
    for (let i = 0; i < live.length; i++) live[i]._pos = list.base + i;
    list.q = live;
    list.head = 0;
  }
  // Runs the due timers: list by list (earliest first), each list's due timers in start order.
  function runTimers() {
    if (!timersRunning) { timersRunning = true; timersNow = timerNow(); timerArmedFor = Infinity; }
    const now = timersNow;
    let list;
    while ((list = timerHeap[0]) !== undefined) {
      if (list.expiry > now) break;
      let q = list.q, t = null;
      while (list.head < q.length && (t = q[list.head]) === null) list.head++;
      if (list.head === q.length) {
        // all gone: the list goes, or starts its array afresh
        if (list.count === 0) { timerListDrop(list); continue; }
        list.base += q.length; list.q = q = []; list.head = 0;
      }
      if (t === null || now - t._idleStart < list.msecs) {
        // the rest of this list is due later: it moves back in the heap, as a new list would
        list.expiry = Math.max(t === null ? now + list.msecs : t._idleStart + list.msecs, now + 1);
        list.id = ++listSeq;
        timerHeapDown(0);
        continue;
      }
      // out of the list (the run removes the list once it is empty)
      q[list.head++] = null;
      if (list.head > 1024 && list.head * 2 > q.length) { list.base += list.head; list.q = q.slice(list.head); list.head = 0; }
      t._pos = -1;
      list.count--;
      if (t[kRef]) timerRefCount--;
      timerCurrent = list;
      timerFiring = t;
      const repeat = t._repeat;
      const start = repeat !== null ? timerNow() : 0;
      try {
        const args = t._timerArgs;
        if (args === undefined) t._onTimeout();
        else t._onTimeout(...args);
      } finally {
        timerCurrent = timerFiring = null;
        if (repeat !== null && t._idleTimeout !== -1) {
          // an interval is due again `ms` after its callback started
          t._idleTimeout = repeat;
          if (t._pos !== -1) timerRemove(t);
          timerInsert(t, start);
        }
      }
      if (pending()) return true;
    }
    timersRunning = false;
    if ((timerRefCount > 0) !== timerNativeRef) { timerNativeRef = !timerNativeRef; native.timerRef(timerNativeRef); }
    timerArmNext();
    return false;
  }
  function setTimeout(fn, ms, ...args) {
    checkFunction(fn, 'callback');
    const t = new Timeout(fn, ms, args.length ? args : undefined, false);
    timerInsert(t, timerNow());
    return t;
  }
  function setInterval(fn, ms, ...args) {
    checkFunction(fn, 'callback');
    const t = new Timeout(fn, ms, args.length ? args : undefined, true);
    timerInsert(t, timerNow());
    return t;
  }
  function clearTimeout(t) {
    if (t === null || t === undefined) return;
    if (typeof t === 'number' || typeof t === 'string') t = byPrimitive.get(Number(t));
    if (!(t instanceof Timeout)) return;
    if (t[kId] !== 0) { byPrimitive.delete(t[kId]); t[kId] = 0; }
    if (t._pos !== -1) timerRemove(t);
    t._idleTimeout = -1;
  }
  // ---- immediates ----------------------------------------------------------------------
  // A queue linked through `_idleNext`; a cleared immediate stays in it, skipped (at most
  // four own properties, as a Timeout).
  class Immediate {
    constructor(fn, args) {
      this._idleNext = null;
      this._onImmediate = fn;
      if (args !== undefined) this._argv = args;
    }
    ref() {
      if (!this[kRef]) { this[kRef] = true; if (!this._destroyed) immRefs(1); }
      return this;
    }
    unref() {
      if (this[kRef]) { this[kRef] = false; if (!this._destroyed) immRefs(-1); }
      return this;
    }
    hasRef() { return this[kRef]; }
  }
  Object.assign(Immediate.prototype, { _argv: undefined, _destroyed: false, [kRef]: true });
  keepShapes(Immediate.prototype, ['_idleNext', '_onImmediate', '_destroyed']);
  // the queue (appended to), the part of it this check phase runs, and the counts
  let immHead = null, immTail = null, immRun = null, immRunning = false;
  let immCount = 0, immRefCount = 0, immArmed = false;
  function immRefs(d) {
    const before = immRefCount;
    immRefCount += d;
    if (immArmed && !immRunning && (before === 0) !== (immRefCount === 0)) native.immediateRef(immRefCount > 0);
  }
  function setImmediate(fn, ...args) {
    checkFunction(fn, 'callback');
    const im = new Immediate(fn, args.length ? args : undefined);
    if (immTail === null) immHead = im; else immTail._idleNext = im;
    immTail = im;
    immCount++;
    if (++immRefCount === 1 && immArmed && !immRunning) native.immediateRef(true);
    if (!immArmed && !immRunning) { immArmed = true; native.immediateArm(true); }
    return im;
  }
  function clearImmediate(im) {
    if (!(im instanceof Immediate) || im._destroyed) return;
    im._destroyed = true;
    im._onImmediate = null;
    immCount--;
    if (im[kRef]) immRefs(-1);
  }
  // The check phase: runs the immediates queued before it began.
  function runImmediates() {
    if (!immRunning) {
      immRunning = true;
      immArmed = false;
      immRun = immHead;
      immHead = immTail = null;
    }
    let im;
    while ((im = immRun) !== null) {
      immRun = im._idleNext;
      im._idleNext = null;
      if (im._destroyed) continue;
      im._destroyed = true;
      immCount--;
      if (im[kRef]) immRefCount--;
      const fn = im._onImmediate, args = im._argv;
      im._onImmediate = null;
      if (args === undefined) fn.call(im); else fn.apply(im, args);
      if (pending()) return true;
    }
    immRunning = false;
    if (immCount > 0) { immArmed = true; native.immediateArm(immRefCount > 0); }
    return false;
  }
  native.timersInit(runTimers, runImmediates);
