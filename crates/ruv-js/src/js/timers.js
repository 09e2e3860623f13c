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
  class Timeout {
    constructor(fn, ms, args, repeat) {
      ms *= 1;
      if (!(ms >= 1 && ms <= TIMEOUT_MAX)) ms = 1;
      this._idleTimeout = ms;
      this._idlePrev = null;
      this._idleNext = null;
      this._idleStart = 0;
      this._onTimeout = fn;
      this._timerArgs = args;
      this._repeat = repeat ? ms : null;
      this._destroyed = false;
      this[kRef] = true;
      this[kId] = 0;
    }
    ref() {
      if (!this[kRef]) { this[kRef] = true; if (this._idleNext !== null) timerRefs(1); }
      return this;
    }
    unref() {
      if (this[kRef]) { this[kRef] = false; if (this._idleNext !== null) timerRefs(-1); }
      return this;
    }
    hasRef() { return this[kRef]; }
    refresh() {
      if (this._idleTimeout === -1) return this;
      if (this._idleNext !== null) timerUnlink(this);
      timerInsert(this, timerNow());
      return this;
    }
    close() { clearTimeout(this); return this; }
    // as Node: a timer turned into a number can be cleared by that number
    [Symbol.toPrimitive]() {
      if (this[kId] === 0) { this[kId] = ++primitiveSeq; byPrimitive.set(this[kId], this); }
      return this[kId];
    }
  }
  const byPrimitive = new Map();
  let primitiveSeq = 0;
  // A duration's list: a ring through `_idleNext`/`_idlePrev` with the list as its sentinel.
  class TimerList {
    constructor(ms, expiry) {
      this._idleNext = this;
      this._idlePrev = this;
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
  function timerHeapRemove(list) {
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
    const tail = list._idlePrev;
    t._idlePrev = tail; t._idleNext = list;
    tail._idleNext = t; list._idlePrev = t;
    if (t[kRef]) timerRefs(1);
  }
  function timerUnlink(t) {
    const prev = t._idlePrev, next = t._idleNext;
    prev._idleNext = next; next._idlePrev = prev;
    t._idleNext = t._idlePrev = null;
    if (t[kRef]) timerRefs(-1);
    // a list left empty leaves the heap, unless a run is going through it
    if (next === prev && next !== timerCurrent) {
      delete timerLists[next.msecs];
      timerHeapRemove(next);
    }
  }
  // Runs the due timers: list by list (earliest first), each list's due timers in start order.
  function runTimers() {
    if (!timersRunning) { timersRunning = true; timersNow = timerNow(); timerArmedFor = Infinity; }
    const now = timersNow;
    let list;
    while ((list = timerHeap[0]) !== undefined) {
      if (list.expiry > now) break;
      const t = list._idleNext;
      if (t === list) { delete timerLists[list.msecs]; timerHeapRemove(list); continue; }
      if (now - t._idleStart < list.msecs) {
        // the rest of this list is due later: it moves back in the heap, as a new list would
        list.expiry = Math.max(t._idleStart + list.msecs, now + 1);
        list.id = ++listSeq;
        timerHeapDown(0);
        continue;
      }
      timerCurrent = list;
      timerUnlink(t);
      const start = t._repeat !== null ? timerNow() : 0;
      try {
        const args = t._timerArgs;
        if (args === undefined) t._onTimeout();
        else t._onTimeout(...args);
      } finally {
        timerCurrent = null;
        if (t._repeat !== null && t._idleTimeout !== -1) {
          // an interval is due again `ms` after its callback started
          t._idleTimeout = t._repeat;
          if (t._idleNext !== null) timerUnlink(t);
          timerInsert(t, start);
        } else if (t._idleNext === null) t._destroyed = true;
      }
      if (native.pending()) return true;
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
    if (t._idleNext !== null) timerUnlink(t);
    t._idleTimeout = -1;
    t._destroyed = true;
  }
  // ---- immediates ----------------------------------------------------------------------
  class Immediate {
    constructor(fn, args) {
      this._idleNext = null;
      this._idlePrev = null;
      this._onImmediate = fn;
      this._argv = args;
      this._destroyed = false;
      this[kRef] = true;
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
    if (immTail === null) immHead = im; else { immTail._idleNext = im; im._idlePrev = immTail; }
    immTail = im;
    immCount++;
    immRefs(1);
    if (!immArmed && !immRunning) { immArmed = true; native.immediateArm(true); }
    return im;
  }
  function clearImmediate(im) {
    if (!(im instanceof Immediate) || im._destroyed) return;
    im._destroyed = true;
    im._onImmediate = null;
    immCount--;
    if (im[kRef]) immRefs(-1);
    // out of the waiting queue; in a running one it stays, skipped
    if (!immRunning) {
      const prev = im._idlePrev, next = im._idleNext;
      if (prev !== null) prev._idleNext = next; else if (immHead === im) immHead = next;
      if (next !== null) next._idlePrev = prev; else if (immTail === im) immTail = prev;
      im._idleNext = im._idlePrev = null;
    }
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
      im._idleNext = im._idlePrev = null;
      if (im._destroyed) continue;
      im._destroyed = true;
      immCount--;
      if (im[kRef]) immRefCount--;
      const fn = im._onImmediate, args = im._argv;
      im._onImmediate = null;
      if (args === undefined) fn.call(im); else fn.apply(im, args);
      if (native.pending()) return true;
    }
    immRunning = false;
    if (immCount > 0 && immHead !== null) { immArmed = true; native.immediateArm(immRefCount > 0); }
    return false;
  }
  native.timersInit(runTimers, runImmediates);
