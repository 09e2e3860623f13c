// part of the bootstrap (see base.js; joined after http.js): Node's argument checks, its
// syntax error display, and the heap-full exit.
  // ---- argument checks (ERR_INVALID_ARG_TYPE / _VALUE with Node's messages) -------------
  function validateString(v, name) { if (typeof v !== 'string') throw invalidArgType(name, 'of type string', v); return v; }
  function validateObjectOpt(v, name) {
    if (v !== undefined && v !== null && typeof v !== 'object') throw invalidArgType(name, 'of type object', v);
    return v || {};
  }
  function invalidArgValue(name, value, reason) {
    const kind = name.includes('.') ? 'property' : 'argument';
    const e = new TypeError(`The ${kind} '${name}' ${reason || 'is invalid'}. Received ${inspect(value)}`);
    e.code = 'ERR_INVALID_ARG_VALUE';
    return e;
  }
  function outOfRange(name, must, value) {
    const e = new RangeError(`The value of "${name}" is out of range. It must be ${must}. Received ${typeof value === 'number' ? formatNumber(value) : inspect(value)}`);
    e.code = 'ERR_OUT_OF_RANGE';
    return e;
  }
  // a path for fs: a string, a Buffer or a file: URL
  function toPath(p, name = 'path') {
    if (typeof p === 'string') return p;
    if (typeof Buffer === 'function' && p instanceof Buffer) return p.toString();
    if (p && typeof p === 'object' && p.href !== undefined && p.protocol !== undefined) return fileURLToPath(p);
    throw invalidArgType(name, 'of type string or an instance of Buffer or URL', p);
  }

  // Node's error classes for the ERR_ codes the Rust side reports
  const RANGE_CODES = new Set(['ERR_OUT_OF_RANGE', 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS', 'ERR_CRYPTO_INVALID_KEYLEN']);
  const TYPE_CODES = new Set(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_CRYPTO_INVALID_DIGEST', 'ERR_UNKNOWN_SIGNAL']);
  function typedNativeError(spec) {
    const e = nativeError(spec);
    if (!e || typeof e.code !== 'string') return e;
    const Ctor = RANGE_CODES.has(e.code) ? RangeError : TYPE_CODES.has(e.code) ? TypeError : null;
    if (!Ctor) return e;
    const t = new Ctor(e.message);
    t.code = e.code;
    return t;
  }

  // path's functions check their arguments as Node's do
  for (const [fn, names] of [['join', null], ['resolve', 'paths'], ['normalize', 'path'], ['isAbsolute', 'path'], ['dirname', 'path'],
    ['basename', 'path'], ['extname', 'path'], ['parse', 'path'], ['relative', ['from', 'to']]]) {
    const orig = pathMod[fn];
    pathMod[fn] = function (...args) {
      for (let i = 0; i < args.length; i++) {
        if (fn === 'basename' && i === 1) { if (args[1] !== undefined) validateString(args[1], 'suffix'); continue; }
        if (fn !== 'join' && fn !== 'resolve' && !Array.isArray(names) && i > 0) break;
        const name = fn === 'join' ? 'path' : fn === 'resolve' ? `paths[${i}]` : Array.isArray(names) ? names[i] : names;
        if (name === undefined) break;
        validateString(args[i], name);
      }
      if (args.length === 0 && !['join', 'resolve', 'relative'].includes(fn)) validateString(undefined, names);
      return orig.apply(pathMod, args);
    };
  }

  // ---- syntax errors: Node's `file:line`, the line, a caret, then the error --------------
  const kArrow = Symbol('ruv.arrow');
  // what natives.rs's compileFunction puts before the source on its first line
  const WRAPPER = '(function (exports, require, module, __filename, __dirname) {'.length;
  const IDENT_AT = /^[A-Za-z_$][\w$]*/;
  // QuickJS's words for the common mistakes, in V8's (Node's) words
  function v8Message(msg, token, lineText, idx, atEnd) {
    if (atEnd) return 'Unexpected end of input';
    const isIdent = IDENT_AT.test(token);
    if (/^unexpected token in expression/.test(msg) || /^expecting /.test(msg) || msg === 'invalid property name' || msg === 'class statement requires a name') {
      if (isIdent) return `Unexpected identifier '${token}'`;
      return `Unexpected token '${token}'`;
    }
    if (msg === 'unexpected end of string' || msg === 'invalid or unexpected token') return 'Invalid or unexpected token';
    if (msg === 'function name expected') return 'Function statements require a function name';
    if (msg === 'missing initializer for variable' && /\bconst\b/.test(lineText)) return 'Missing initializer in const declaration';
    if (msg === 'invalid redefinition of lexical identifier') return `Identifier '${token}' has already been declared`;
    return msg.charAt(0).toUpperCase() + msg.slice(1);
  }
  // Compiles a module's source as Node wraps it; a SyntaxError gets Node's display
  function compile(source, file) {
    try {
      return native.compileFunction(source, file);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      const m = /:(\d+):(\d+)/.exec(String(e.stack || ''));
      const lines = source.split('\n');
      let line = m ? Number(m[1]) : 1, idx = m ? Number(m[2]) - 1 : 0;
      if (line === 1) idx -= WRAPPER;
      // past the source: the wrapper's closing `})`
      const atEnd = line > lines.length || (line === lines.length && lines[line - 1] === '' && source.endsWith('\n')) ||
        /^unexpected token in expression: '(\}|)'$/.test(e.message) && line >= lines.length;
      let text = atEnd ? '' : lines[line - 1] || '';
      if (atEnd) { line = lines.length; idx = -1; }
      idx = Math.max(-1, Math.min(idx, text.length));
      // QuickJS points after a declared name: step back onto it
      if (/redefinition|missing initializer/.test(e.message)) {
        let j = idx;
        while (j > 0 && /\s|[;=,]/.test(text[j] || ' ')) j--;
        while (j > 0 && /[\w$]/.test(text[j - 1])) j--;
        idx = j;
      }
      const rest = idx >= 0 ? text.slice(idx) : '';
      const token = (IDENT_AT.exec(rest) || [rest.charAt(0)])[0];
      const err = new SyntaxError(v8Message(e.message, token, text, idx, atEnd));
      const width = IDENT_AT.test(token) ? token.length : 1;
      err[kArrow] = `${file}:${line}\n${text}\n${idx >= 0 ? ' '.repeat(idx) + '^'.repeat(width) : ''}\n`;
      err.stack = '';
      throw err;
    }
  }

  // QuickJS's out-of-memory: Node cannot catch it either (it aborts); ruvjs exits with 1
  function isOutOfMemory(e) {
    return e !== null && typeof e === 'object' && e.name === 'InternalError' && e.message === 'out of memory';
  }
