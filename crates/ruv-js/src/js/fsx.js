// part of the bootstrap (see base.js): fs's callback API on ruv-fs's pool (src/fsx.rs),
// fs.promises, Stats and Dirent, and the synchronous calls node.js did not have.
  const S_IFMT = 0o170000;
  class Stats {
    constructor(o) {
      for (const k of ['dev', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'blksize', 'ino', 'size', 'blocks', 'atimeMs', 'mtimeMs', 'ctimeMs', 'birthtimeMs']) this[k] = o[k];
      this.atime = new Date(o.atimeMs); this.mtime = new Date(o.mtimeMs);
      this.ctime = new Date(o.ctimeMs); this.birthtime = new Date(o.birthtimeMs);
    }
    isFile() { return (this.mode & S_IFMT) === 0o100000; }
    isDirectory() { return (this.mode & S_IFMT) === 0o040000; }
    isSymbolicLink() { return (this.mode & S_IFMT) === 0o120000; }
    isFIFO() { return (this.mode & S_IFMT) === 0o010000; }
    isSocket() { return (this.mode & S_IFMT) === 0o140000; }
    isCharacterDevice() { return (this.mode & S_IFMT) === 0o020000; }
    isBlockDevice() { return (this.mode & S_IFMT) === 0o060000; }
  }
  const kType = Symbol('type');
  class Dirent {
    constructor(name, type, dir) { this.name = name; this.parentPath = dir; this.path = dir; Object.defineProperty(this, kType, { value: type }); }
    isFile() { return this[kType] === 'file'; }
    isDirectory() { return this[kType] === 'dir'; }
    isSymbolicLink() { return this[kType] === 'link'; }
    isFIFO() { return this[kType] === 'fifo'; }
    isSocket() { return this[kType] === 'socket'; }
    isCharacterDevice() { return this[kType] === 'char'; }
    isBlockDevice() { return this[kType] === 'block'; }
  }
  // an fs error: ruv's two-path form `a' -> 'b` is Node's path and dest
  function fsError(spec) {
    const e = typedNativeError(spec);
    if (e && typeof e.path === 'string' && e.path.includes("' -> '")) {
      const [path, dest] = e.path.split("' -> '");
      e.path = path; e.dest = dest;
    }
    return e;
  }
  function fsThrow(r) { if (Array.isArray(r) && r.length === 5 && typeof r[0] === 'string') throw fsError(r); return r; }
  // the callback (Node's `cb`): the last argument if it is a function, else what stands at
  // `pos` (or, for `open`, the last argument), which is then the error's subject
  function splitCb(args, pos) {
    const last = args[args.length - 1];
    if (typeof last === 'function') return [args.slice(0, -1), last];
    checkFunction(pos === undefined ? last : args[pos], 'cb');
  }
  function checkFd(fd) { if (typeof fd !== 'number') throw invalidArgType('fd', 'of type number', fd); if (!Number.isInteger(fd) || fd < 0) throw outOfRange('fd', '>= 0 && <= 2147483647', fd); return fd; }
  // queues a pool call; `done(value, bytes)` turns its result into the callback's arguments
  function fsCall(cb, name, s1, s2, n1, n2, flag, data, done) {
    native.fsAsync(register((ev, err, value, bytes) => {
      if (err) return cb(fsError(err));
      if (done) done(value, bytes); else cb(null);
    }), name, s1, s2 === undefined ? '' : s2, [n1 || 0, n2 === undefined || n2 === null ? -1 : n2], !!flag, data);
  }
  const flagsOf = (f) => (f === undefined || f === null ? 'r' : typeof f === 'number' ? String(f) : String(f));
  const modeOf = (m, dflt) => (m === undefined || m === null ? dflt : typeof m === 'string' ? parseInt(m, 8) : m);
  function optsOf(o) { return typeof o === 'string' ? { encoding: o } : o || {}; }

  Object.assign(fsMod, {
    constants: { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, COPYFILE_EXCL: 1, COPYFILE_FICLONE: 2, COPYFILE_FICLONE_FORCE: 4, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_TRUNC: 512, O_APPEND: 1024 },
    F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
    Stats, Dirent,
    open(...a) {
      const [[path, flags, mode], cb] = splitCb(a);
      fsCall(cb, 'open', toPath(path), typeof flags === 'function' ? 'r' : flagsOf(flags), modeOf(typeof mode === 'function' ? undefined : mode, 0o666), 0, false, undefined, (fd) => cb(null, fd));
    },
    close(fd, cb) { checkFd(fd); if (cb !== undefined) checkFunction(cb, 'cb'); fsCall(cb || (() => {}), 'close', '', '', fd); },
    read(fd, buffer, offset, length, position, cb) {
      if (typeof buffer === 'function') { cb = buffer; buffer = Buffer.alloc(16384); offset = 0; length = buffer.length; position = null; } else if (typeof offset === 'function' || (offset && typeof offset === 'object')) {
        const o = typeof offset === 'object' ? offset : {};
        cb = typeof offset === 'function' ? offset : length;
        ({ offset = 0, length = buffer.byteLength - (o.offset || 0), position = null } = o);
      }
      checkFd(fd); checkFunction(cb, 'cb');
      if (!ArrayBuffer.isView(buffer)) throw invalidArgType('buffer', 'an instance of Buffer, TypedArray, or DataView', buffer);
      offset = offset || 0; if (length === undefined) length = buffer.byteLength - offset;
      if (offset < 0 || offset > buffer.byteLength) throw outOfRange('offset', `>= 0 && <= ${buffer.byteLength}`, offset);
      if (length < 0 || offset + length > buffer.byteLength) throw outOfRange('length', `>= 0 && <= ${buffer.byteLength - offset}`, length);
      const pos = typeof position === 'bigint' ? Number(position) : typeof position === 'number' && position >= 0 ? position : -1;
      fsCall(cb, 'read', '', String(length), fd, pos, false, undefined, (n, bytes) => {
        new Uint8Array(buffer.buffer, buffer.byteOffset + offset, n).set(new Uint8Array(bytes));
        cb(null, n, buffer);
      });
    },
    write(fd, data, a, b, c, d) {
      const args = [a, b, c, d].filter((x) => x !== undefined);
      const cb = args.pop();
      checkFd(fd); checkFunction(cb, 'cb');
      let bytes, pos = -1;
      if (typeof data === 'string') {
        const [position, enc] = args;
        bytes = Buffer.from(data, enc);
        if (typeof position === 'number') pos = position;
      } else {
        if (!ArrayBuffer.isView(data)) throw invalidArgType('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
        const [offset = 0, length = data.byteLength - offset, position] = args;
        bytes = new Uint8Array(data.buffer, data.byteOffset + offset, length);
        if (typeof position === 'number') pos = position;
      }
      fsCall(cb, 'write', '', '', fd, pos, false, own(bytes), (n) => cb(null, n, data));
    },
    stat(...a) { const [[path], cb] = splitCb(a, 2); fsCall(cb, 'stat', toPath(path), '', 0, -1, false, undefined, (j) => cb(null, new Stats(JSON.parse(j)))); },
    lstat(...a) { const [[path], cb] = splitCb(a, 2); fsCall(cb, 'stat', toPath(path), '', 0, -1, true, undefined, (j) => cb(null, new Stats(JSON.parse(j)))); },
    fstat(fd, ...a) { const [, cb] = splitCb(a, 1); checkFd(fd); fsCall(cb, 'fstat', '', '', fd, -1, false, undefined, (j) => cb(null, new Stats(JSON.parse(j)))); },
    readdir(...a) {
      const [[path, o], cb] = splitCb(a, 2);
      const p = toPath(path), types = !!optsOf(o).withFileTypes;
      fsCall(cb, 'readdir', p, '', 0, -1, types, undefined, (j) => cb(null, JSON.parse(j).map((x) => (types ? new Dirent(x[0], x[1], p) : x))));
    },
    mkdir(...a) {
      const [[path, o], cb] = splitCb(a, 2);
      const opts = typeof o === 'number' || typeof o === 'string' ? { mode: o } : o || {};
      fsCall(cb, 'mkdir', toPath(path), '', modeOf(opts.mode, 0o777), -1, !!opts.recursive, undefined, (first) => (opts.recursive ? cb(null, first) : cb(null)));
    },
    rm(...a) { const [[path, o], cb] = splitCb(a, 2); const opts = o || {}; fsCall(cb, 'rm', toPath(path), '', opts.force ? 1 : 0, -1, !!opts.recursive); },
    rmdir(...a) {
      const [[path, o], cb] = splitCb(a, 2);
      if (o && o.recursive) return fsCall(cb, 'rm', toPath(path), '', 0, -1, true);
      fsCall(cb, 'rmdir', toPath(path));
    },
    unlink(path, cb) { checkFunction(cb, 'cb'); fsCall(cb, 'unlink', toPath(path)); },
    rename(from, to, cb) { checkFunction(cb, 'cb'); fsCall(cb, 'rename', toPath(from, 'oldPath'), toPath(to, 'newPath')); },
    access(...a) { const [[path, mode], cb] = splitCb(a, 2); fsCall(cb, 'access', toPath(path), '', mode === undefined ? 0 : mode); },
    exists(path, cb) {
      checkFunction(cb, 'cb');
      let p;
      try { p = toPath(path); } catch (e) { process.nextTick(cb, false); return; }
      native.fsAsync(register((ev, err) => cb(!err)), 'access', p, '', [0, -1], false, undefined);
    },
    copyFile(...a) { const [[src, dest, mode], cb] = splitCb(a, 3); fsCall(cb, 'copyFile', toPath(src, 'src'), toPath(dest, 'dest'), mode || 0); },
    writeFile(...a) { const [[path, data, o], cb] = splitCb(a, 3); fsCall(cb, 'writeFile', toPath(path), '', 0, -1, optsOf(o).flag === 'a', own(toData(data, o))); },
    appendFile(...a) { const [[path, data, o], cb] = splitCb(a, 3); fsCall(cb, 'writeFile', toPath(path), '', 0, -1, true, own(toData(data, o))); },
  });

  // the synchronous calls: the argument checks, full Stats, and what was missing
  const syncOld = { readFileSync: fsMod.readFileSync, writeFileSync: fsMod.writeFileSync, appendFileSync: fsMod.appendFileSync, readdirSync: fsMod.readdirSync, unlinkSync: fsMod.unlinkSync, mkdirSync: fsMod.mkdirSync };
  const fsSync = (name, s1, s2, n1, flag) => fsThrow(native.fsSync(name, s1, s2 === undefined ? '' : s2, n1 || 0, !!flag));
  Object.assign(fsMod, {
    readFileSync(path, o) { return syncOld.readFileSync(typeof path === 'number' ? `/dev/fd/${checkFd(path)}` : toPath(path), o); },
    // an fd is written where it stands, not truncated (as Node's)
    writeFileSync(path, data, o) { return typeof path === 'number' ? syncOld.appendFileSync(`/dev/fd/${checkFd(path)}`, data, o) : syncOld.writeFileSync(toPath(path), data, o); },
    appendFileSync(path, data, o) { return syncOld.appendFileSync(toPath(path), data, o); },
    existsSync(path) { try { return native.exists(toPath(path)); } catch (e) { return false; } },
    unlinkSync(path) { return syncOld.unlinkSync(toPath(path)); },
    mkdirSync(path, o) { return syncOld.mkdirSync(toPath(path), typeof o === 'object' ? o : undefined); },
    readdirSync(path, o) {
      const p = toPath(path);
      const names = fsThrow(native.readdirSync(p));
      if (!optsOf(o).withFileTypes) return names;
      return names.map((n) => {
        const st = new Stats(JSON.parse(fsSync('lstat', p + '/' + n)));
        const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : st.isFIFO() ? 'fifo' : st.isSocket() ? 'socket' : st.isCharacterDevice() ? 'char' : 'block';
        return new Dirent(n, type, p);
      });
    },
    statSync(path, o) {
      try { return new Stats(JSON.parse(fsSync('stat', toPath(path)))); } catch (e) { if (o && o.throwIfNoEntry === false && e.code === 'ENOENT') return undefined; throw e; }
    },
    lstatSync(path) { return new Stats(JSON.parse(fsSync('lstat', toPath(path)))); },
    renameSync(from, to) { fsSync('rename', toPath(from, 'oldPath'), toPath(to, 'newPath')); },
    rmSync(path, o) { const opts = o || {}; fsSync('rm', toPath(path), '', opts.force ? 1 : 0, !!opts.recursive); },
    rmdirSync(path, o) { if (o && o.recursive) fsSync('rm', toPath(path), '', 0, true); else fsSync('rmdir', toPath(path)); },
    accessSync(path, mode) { fsSync('access', toPath(path), '', mode === undefined ? 0 : mode); },
    copyFileSync(src, dest, mode) { fsSync('copyFile', toPath(src, 'src'), toPath(dest, 'dest'), mode || 0); },
    realpathSync(path) { return fsSync('realpath', toPath(path)); },
  });
  fsMod.realpath = function (...a) {
    const [[path], cb] = splitCb(a, 2);
    let r, err = null;
    try { r = fsMod.realpathSync(path); } catch (e) { err = e; }
    process.nextTick(() => (err ? cb(err) : cb(null, r)));
  };

  // fs.promises: the callback calls as promises
  const fsPromise = (name) => (...args) => new Promise((res, rej) => fsMod[name](...args, (e, v) => (e ? rej(e) : res(v))));
  for (const name of ['writeFile', 'appendFile', 'stat', 'lstat', 'readdir', 'mkdir', 'rm', 'rmdir', 'unlink', 'access', 'rename', 'copyFile', 'realpath']) {
    fsMod.promises[name] = fsPromise(name);
  }
  fsMod.promises.constants = fsMod.constants;
