// part of the bootstrap (see base.js): os's figures from the kernel (src/sysinfo.rs) and
// perf_hooks (monitorEventLoopDelay and eventLoopUtilization on ruv-perf, src/mods.rs).
  const [unameSys, unameRelease, unameVersion, unameMachine] = native.uname();
  Object.assign(osMod, {
    cpus: () => JSON.parse(native.cpusInfo()).map(({ model, speed, times: t }) => ({ model, speed, times: { user: t.user, nice: t.nice, sys: t.sys, idle: t.idle, irq: t.irq } })),
    loadavg: () => native.loadavg(),
    uptime: () => native.sysUptime(),
    release: () => unameRelease,
    version: () => unameVersion,
    machine: () => unameMachine,
    type: () => unameSys,
    networkInterfaces() {
      const all = JSON.parse(native.interfaces());
      for (const name of Object.keys(all)) {
        all[name] = all[name].map((a) => {
          const o = { address: a.address, netmask: a.netmask, family: a.family, mac: a.mac, internal: a.internal, cidr: a.cidr };
          if (a.family === 'IPv6') o.scopeid = a.scopeid;
          return o;
        });
      }
      return all;
    },
    devNull: '/dev/null',
    userInfo(options) {
      const [uid, gid] = native.ids();
      let username = process.env.USER || '', homedir = process.env.HOME || '', shell = null;
      try {
        const line = fsMod.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
        if (line) { const f = line.split(':'); username = f[0]; homedir = f[5]; shell = f[6]; }
      } catch (e) { /* no passwd file: the environment's figures */ }
      const enc = options && options.encoding;
      const conv = (s) => (enc === 'buffer' && s !== null ? Buffer.from(s) : s);
      return Object.assign(Object.create(null), { uid, gid, username: conv(username), homedir: conv(homedir), shell: conv(shell) });
    },
    constants: { signals: Object.assign(Object.create(null), signals), errno: Object.create(null), priority: Object.create(null) },
    getPriority: () => 0,
  });
  osMod.tmpdir = () => {
    const t = process.env.TMPDIR || process.env.TMP || process.env.TEMP || '/tmp';
    return t.length > 1 && t.endsWith('/') ? t.slice(0, -1) : t;
  };

  // ---- perf_hooks ----------------------------------------------------------------------
  class RecordableHistogram {
    constructor(id) { Object.defineProperty(this, '_id', { value: id }); }
    _s() { return native.delayStats(this._id); }
    get min() { return this._s()[0]; }
    get max() { return this._s()[1]; }
    get mean() { return this._s()[2]; }
    get stddev() { return this._s()[3]; }
    get count() { return this._s()[4]; }
    get exceeds() { return this._s()[5]; }
    percentile(p) {
      if (typeof p !== 'number') throw invalidArgType('percentile', 'of type number', p);
      if (!(p > 0 && p <= 100)) throw outOfRange('percentile', '> 0 && <= 100', p);
      return native.delayPercentile(this._id, p);
    }
    get percentiles() {
      const flat = native.delayPercentiles(this._id), m = new Map();
      for (let i = 0; i < flat.length; i += 2) m.set(flat[i], flat[i + 1]);
      return m;
    }
    reset() { native.delayReset(this._id); }
  }
  class ELDHistogram extends RecordableHistogram {
    enable() { if (this._on) return false; this._on = true; native.delayEnable(this._id, true); return true; }
    disable() { if (!this._on) return false; this._on = false; native.delayEnable(this._id, false); return true; }
  }
  let nextMonitor = 1;
  function monitorEventLoopDelay(options) {
    const o = validateObjectOpt(options, 'options');
    const res = o.resolution === undefined ? 10 : o.resolution;
    if (typeof res !== 'number') throw invalidArgType('options.resolution', 'of type number', res);
    if (!(res >= 1 && res <= Number.MAX_SAFE_INTEGER)) throw outOfRange('options.resolution', '>= 1 && <= 9007199254740991', res);
    const id = nextMonitor++;
    native.delayCreate(id, Math.trunc(res));
    const h = new ELDHistogram(id);
    Object.defineProperty(h, '_on', { value: false, writable: true });
    return h;
  }
  // Node's formula: the utilization between two readings, or since the loop started
  function eventLoopUtilization(a, b) {
    const [idle, active] = native.elu();
    let now = { idle, active };
    if (b) now = { idle: a.idle - b.idle, active: a.active - b.active };
    else if (a) now = { idle: idle - a.idle, active: active - a.active };
    const total = now.idle + now.active;
    return { idle: now.idle, active: now.active, utilization: total > 0 ? now.active / total : 0 };
  }
  const timeOrigin = Date.now() - native.now();
  const marks = new Map();
  const performance = {
    now: () => native.now(),
    timeOrigin,
    eventLoopUtilization,
    mark(name) { const e = { name, entryType: 'mark', startTime: native.now(), duration: 0 }; marks.set(name, e); return e; },
    measure(name, start, end) {
      const s = start === undefined ? 0 : marks.has(start) ? marks.get(start).startTime : Number(start);
      const t = end === undefined ? native.now() : marks.has(end) ? marks.get(end).startTime : Number(end);
      return { name, entryType: 'measure', startTime: s, duration: t - s };
    },
    clearMarks(name) { if (name === undefined) marks.clear(); else marks.delete(name); },
    toJSON: () => ({ timeOrigin, eventLoopUtilization: eventLoopUtilization() }),
  };
  const perfHooksMod = { performance, monitorEventLoopDelay, constants: {} };
