// part of the bootstrap (see base.js): child_process's exec, execFile, spawn with its
// options, and the synchronous spawnSync, execSync, execFileSync (src/cp.rs on ruv-process).
  function envList(env) {
    if (env === undefined || env === null) return undefined;
    const flat = [];
    for (const k of Object.keys(env)) if (env[k] !== undefined) flat.push(k, String(env[k]));
    return flat;
  }
  function signalName(sig, dflt) {
    if (sig === undefined || sig === null) return dflt;
    if (typeof sig === 'number') { const n = Object.keys(signals).find((k) => signals[k] === sig); if (n) return n; }
    return String(sig);
  }
  function stdioList(stdio) {
    let s = stdio === undefined || stdio === null ? 'pipe' : stdio;
    if (typeof s === 'string') s = [s, s, s];
    if (!Array.isArray(s)) throw invalidArgValue('stdio', stdio);
    const out = [];
    for (let i = 0; i < Math.max(3, s.length); i++) {
      const x = s[i];
      out.push(x === undefined || x === null ? (i < 3 ? 'pipe' : 'ignore') : typeof x === 'number' ? String(x) : String(x));
    }
    return out;
  }
  function spawnCommonOpts(options) {
    const o = validateObjectOpt(options, 'options');
    if (o.cwd !== undefined && o.cwd !== null) toPath(o.cwd, 'options.cwd');
    return { cwd: o.cwd === undefined || o.cwd === null ? undefined : toPath(o.cwd, 'options.cwd'), env: envList(o.env) };
  }
  // a spawn failure in Node's words: `spawn FILE ENOENT`, syscall `spawn FILE`
  function spawnError(spec, file, args, sync) {
    const e = nativeError(spec);
    if (!e || e.code === undefined || String(e.code).startsWith('ERR_')) return e;
    const syscall = `${sync ? 'spawnSync' : 'spawn'} ${file}`;
    const out = new Error(`${syscall} ${e.code}`);
    if (e.errno !== undefined) out.errno = e.errno;
    out.code = e.code; out.syscall = syscall; out.path = file; out.spawnargs = args;
    return out;
  }
  function decodeOut(bytes, enc) {
    const b = Buffer._wrap(bytes);
    return enc === 'buffer' || enc === null ? b : b.toString(enc || 'utf8');
  }

  childProcess.spawn = function (file, args, options) {
    validateString(file, 'file');
    if (!Array.isArray(args)) { options = args; args = []; }
    const opts = validateObjectOpt(options, 'options');
    const common = spawnCommonOpts(opts);
    const stdio = stdioList(opts.stdio);
    const child = new ChildProcess();
    child.connected = false;
    child.spawnfile = file;
    child.spawnargs = [file, ...args.map(String)];
    child.stdout = stdio[1] === 'pipe' ? new FedReadable() : null;
    child.stderr = stdio[2] === 'pipe' ? new FedReadable() : null;
    if (stdio[0] === 'pipe') {
      const w = new EventEmitter();
      w.writable = true;
      w.write = (chunk, enc, cb) => {
        if (typeof enc === 'function') { cb = enc; enc = undefined; }
        native.stdinWrite(child._id, own(typeof chunk === 'string' ? Buffer.from(chunk, enc) : toBytes(chunk, 'chunk')), false);
        if (cb) process.nextTick(cb);
        return true;
      };
      w.end = (chunk, enc, cb) => {
        if (typeof chunk === 'function') { cb = chunk; chunk = undefined; }
        if (chunk !== undefined && chunk !== null) w.write(chunk, enc);
        w.writable = false;
        native.stdinWrite(child._id, undefined, true);
        if (cb) process.nextTick(cb);
        return w;
      };
      child.stdin = w;
    }
    child.stdio = [child.stdin, child.stdout, child.stderr];
    callbacks[child._id] = (name, ...a) => {
      switch (name) {
        case 'stdio': { const st = child[a[0]]; if (st) { if (a[1] === null) st.push(null); else st._data(a[1]); } break; }
        case 'spawn': child.pid = a[0] === null ? undefined : a[0]; child.emit('spawn'); break;
        case 'exit': child.exitCode = a[0]; child.signalCode = a[1]; child.emit('exit', a[0], a[1]); break;
        case 'close': child.emit('close', a[0], a[1]); break;
        case 'error': child.emit('error', spawnError(a[0], file, args)); break;
      }
    };
    child.kill = function (sig = 'SIGTERM') { native.spawnKill(child._id, signalName(sig, 'SIGTERM')); child.killed = true; return true; };
    const pid = native.spawnx(child._id, file, args.map(String), common.cwd, common.env, stdio);
    if (pid !== undefined && pid !== null) child.pid = pid;
    return child;
  };

  function execFileImpl(file, args, opts, cb, shell) {
    const common = spawnCommonOpts(opts);
    const child = new EventEmitter();
    Object.assign(child, { pid: undefined, exitCode: null, signalCode: null, killed: false, stdin: null, stdout: null, stderr: null, spawnfile: shell ? shell : file });
    const id = register((ev, info, out, err, spec) => {
      const stdout = decodeOut(out, opts.encoding), stderr = decodeOut(err, opts.encoding);
      let e = null, code = 0, signal = null;
      if (info !== null) {
        const i = JSON.parse(info);
        if (i.failed) {
          e = new Error(i.message);
          Object.assign(e, { code: i.code, killed: i.killed, signal: i.signal, cmd: i.cmd });
          code = i.code; signal = i.signal;
        } else {
          e = spec && spec[1] && !String(spec[1]).startsWith('ERR_') ? spawnError(spec, file, args) : typedNativeError(spec);
          if (i.cmd !== undefined) e.cmd = i.cmd; else e.cmd = [file, ...args].join(' ');
          code = e.errno !== undefined ? e.errno : null;
        }
      }
      child.exitCode = code; child.signalCode = signal;
      if (cb) cb(e, stdout, stderr);
      child.emit('exit', code, signal);
      child.emit('close', code, signal);
    });
    const maxBuffer = opts.maxBuffer === undefined ? 1024 * 1024 : Number(opts.maxBuffer);
    child.pid = native.exec(id, file, args.map(String), {
      cwd: common.cwd, env: common.env, shell, timeout: Number(opts.timeout) || 0, maxBuffer, killSignal: signalName(opts.killSignal, 'SIGTERM'),
    });
    return child;
  }
  childProcess.exec = function (command, options, cb) {
    validateString(command, 'command');
    if (typeof options === 'function') { cb = options; options = undefined; }
    if (cb !== undefined) checkFunction(cb, 'callback');
    const opts = validateObjectOpt(options, 'options');
    const shell = typeof opts.shell === 'string' ? opts.shell : '/bin/sh';
    return execFileImpl(command, [], opts, cb, shell);
  };
  childProcess.execFile = function (file, args, options, cb) {
    validateString(file, 'file');
    if (typeof args === 'function') { cb = args; args = []; options = undefined; } else if (!Array.isArray(args)) { cb = options; options = args; args = []; }
    if (typeof options === 'function') { cb = options; options = undefined; }
    if (cb !== undefined && cb !== null) checkFunction(cb, 'callback');
    const opts = validateObjectOpt(options, 'options');
    return execFileImpl(file, args || [], opts, cb, opts.shell === true ? '/bin/sh' : typeof opts.shell === 'string' ? opts.shell : undefined);
  };

  childProcess.spawnSync = function (file, args, options) {
    validateString(file, 'file');
    if (!Array.isArray(args)) { options = args; args = []; }
    const opts = validateObjectOpt(options, 'options');
    const common = spawnCommonOpts(opts);
    const stdio = stdioList(opts.stdio);
    const input = opts.input === undefined || opts.input === null ? undefined : own(toData(opts.input, opts.encoding === 'buffer' ? undefined : opts));
    const r = native.spawnSync(file, args.map(String), {
      cwd: common.cwd, env: common.env, stdio, input, timeout: Number(opts.timeout) || 0,
      maxBuffer: opts.maxBuffer === undefined ? 1024 * 1024 : Number(opts.maxBuffer), killSignal: signalName(opts.killSignal, 'SIGTERM'),
    });
    if (Array.isArray(r)) return { error: spawnError(r, file, args.map(String), true), status: null, signal: null, output: null, pid: 0, stdout: null, stderr: null };
    const enc = opts.encoding === undefined || opts.encoding === 'buffer' ? null : opts.encoding;
    const out = stdio[1] === 'pipe' ? decodeOut(r.stdout, enc) : null, err = stdio[2] === 'pipe' ? decodeOut(r.stderr, enc) : null;
    const res = { status: r.status === undefined ? null : r.status, signal: r.signal === undefined ? null : r.signal, output: [null, out, err], pid: r.pid, stdout: out, stderr: err };
    if (r.error) {
      const e = nativeError(r.error);
      const timedOut = e.code === 'ETIMEDOUT';
      const ne = new Error(`spawnSync ${file} ${e.code}`);
      Object.assign(ne, { errno: e.errno, code: e.code, syscall: `spawnSync ${file}`, path: file, spawnargs: args.map(String) });
      if (timedOut || e.code === 'ENOBUFS') return { error: ne, ...res };
    }
    return res;
  };
  function checkSyncError(ret, cmd, opts) {
    if (!opts.stdio && ret.stderr && ret.stderr.length) process.stderr.write(ret.stderr);
    if (ret.error) { const { error, ...rest } = ret; throw Object.assign(error, rest); }
    if (ret.status !== 0) {
      let msg = `Command failed: ${cmd}`;
      if (ret.stderr && ret.stderr.length > 0) msg += `\n${ret.stderr.toString()}`;
      throw Object.assign(new Error(msg), ret);
    }
    return ret.stdout;
  }
  childProcess.execSync = function (command, options) {
    validateString(command, 'command');
    const opts = validateObjectOpt(options, 'options');
    const shell = typeof opts.shell === 'string' ? opts.shell : '/bin/sh';
    const ret = childProcess.spawnSync(shell, ['-c', command], { ...opts, stdio: opts.stdio || 'pipe' });
    return checkSyncError(ret, command, opts);
  };
  childProcess.execFileSync = function (file, args, options) {
    validateString(file, 'file');
    if (!Array.isArray(args)) { options = args; args = []; }
    const opts = validateObjectOpt(options, 'options');
    const ret = childProcess.spawnSync(file, args, { ...opts, stdio: opts.stdio || 'pipe' });
    return checkSyncError(ret, [file, ...args].join(' '), opts);
  };
