// part of the bootstrap (see base.js): the WHATWG URL and URLSearchParams (the URL
// Standard's parser for the common cases), url.parse/format/resolve (the legacy API's
// basics), fileURLToPath and pathToFileURL.
  const SPECIAL = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21', 'file:': '' };
  function invalidUrl(input, base) {
    const e = new TypeError('Invalid URL');
    e.code = 'ERR_INVALID_URL';
    e.input = input;
    if (base !== undefined) e.base = base;
    return e;
  }
  const C0 = (c) => c < 0x20 || c > 0x7e;
  const FRAGMENT_SET = (c) => C0(c) || ' "<>`'.includes(String.fromCharCode(c));
  const QUERY_SET = (c) => C0(c) || ' "#<>'.includes(String.fromCharCode(c));
  const SPECIAL_QUERY_SET = (c) => QUERY_SET(c) || c === 0x27;
  const PATH_SET = (c) => QUERY_SET(c) || '?`{}'.includes(String.fromCharCode(c));
  const USERINFO_SET = (c) => PATH_SET(c) || '/:;=@[\\]^|'.includes(String.fromCharCode(c));
  function pctEncode(s, set) {
    let out = '';
    for (const ch of s) {
      const c = ch.codePointAt(0);
      if (c < 0x80 && !set(c)) { out += ch; continue; }
      if (c < 0x80) { out += '%' + c.toString(16).toUpperCase().padStart(2, '0'); continue; }
      for (const b of Buffer.from(ch)) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
    return out;
  }
  function pctDecode(s) {
    const bytes = [];
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) { bytes.push(parseInt(s.slice(i + 1, i + 3), 16)); i += 2; } else bytes.push(...Buffer.from(s[i]));
    }
    return Buffer.from(bytes).toString('utf8');
  }

  function parseIPv4Number(s) {
    if (s === '') return NaN;
    let radix = 10;
    if (/^0[xX]/.test(s)) { s = s.slice(2); radix = 16; } else if (s.length > 1 && s[0] === '0') { s = s.slice(1); radix = 8; }
    if (s === '') return 0;
    const re = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
    return re.test(s) ? parseInt(s, radix) : NaN;
  }
  function parseIPv4(host) {
    const parts = host.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    if (parts.length > 4) return null;
    const nums = parts.map(parseIPv4Number);
    if (nums.some((n) => Number.isNaN(n))) return null;
    for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) return null;
    if (nums[nums.length - 1] >= 256 ** (5 - nums.length)) return null;
    let ipv4 = nums[nums.length - 1];
    for (let i = 0; i < nums.length - 1; i++) ipv4 += nums[i] * 256 ** (3 - i);
    const out = [];
    for (let i = 3; i >= 0; i--) out.push(Math.floor(ipv4 / 256 ** i) % 256);
    return out.join('.');
  }
  function endsInNumber(host) {
    const parts = host.split('.');
    if (parts[parts.length - 1] === '') { if (parts.length === 1) return false; parts.pop(); }
    const last = parts[parts.length - 1];
    return /^[0-9]+$/.test(last) || !Number.isNaN(parseIPv4Number(last)) && /^0[xX]/.test(last);
  }
  function parseIPv6(s) {
    const pieces = new Array(8).fill(0);
    let i = 0, compress = null, p = 0;
    if (s[p] === ':') { if (s[p + 1] !== ':') return null; p += 2; compress = ++i; }
    while (p < s.length) {
      if (i === 8) return null;
      if (s[p] === ':') { if (compress !== null) return null; p++; compress = ++i; continue; }
      let value = 0, len = 0;
      while (len < 4 && p < s.length && /[0-9a-fA-F]/.test(s[p])) { value = value * 16 + parseInt(s[p], 16); p++; len++; }
      if (s[p] === '.') {
        if (len === 0 || i > 6) return null;
        const v4 = parseIPv4(s.slice(p - len));
        if (!v4 || !/^\d+\.\d+\.\d+\.\d+$/.test(s.slice(p - len))) return null;
        const b = v4.split('.').map(Number);
        pieces[i++] = b[0] * 256 + b[1]; pieces[i++] = b[2] * 256 + b[3];
        p = s.length;
        break;
      }
      if (s[p] === ':') { p++; if (p >= s.length) return null; } else if (p < s.length) return null;
      pieces[i++] = value;
    }
    if (compress !== null) {
      let swaps = i - compress;
      i = 7;
      while (i !== 0 && swaps > 0) { const t = pieces[compress + swaps - 1]; pieces[compress + swaps - 1] = pieces[i]; pieces[i] = t; i--; swaps--; }
    } else if (i !== 8) return null;
    // the longest run of two or more zeros becomes `::`
    let best = -1, bestLen = 1;
    for (let a = 0; a < 8;) {
      let b = a;
      while (b < 8 && pieces[b] === 0) b++;
      if (b - a > bestLen) { best = a; bestLen = b - a; }
      a = b === a ? a + 1 : b;
    }
    let out = '';
    for (let k = 0; k < 8; k++) {
      if (k === best) { out += k === 0 ? '::' : ':'; k += bestLen - 1; continue; }
      out += pieces[k].toString(16) + (k < 7 ? ':' : '');
    }
    return '[' + out + ']';
  }
  function parseHost(input, special) {
    if (input.startsWith('[')) { if (!input.endsWith(']')) return null; return parseIPv6(input.slice(1, -1)); }
    if (!special) {
      if (/[\0\t\n\r #/:<>?@[\\\]^|]/.test(input)) return null;
      return pctEncode(input, C0);
    }
    const domain = pctDecode(input).toLowerCase();
    if (domain === '' || /[\0-\x20#%/:<>?@[\\\]^|\x7f]/.test(domain)) return null;
    if (endsInNumber(domain)) return parseIPv4(domain);
    return domain;
  }

  const isSingleDot = (s) => s === '.' || s.toLowerCase() === '%2e';
  const isDoubleDot = (s) => ['..', '.%2e', '%2e.', '%2e%2e'].includes(s.toLowerCase());
  // the path's segments after `input` is applied to `segs` (dot segments resolved)
  function pushPath(segs, input, special) {
    const parts = input.split(special ? /[/\\]/ : '/');
    for (let k = 0; k < parts.length; k++) {
      const seg = parts[k], last = k === parts.length - 1;
      if (isDoubleDot(seg)) { segs.pop(); if (last) segs.push(''); } else if (isSingleDot(seg)) { if (last) segs.push(''); } else segs.push(pctEncode(seg, PATH_SET));
    }
    return segs;
  }

  function parseURL(input, base) {
    const s = input.replace(/^[\0-\x20]+|[\0-\x20]+$/g, '').replace(/[\t\n\r]/g, '');
    const u = { protocol: '', username: '', password: '', hostname: null, port: '', path: [], opaque: null, query: null, fragment: null };
    let rest = s;
    const hashAt = rest.indexOf('#');
    if (hashAt >= 0) { u.fragment = pctEncode(rest.slice(hashAt + 1), FRAGMENT_SET); rest = rest.slice(0, hashAt); }
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
    const takeQuery = (special) => {
      const q = rest.indexOf('?');
      if (q >= 0) { u.query = pctEncode(rest.slice(q + 1), special ? SPECIAL_QUERY_SET : QUERY_SET); rest = rest.slice(0, q); }
    };
    if (m) {
      u.protocol = m[1].toLowerCase() + ':';
      rest = rest.slice(m[0].length);
      const special = u.protocol in SPECIAL;
      takeQuery(special);
      if (special && base && base.protocol === u.protocol && !/^[/\\]/.test(rest) && u.protocol !== 'file:') {
        // `http:foo` against an http: base is relative
        return relative(u, rest, base, special);
      }
      if (u.protocol === 'file:') return fileURL(u, rest, base);
      if (special || rest.startsWith('//')) {
        rest = special ? rest.replace(/^[/\\]*/, '') : rest.slice(2);
        return authority(u, rest, special);
      }
      if (rest.startsWith('/')) { u.path = pushPath([], rest.slice(1), false); return u; }
      u.opaque = pctEncode(rest, C0);
      return u;
    }
    if (!base) return null;
    u.protocol = base.protocol;
    if (base.opaque !== null) {
      if (!rest.startsWith('#') && s[0] !== '#') { if (hashAt !== 0) return null; }
      return Object.assign(u, { opaque: base.opaque, query: base.query, hostname: base.hostname });
    }
    const special = u.protocol in SPECIAL;
    takeQuery(special);
    if (u.protocol === 'file:') return fileURL(u, rest, base);
    return relative(u, rest, base, special);
  }
  function authority(u, rest, special) {
    const end = rest.search(special ? /[/\\?]/ : /[/?]/);
    let auth = end < 0 ? rest : rest.slice(0, end);
    rest = end < 0 ? '' : rest.slice(end);
    const at = auth.lastIndexOf('@');
    if (at >= 0) {
      const info = auth.slice(0, at);
      const colon = info.indexOf(':');
      u.username = pctEncode(colon < 0 ? info : info.slice(0, colon), USERINFO_SET);
      u.password = colon < 0 ? '' : pctEncode(info.slice(colon + 1), USERINFO_SET);
      auth = auth.slice(at + 1);
    }
    const pm = /:([^\]:]*)$/.exec(auth);
    let hostText = auth;
    if (pm) {
      hostText = auth.slice(0, pm.index);
      if (!/^[0-9]*$/.test(pm[1])) return null;
      if (pm[1] !== '') {
        const port = Number(pm[1]);
        if (port > 65535) return null;
        u.port = String(port) === SPECIAL[u.protocol] ? '' : String(port);
      }
    }
    if (special && hostText === '') return null;
    if (!special && hostText === '' && (u.username || u.password || u.port)) return null;
    const host = parseHost(hostText, special);
    if (host === null) return null;
    u.hostname = host;
    u.path = rest === '' ? (special ? [''] : []) : pushPath([], rest.slice(1), special);
    return u;
  }
  function relative(u, rest, base, special) {
    if (special ? /^[/\\]{2}/.test(rest) : rest.startsWith('//')) return authority(u, rest.slice(2).replace(special ? /^[/\\]*/ : /^$/, ''), special);
    Object.assign(u, { username: base.username, password: base.password, hostname: base.hostname, port: base.port });
    if (rest === '') {
      u.path = base.path.slice();
      if (u.query === null) { const q = base.query; u.query = q; }
      return u;
    }
    if (rest === '') { u.path = base.path.slice(); return u; }
    if (special ? /^[/\\]/.test(rest) : rest.startsWith('/')) { u.path = pushPath([], rest.slice(1), special); return u; }
    u.path = pushPath(base.path.slice(0, -1), rest, special);
    return u;
  }
  function fileURL(u, rest, base) {
    u.hostname = '';
    if (/^[/\\]{2}/.test(rest)) {
      rest = rest.slice(2);
      const end = rest.search(/[/\\?]/);
      const hostText = end < 0 ? rest : rest.slice(0, end);
      rest = end < 0 ? '' : rest.slice(end);
      const host = hostText === '' ? '' : parseHost(hostText, true);
      if (host === null) return null;
      u.hostname = host === 'localhost' ? '' : host;
      u.path = pushPath([], rest.replace(/^[/\\]/, ''), true);
      return u;
    }
    if (base && base.protocol === 'file:' && !/^[/\\]/.test(rest)) {
      u.hostname = base.hostname;
      if (rest === '') { u.path = base.path.slice(); u.query = u.query === null ? base.query : u.query; return u; }
      u.path = rest === '' ? base.path.slice() : pushPath(base.path.slice(0, -1), rest, true);
      return u;
    }
    u.path = pushPath([], rest.replace(/^[/\\]/, ''), true);
    return u;
  }

  const kUrl = Symbol('url');
  const kParams = Symbol('params');
  const hostOf = (u) => (u.hostname === null ? '' : u.hostname + (u.port ? ':' + u.port : ''));
  const pathOf = (u) => (u.opaque !== null ? u.opaque : u.path.length || u.hostname === null ? '/' + u.path.join('/') : '');
  function hrefOf(u) {
    let out = u.protocol;
    if (u.hostname !== null) {
      out += '//';
      if (u.username || u.password) out += u.username + (u.password ? ':' + u.password : '') + '@';
      out += hostOf(u);
    } else if (u.opaque === null && u.path.length > 1 && u.path[0] === '') out += '/.';
    out += pathOf(u);
    if (u.query !== null) out += '?' + u.query;
    if (u.fragment !== null) out += '#' + u.fragment;
    return out;
  }
  class URL {
    constructor(input, base) {
      if (arguments.length === 0) throw invalidArgType('url', 'of type string', undefined);
      const text = String(input);
      let b;
      if (base !== undefined) { b = parseURL(String(base)); if (!b) throw invalidUrl(text, String(base)); }
      const u = parseURL(text, b);
      if (!u) throw invalidUrl(text, base === undefined ? undefined : String(base));
      this[kUrl] = u;
      this[kParams] = new URLSearchParams(u.query || '');
      this[kParams][kUrl] = this;
    }
    static canParse(input, base) { try { new URL(input, base); return true; } catch (e) { return false; } }
    get href() { return hrefOf(this[kUrl]); }
    set href(v) { const u = parseURL(String(v)); if (!u) throw invalidUrl(String(v)); this[kUrl] = u; this[kParams]._reset(u.query || ''); }
    get origin() {
      const u = this[kUrl];
      if (u.protocol in SPECIAL && u.protocol !== 'file:') return u.protocol + '//' + hostOf(u);
      if (u.protocol === 'blob:') { try { return new URL(pathOf(u)).origin; } catch (e) { return 'null'; } }
      return 'null';
    }
    get protocol() { return this[kUrl].protocol; }
    set protocol(v) {
      const p = String(v).replace(/:.*$/, '').toLowerCase() + ':';
      if (!/^[a-z][a-z0-9+.-]*:$/.test(p) || (p in SPECIAL) !== (this[kUrl].protocol in SPECIAL)) return;
      this[kUrl].protocol = p;
      if (this[kUrl].port === SPECIAL[p]) this[kUrl].port = '';
    }
    get username() { return this[kUrl].username; }
    set username(v) { if (this[kUrl].hostname) this[kUrl].username = pctEncode(String(v), USERINFO_SET); }
    get password() { return this[kUrl].password; }
    set password(v) { if (this[kUrl].hostname) this[kUrl].password = pctEncode(String(v), USERINFO_SET); }
    get host() { return hostOf(this[kUrl]); }
    set host(v) { const u = parseURL(this.protocol + '//' + String(v)); if (u && u.hostname) { this[kUrl].hostname = u.hostname; if (/:\d+$/.test(String(v))) this[kUrl].port = u.port; } }
    get hostname() { return this[kUrl].hostname || ''; }
    set hostname(v) { const h = parseHost(String(v), this.protocol in SPECIAL); if (h !== null && this[kUrl].opaque === null) this[kUrl].hostname = h; }
    get port() { return this[kUrl].port; }
    set port(v) {
      const s = String(v);
      if (s === '') { this[kUrl].port = ''; return; }
      const d = /^\d+/.exec(s);
      if (d && Number(d[0]) <= 65535) this[kUrl].port = String(Number(d[0])) === SPECIAL[this.protocol] ? '' : String(Number(d[0]));
    }
    get pathname() { return pathOf(this[kUrl]); }
    set pathname(v) { const u = this[kUrl]; if (u.opaque !== null) return; u.path = pushPath([], String(v).replace(u.protocol in SPECIAL ? /^[/\\]/ : /^\//, ''), u.protocol in SPECIAL); }
    get search() { const q = this[kUrl].query; return q ? '?' + q : ''; }
    set search(v) {
      let s = String(v);
      if (s.startsWith('?')) s = s.slice(1);
      this[kUrl].query = s === '' ? null : pctEncode(s, this.protocol in SPECIAL ? SPECIAL_QUERY_SET : QUERY_SET);
      this[kParams]._reset(s);
    }
    get searchParams() { return this[kParams]; }
    get hash() { const f = this[kUrl].fragment; return f ? '#' + f : ''; }
    set hash(v) { let s = String(v); if (s.startsWith('#')) s = s.slice(1); this[kUrl].fragment = s === '' ? null : pctEncode(s, FRAGMENT_SET); }
    toString() { return this.href; }
    toJSON() { return this.href; }
  }

  // application/x-www-form-urlencoded, as URLSearchParams writes it
  function formEncode(s) {
    let out = '';
    for (const b of Buffer.from(s)) {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9*\-._]/.test(c)) out += c; else if (b === 0x20) out += '+'; else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
    return out;
  }
  const formDecode = (s) => pctDecode(s.replace(/\+/g, ' '));
  class URLSearchParams {
    constructor(init = '') {
      this._list = [];
      if (init instanceof URLSearchParams) this._list = init._list.map((p) => p.slice());
      else if (typeof init === 'object' && init !== null) {
        if (typeof init[Symbol.iterator] === 'function') {
          for (const pair of init) {
            const p = [...pair];
            if (p.length !== 2) { const e = new TypeError('Each query pair must be an iterable [name, value] tuple'); e.code = 'ERR_INVALID_TUPLE'; throw e; }
            this._list.push([String(p[0]), String(p[1])]);
          }
        } else for (const k of Object.keys(init)) this._list.push([k, String(init[k])]);
      } else this._reset(String(init));
    }
    _reset(s) {
      if (s.startsWith('?')) s = s.slice(1);
      this._list = s.split('&').filter((x) => x !== '').map((x) => {
        const i = x.indexOf('=');
        return i < 0 ? [formDecode(x), ''] : [formDecode(x.slice(0, i)), formDecode(x.slice(i + 1))];
      });
    }
    _update() { const u = this[kUrl]; if (u) { const s = this.toString(); u[kUrl].query = s === '' ? null : s; } }
    get size() { return this._list.length; }
    append(k, v) { this._list.push([String(k), String(v)]); this._update(); }
    delete(k, v) { k = String(k); this._list = this._list.filter((p) => !(p[0] === k && (v === undefined || p[1] === String(v)))); this._update(); }
    get(k) { const p = this._list.find((x) => x[0] === String(k)); return p ? p[1] : null; }
    getAll(k) { return this._list.filter((x) => x[0] === String(k)).map((x) => x[1]); }
    has(k, v) { return this._list.some((p) => p[0] === String(k) && (v === undefined || p[1] === String(v))); }
    set(k, v) {
      k = String(k);
      const i = this._list.findIndex((p) => p[0] === k);
      if (i < 0) this._list.push([k, String(v)]);
      else { this._list[i][1] = String(v); this._list = this._list.filter((p, j) => j <= i || p[0] !== k); }
      this._update();
    }
    sort() { this._list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this._update(); }
    forEach(fn, thisArg) { checkFunction(fn, 'callback'); for (const [k, v] of this._list) fn.call(thisArg, v, k, this); }
    *entries() { for (const p of this._list) yield [p[0], p[1]]; }
    *keys() { for (const p of this._list) yield p[0]; }
    *values() { for (const p of this._list) yield p[1]; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this._list.map(([k, v]) => formEncode(k) + '=' + formEncode(v)).join('&'); }
  }
  Object.defineProperty(URLSearchParams.prototype, '_list', { writable: true, enumerable: false, value: undefined });

  function fileURLToPath(url) {
    const u = typeof url === 'string' ? new URL(url) : url;
    if (!(u instanceof URL)) throw invalidArgType('path', 'of type string or an instance of URL', url);
    if (u.protocol !== 'file:') { const e = new TypeError('The URL must be of scheme file'); e.code = 'ERR_INVALID_URL_SCHEME'; throw e; }
    if (u.hostname !== '') { const e = new TypeError(`File URL host must be "localhost" or empty on ${process.platform}`); e.code = 'ERR_INVALID_FILE_URL_HOST'; throw e; }
    const p = u.pathname;
    if (/%2f/i.test(p)) { const e = new TypeError('File URL path must not include encoded / characters'); e.code = 'ERR_INVALID_FILE_URL_PATH'; throw e; }
    return decodeURIComponent(p);
  }
  function pathToFileURL(p) {
    validateString(p, 'path');
    let abs = pathMod.resolve(p);
    if (p.endsWith('/') && !abs.endsWith('/')) abs += '/';
    const enc = abs.replace(/%/g, '%25').replace(/\\/g, '%5C').replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/\t/g, '%09');
    const u = new URL('file://');
    u.pathname = enc;
    if (enc.includes('?')) u[kUrl].path = u[kUrl].path.map((s) => s.replace(/\?/g, '%3F'));
    if (enc.includes('#')) u[kUrl].path = u[kUrl].path.map((s) => s.replace(/#/g, '%23'));
    return u;
  }

  // ---- the legacy url.parse / format / resolve -------------------------------------------
  class Url {
    constructor() { Object.assign(this, { protocol: null, slashes: null, auth: null, host: null, port: null, hostname: null, hash: null, search: null, query: null, pathname: null, path: null, href: null }); }
  }
  function urlParse(s, parseQuery) {
    validateString(s, 'url');
    const r = new Url();
    let rest = s.trim();
    const h = rest.indexOf('#');
    if (h >= 0) { r.hash = rest.slice(h); rest = rest.slice(0, h); }
    const q = rest.indexOf('?');
    if (q >= 0) { r.search = rest.slice(q); r.query = rest.slice(q + 1); rest = rest.slice(0, q); } else if (parseQuery) r.search = '';
    const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:)/.exec(rest);
    if (m) { r.protocol = m[1].toLowerCase(); rest = rest.slice(m[1].length); }
    if (rest.startsWith('//') && (r.protocol === null || r.protocol !== 'javascript:')) {
      r.slashes = true;
      rest = rest.slice(2);
      const end = rest.search(/[/]/);
      let auth = end < 0 ? rest : rest.slice(0, end);
      rest = end < 0 ? '' : rest.slice(end);
      const at = auth.lastIndexOf('@');
      if (at >= 0) { r.auth = decodeURIComponent(auth.slice(0, at)); auth = auth.slice(at + 1); }
      r.host = auth.toLowerCase();
      const pm = /:(\d*)$/.exec(r.host);
      r.hostname = pm ? r.host.slice(0, pm.index) : r.host;
      if (pm && pm[1]) r.port = pm[1];
      if (r.hostname.startsWith('[')) r.hostname = r.hostname.slice(1, -1);
      if (rest === '' && r.protocol in SPECIAL) rest = '/';
    }
    r.pathname = rest === '' ? null : rest;
    if (parseQuery) r.query = querystringParse(r.query || '');
    r.path = (r.pathname || '') + (r.search || '') || null;
    r.href = urlFormat(r);
    return r;
  }
  function querystringParse(s) {
    const out = Object.create(null);
    for (const [k, v] of new URLSearchParams(s)) {
      if (k in out) out[k] = [].concat(out[k], v); else out[k] = v;
    }
    return out;
  }
  function urlFormat(o) {
    if (typeof o === 'string') o = urlParse(o);
    if (o instanceof URL) return o.href;
    let out = o.protocol || '';
    if (out && !out.endsWith(':')) out += ':';
    const host = o.host || (o.hostname ? (o.hostname.includes(':') ? `[${o.hostname}]` : o.hostname) + (o.port ? ':' + o.port : '') : '');
    if (o.slashes || (host && !out) || ['http:', 'https:', 'ftp:', 'file:', 'ws:', 'wss:'].includes(out)) out += '//';
    if (o.auth) out += encodeURIComponent(o.auth).replace(/%3A/i, ':') + '@';
    out += host;
    let path = o.pathname || '';
    if (path && !path.startsWith('/') && host) path = '/' + path;
    out += path;
    let search = o.search || '';
    if (!search && o.query && typeof o.query === 'object') { const qs = new URLSearchParams(o.query).toString(); if (qs) search = '?' + qs; }
    if (search && !search.startsWith('?')) search = '?' + search;
    out += search.replace(/#/g, '%23');
    if (o.hash) out += o.hash.startsWith('#') ? o.hash : '#' + o.hash;
    return out;
  }
  function urlResolve(from, to) {
    try {
      const u = new URL(to, new URL(from, 'resolve://'));
      if (u.protocol === 'resolve:') { const { pathname, search, hash } = u; return pathname + search + hash; }
      return u.href;
    } catch (e) { return to; }
  }
  const urlMod = { URL, URLSearchParams, parse: urlParse, format: urlFormat, resolve: urlResolve, Url, fileURLToPath, pathToFileURL, domainToASCII: (d) => parseHost(String(d), true) || '' };
