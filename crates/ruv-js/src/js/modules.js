// part 4 of the bootstrap (see base.js): the module table, require, the globals, fatal errors.
  const perfHooks = perfHooksMod;

  const builtins = {
    events: EventEmitter, fs: fsMod, 'fs/promises': fsMod.promises, path: pathMod, crypto: cryptoMod,
    util, timers: timersMod, 'timers/promises': timersMod.promises, os: osMod, perf_hooks: perfHooks,
    buffer: { Buffer }, process, zlib: zlibMod, dns: dnsMod, 'dns/promises': dnsMod.promises, assert, 'assert/strict': assert, child_process: childProcess, worker_threads: workerThreads, http: httpMod,
    stream: streamMod, 'stream/promises': streamMod.promises, string_decoder: stringDecoderMod, net: netMod, cluster,
    url: urlMod, 'util/types': util.types, 'path/posix': pathMod,
  };

  // ---- require (CommonJS) ------------------------------------------------------------
  const moduleCache = Object.create(null);
  function notFound(request, parent) {
    const e = new Error(`Cannot find module '${request}'\nRequire stack:\n- ${parent}`);
    e.code = 'MODULE_NOT_FOUND';
    e.requireStack = [parent];
    return e;
  }
  function resolveFile(request, dir) {
    const base = pathMod.resolve(dir, request);
    for (const c of [base, base + '.js', base + '.json', base + '/index.js']) if (native.isFile(c)) return c;
    return null;
  }
  function makeRequire(filename) {
    const dir = pathMod.dirname(filename);
    function require(request) {
      if (typeof request !== 'string') throw invalidArgType('id', 'of type string', request);
      if (request === '') throw invalidArgValue('id', request, 'must be a non-empty string');
      const name = request.startsWith('node:') ? request.slice(5) : request;
      if (Object.prototype.hasOwnProperty.call(builtins, name)) return builtins[name];
      if (!(request.startsWith('./') || request.startsWith('../') || request.startsWith('/'))) throw notFound(request, filename);
      const file = resolveFile(request, dir);
      if (!file) throw notFound(request, filename);
      return loadModule(file).exports;
    }
    require.resolve = (request) => { const f = resolveFile(request, dir); if (!f) throw notFound(request, filename); return f; };
    require.cache = moduleCache;
    return require;
  }
  function loadModule(file) {
    const cached = moduleCache[file];
    if (cached) return cached;
    const module = { id: file, filename: file, exports: {}, loaded: false, children: [], paths: [] };
    moduleCache[file] = module;
    const source = fsMod.readFileSync(file, 'utf8');
    try {
      if (file.endsWith('.json')) module.exports = JSON.parse(source);
      else {
        const fn = compile(source, file);
        fn.call(module.exports, module.exports, makeRequire(file), module, file, pathMod.dirname(file));
      }
    } catch (e) {
      delete moduleCache[file];
      throw e;
    }
    module.loaded = true;
    return module;
  }

  // ---- the globals ---------------------------------------------------------------------
  Object.assign(g, {
    process, console, Buffer, setTimeout, setInterval, setImmediate, clearTimeout, clearInterval: clearTimeout,
    clearImmediate, queueMicrotask, TextEncoder, TextDecoder, global: g, URL, URLSearchParams,
  });
  g.performance = perfHooks.performance;

  // ---- fatal errors (Node's uncaughtException semantics) ---------------------------------
  function reportFatal(e) {
    const text = e instanceof Error ? (e.stack ? String(e.stack).replace(/\n$/, '') : `${e.name}: ${e.message}`)
      : `Uncaught ${inspect(e)}`;
    // Node's own errors show their code: `TypeError [ERR_INVALID_ARG_TYPE]: …`
    const title = e instanceof Error ? (typeof e.code === 'string' && e.code.startsWith('ERR_') ? `${e.name} [${e.code}]` : e.name) : '';
    const shown = e instanceof Error && !String(e.stack || '').startsWith(e.name) ? `${title}: ${e.message}\n${e.stack || ''}` : text;
    const arrow = e !== null && typeof e === 'object' && typeof e[kArrow] === 'string' ? e[kArrow] + '\n' : '';
    native.write(2, `${arrow}${shown.replace(/\n$/, '')}\n\nNode.js ${process.version}\n`, false);
  }
  function fatal(e) {
    if (e === exitSentinel) return;
    // a worker's out-of-memory is its parent's ERR_WORKER_OUT_OF_MEMORY (workerFatal)
    if (isMainThread && isOutOfMemory(e)) native.outOfMemory();
    if (process.listenerCount('uncaughtException') > 0) {
      try { process.emit('uncaughtException', e, 'uncaughtException'); return; } catch (e2) { e = e2; }
    }
    if (!isMainThread) {
      // the parent's Worker gets 'error' (a clone of it), then 'exit' with 1
      workerFatal(e);
      return;
    }
    reportFatal(e);
    process.exitCode = 1;
    if (!exiting) { exiting = true; try { process.emit('exit', 1); } catch (e3) { /* the first error wins */ } }
    native.exit(1);
  }
  function unhandledRejection(reason) {
    if (process.listenerCount('unhandledRejection') > 0) { process.emit('unhandledRejection', reason); return; }
    if (reason instanceof Error) fatal(reason);
    else {
      const e = new Error(`This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "${inspect(reason)}".`);
      e.code = 'ERR_UNHANDLED_REJECTION';
      fatal(e);
    }
  }

  return {
    call, fatal, unhandledRejection,
    runMain(filename, evalSource) {
      const module = { id: '.', filename, exports: {}, loaded: false, children: [], paths: [] };
      moduleCache[filename] = module;
      // `new Worker(code, { eval: true })`: the code itself
      const source = evalSource !== undefined && evalSource !== null ? evalSource : fsMod.readFileSync(filename, 'utf8').replace(/^#!.*/, '');
      const fn = compile(source, filename);
      const require = makeRequire(filename);
      require.main = module;
      fn.call(module.exports, module.exports, require, module, filename, pathMod.dirname(filename));
      module.loaded = true;
    },
    beforeExit() { process.emit('beforeExit', exitCodeNow()); },
    exit() { if (!exiting) { exiting = true; process.emit('exit', exitCodeNow()); } return exitCodeNow(); },
  };
})
