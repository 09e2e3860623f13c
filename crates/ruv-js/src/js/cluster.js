// part of the bootstrap (see base.js): `cluster` (src/cluster.rs) and process signal events.
  // ---- process.on('SIGINT' | 'SIGTERM' | …) --------------------------------------------
  // A signal with listeners is watched (without keeping the loop alive, as Node's); with
  // none it has its default action again.
  const SIGNAL_NAMES = new Set(['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGCHLD', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGWINCH', 'SIGBREAK']);
  callbacks[3] = (name, sig) => { if (name === 'signal') process.emit(sig, sig); };
  process.on('newListener', (name) => {
    if (typeof name === 'string' && SIGNAL_NAMES.has(name) && process.listenerCount(name) === 0) native.signalWatch(name, true);
  });
  process.on('removeListener', (name) => {
    if (typeof name === 'string' && SIGNAL_NAMES.has(name) && process.listenerCount(name) === 0) native.signalWatch(name, false);
  });

  // ---- cluster -------------------------------------------------------------------------
  const clusterWorkerId = native.clusterWorkerId(); // 0 in a primary
  const cluster = new EventEmitter();
  cluster.isWorker = clusterWorkerId > 0;
  cluster.isPrimary = cluster.isMaster = !cluster.isWorker;
  cluster.SCHED_NONE = 1;
  cluster.SCHED_RR = 2;
  cluster.schedulingPolicy = process.env.NODE_CLUSTER_SCHED_POLICY === 'none' ? 1 : 2;
  cluster.settings = {};
  cluster.workers = cluster.isPrimary ? {} : undefined;
  cluster.worker = null;

  class ClusterWorker extends EventEmitter {
    constructor(id, proc) {
      super();
      this.id = id;
      this.process = proc;
      this.exitedAfterDisconnect = undefined;
      this.state = 'none';
    }
    isConnected() { return this.process.connected; }
    isDead() { return this.process.exitCode !== null || this.process.signalCode !== null; }
  }

  // the primary's view of a worker's process: pid, exit code, kill, send
  class WorkerProcess extends EventEmitter {
    constructor(worker) {
      super();
      this._worker = worker;
      this.pid = undefined; this.connected = true; this.exitCode = null; this.signalCode = null; this.killed = false;
    }
    send(message, handle, options, cb) {
      if (typeof handle === 'function') cb = handle;
      else if (typeof options === 'function') cb = options;
      if (!this.connected) {
        const e = makeError('Channel closed', 'ERR_IPC_CHANNEL_CLOSED');
        if (cb) process.nextTick(cb, e); else process.nextTick(() => this.emit('error', e));
        return false;
      }
      if (message === undefined) throw invalidArgType('message', 'one of type string, object, number, or boolean', message);
      native.clusterSend(this._worker.id, JSON.stringify(message), cb ? register(() => cb(null)) : 0);
      return true;
    }
    kill(sig = 'SIGTERM') {
      const name = typeof sig === 'number' ? Object.keys(signals).find((k) => signals[k] === sig) : sig;
      if (!name || !(name in signals)) { const e = new TypeError(`Unknown signal: ${sig}`); e.code = 'ERR_UNKNOWN_SIGNAL'; throw e; }
      native.clusterKill(this._worker.id, name);
      this.killed = true;
      return true;
    }
    disconnect() { this._worker.disconnect(); }
  }

  if (cluster.isPrimary) {
    const byId = new Map();
    let nextId = 0;
    ClusterWorker.prototype.send = function (...args) { return this.process.send(...args); };
    ClusterWorker.prototype.disconnect = function () {
      this.exitedAfterDisconnect = true;
      if (this.process.connected) native.clusterDisconnect(this.id);
      return this;
    };
    ClusterWorker.prototype.kill = ClusterWorker.prototype.destroy = function (sig = 'SIGTERM') {
      this.exitedAfterDisconnect = true;
      this.process.kill(sig);
    };
    const remove = (w) => {
      if (!w.isConnected() && w.isDead()) { byId.delete(w.id); delete cluster.workers[w.id]; }
    };
    callbacks[2] = (name, id, ...args) => {
      const w = byId.get(id);
      if (!w) { if (name === 'error') cluster.emit('error', nativeError(args[0])); return; }
      switch (name) {
        case 'fork': w.process.pid = args[0] === null ? undefined : args[0]; cluster.emit('fork', w); break;
        case 'online': w.state = 'online'; w.emit('online'); cluster.emit('online', w); break;
        case 'listening': {
          const address = { addressType: args[2], address: args[0], port: args[1] };
          w.state = 'listening';
          w.emit('listening', address);
          cluster.emit('listening', w, address);
          break;
        }
        case 'message': {
          const m = JSON.parse(args[0]);
          cluster.emit('message', w, m, undefined);
          w.emit('message', m, undefined);
          break;
        }
        case 'disconnect':
          w.process.connected = false;
          w.exitedAfterDisconnect = Boolean(w.exitedAfterDisconnect || args[0]);
          w.state = 'disconnected';
          w.emit('disconnect');
          cluster.emit('disconnect', w);
          remove(w);
          break;
        case 'exit':
          w.process.exitCode = args[0]; w.process.signalCode = args[1];
          w.exitedAfterDisconnect = Boolean(w.exitedAfterDisconnect || args[2]);
          w.state = 'dead';
          remove(w);
          w.process.emit('exit', args[0], args[1]);
          w.emit('exit', args[0], args[1]);
          cluster.emit('exit', w, args[0], args[1]);
          break;
        case 'error': {
          const e = nativeError(args[0]);
          if (w.listenerCount('error') > 0) w.emit('error', e); else cluster.emit('error', e);
          break;
        }
      }
    };
    cluster.setupPrimary = cluster.setupMaster = function (settings) {
      const s = Object.assign(cluster.settings, settings || {});
      native.clusterSetup(s.exec === undefined ? null : pathMod.resolve(String(s.exec)),
        s.args === undefined ? null : s.args.map(String), Boolean(s.silent));
      cluster.emit('setup', s);
    };
    cluster.fork = function (env) {
      const w = new ClusterWorker(++nextId, null);
      w.process = new WorkerProcess(w);
      byId.set(w.id, w);
      cluster.workers[w.id] = w;
      const pairs = [];
      for (const [k, v] of Object.entries(env || {})) pairs.push([String(k), String(v)]);
      const pid = native.clusterFork(pairs);
      if (pid !== undefined && pid !== null) w.process.pid = pid;
      return w;
    };
    cluster.disconnect = function (cb) {
      const live = Object.values(cluster.workers);
      let left = live.length;
      if (cb) { if (left === 0) process.nextTick(cb); else live.forEach((w) => w.once('exit', () => { if (--left === 0) cb(); })); }
      live.forEach((w) => w.disconnect());
    };
  } else {
    delete process.env.NODE_UNIQUE_ID;
    const w = new ClusterWorker(clusterWorkerId, process);
    w.state = 'online';
    cluster.worker = w;
    w.send = (...args) => process.send(...args);
    w.isConnected = () => process.connected;
    w.isDead = () => false;
    w.disconnect = function () {
      w.exitedAfterDisconnect = true;
      native.clusterDisconnect(0);
      return w;
    };
    w.kill = w.destroy = (sig) => { w.disconnect(); process.kill(process.pid, sig || 'SIGTERM'); };
    callbacks[2] = (name, _id, arg) => {
      switch (name) {
        case 'message': {
          const m = JSON.parse(arg);
          process.emit('message', m, undefined);
          w.emit('message', m, undefined);
          break;
        }
        case 'disconnect': parentGone(); w.emit('disconnect'); break;
        case 'error': process.emit('error', nativeError(arg)); break;
      }
    };
  }
