// part of the bootstrap (see base.js): dns.lookup with Node's options and checks, and
// resolve4/resolve6/resolve('A'|'AAAA') through the same system resolver (ruv-dns has
// getaddrinfo only, no DNS client: /etc/hosts answers too, and a TTL is not known).
  const FAMILIES = { 0: 0, 4: 4, 6: 6, IPv4: 4, IPv6: 6 };
  const ORDERS = ['verbatim', 'ipv4first', 'ipv6first'];
  let defaultOrder = 'verbatim';
  function familyOf(v, name) {
    if (v === undefined || v === null) return 0;
    if (!Object.prototype.hasOwnProperty.call(FAMILIES, v)) throw invalidArgValue(name, v, 'must be one of: 0, 4, 6');
    return FAMILIES[v];
  }
  function ordered(list, order) {
    if (order === 'verbatim') return list;
    const first = order === 'ipv4first' ? 4 : 6;
    return [...list.filter((a) => a.family === first), ...list.filter((a) => a.family !== first)];
  }
  // libuv's numbers for getaddrinfo's failures (Node's err.errno)
  const EAI_ERRNO = { ENOTFOUND: -3008, EAI_AGAIN: -3001, EAI_FAIL: -3004, EAI_MEMORY: -3006, EAI_FAMILY: -3005, EAI_SERVICE: -3010, EAI_CANCELED: -3003 };
  // ruv-dns's `CODE: getaddrinfo CODE host` as Node's error: message, errno, code, syscall, hostname
  function lookupError(spec, hostname) {
    const [message, code, errno] = spec;
    const e = new Error(message.startsWith(code + ': ') ? message.slice(code.length + 2) : message);
    e.errno = Object.prototype.hasOwnProperty.call(EAI_ERRNO, code) ? EAI_ERRNO[code] : errno;
    e.code = code;
    e.syscall = 'getaddrinfo';
    e.hostname = hostname;
    return e;
  }
  let warnedHostname = false;
  function lookup(hostname, options, cb) {
    if (hostname && typeof hostname !== 'string') throw invalidArgType('hostname', 'of type string', hostname);
    if (typeof options === 'function') { cb = options; options = {}; }
    checkFunction(cb, 'callback');
    let family = 0, all = false, order = defaultOrder;
    if (typeof options === 'number') family = familyOf(options, 'family');
    else if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw invalidArgType('options', 'of type object or integer', options);
      if (options.hints !== undefined && (typeof options.hints !== 'number' || (options.hints & ~(dnsMod.ADDRCONFIG | dnsMod.ALL | dnsMod.V4MAPPED)) !== 0)) throw invalidArgValue('hints', options.hints);
      family = familyOf(options.family, 'options.family');
      if (options.all !== undefined) { if (typeof options.all !== 'boolean') throw invalidArgType('options.all', 'of type boolean', options.all); all = options.all; }
      if (options.verbatim !== undefined) { if (typeof options.verbatim !== 'boolean') throw invalidArgType('options.verbatim', 'of type boolean', options.verbatim); order = options.verbatim ? 'verbatim' : 'ipv4first'; }
      if (options.order !== undefined) { if (!ORDERS.includes(options.order)) throw invalidArgValue('options.order', options.order, "must be one of: 'verbatim', 'ipv4first', 'ipv6first'"); order = options.order; }
    }
    if (!hostname) {
      if (!warnedHostname) process.emitWarning(`The provided hostname "${String(hostname)}" is not a valid hostname, and is supported in the dns module solely for compatibility.`, 'DeprecationWarning', 'DEP0118');
      warnedHostname = true;
      process.nextTick(() => (all ? cb(null, []) : cb(null, null, family === 6 ? 6 : 4)));
      return {};
    }
    // a numeric address is its own answer, whatever the family asked (as Node)
    const ip = netMod.isIP(hostname);
    if (ip) {
      process.nextTick(() => (all ? cb(null, [{ address: hostname, family: ip }]) : cb(null, hostname, ip)));
      return {};
    }
    native.dnsLookup(register((name, r) => {
      if (typeof r !== 'string') return cb(lookupError(r, hostname));
      const list = ordered(JSON.parse(r).map(([address, fam]) => ({ address, family: fam })), order);
      if (all) cb(null, list); else cb(null, list[0].address, list[0].family);
    }), hostname, family, all || order !== 'verbatim');
    return {};
  }
  const RRTYPES = ['A', 'AAAA', 'ANY', 'CAA', 'CNAME', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SRV', 'TXT'];
  // one record type through getaddrinfo: A (4) or AAAA (6); other types are not answered
  function resolveType(rrtype, hostname, options, cb) {
    // as Node's: the callback is the last argument given
    if (cb === undefined) { cb = options; options = {}; }
    if (typeof hostname !== 'string') throw invalidArgType('name', 'of type string', hostname);
    checkFunction(cb, 'callback');
    const ttl = !!(options && options.ttl);
    const syscall = 'query' + rrtype[0] + rrtype.slice(1).toLowerCase();
    const fail = (code) => {
      const e = new Error(`${syscall} ${code} ${hostname}`);
      e.errno = undefined; e.code = code; e.syscall = syscall; e.hostname = hostname;
      return e;
    };
    if (rrtype !== 'A' && rrtype !== 'AAAA') { process.nextTick(() => cb(fail('ENOTIMP'))); return {}; }
    const family = rrtype === 'A' ? 4 : 6;
    const ip = netMod.isIP(hostname);
    if (ip) { process.nextTick(() => cb(fail(ip === family ? 'ENOTFOUND' : 'ENODATA'))); return {}; }
    native.dnsLookup(register((name, r) => {
      if (typeof r !== 'string') {
        const e = nativeError(r);
        return cb(fail(e.code === 'EAI_AGAIN' ? 'ETIMEOUT' : e.code || 'ENOTFOUND'));
      }
      const list = JSON.parse(r).filter(([, fam]) => fam === family).map(([address]) => (ttl ? { address, ttl: 0 } : address));
      if (list.length === 0) cb(fail('ENODATA')); else cb(null, list);
    }), hostname, family, true);
    return {};
  }
  function resolve(hostname, rrtype, cb) {
    if (typeof rrtype === 'function') { cb = rrtype; rrtype = 'A'; } else if (typeof rrtype !== 'string') throw invalidArgType('rrtype', 'of type string', rrtype);
    if (!RRTYPES.includes(rrtype)) throw invalidArgValue('rrtype', rrtype);
    return resolveType(rrtype, hostname, {}, cb);
  }
  const asPromise = (fn) => (...args) => new Promise((res, rej) => fn(...args, (e, v) => (e ? rej(e) : res(v))));
  Object.assign(dnsMod, {
    lookup, resolve,
    resolve4: (host, opts, cb) => resolveType('A', host, opts, cb),
    resolve6: (host, opts, cb) => resolveType('AAAA', host, opts, cb),
    getDefaultResultOrder: () => defaultOrder,
    setDefaultResultOrder(order) { if (!ORDERS.includes(order)) throw invalidArgValue('dnsOrder', order, "must be one of: 'verbatim', 'ipv4first', 'ipv6first'"); defaultOrder = order; },
    ADDRCONFIG: 32, V4MAPPED: 8, ALL: 16,
  });
  for (const c of ['NODATA', 'FORMERR', 'SERVFAIL', 'NOTFOUND', 'NOTIMP', 'REFUSED', 'BADQUERY', 'BADNAME', 'BADFAMILY', 'BADRESP', 'CONNREFUSED', 'TIMEOUT', 'EOF', 'FILE', 'NOMEM', 'DESTRUCTION', 'BADSTR', 'BADFLAGS', 'NONAME', 'BADHINTS', 'NOTINITIALIZED', 'LOADIPHLPAPI', 'ADDRGETNETWORKPARAMS', 'CANCELLED']) dnsMod[c] = 'E' + c;
  Object.assign(dnsMod.promises, {
    lookup: (host, opts) => new Promise((res, rej) => lookup(host, opts, (e, a, f) => (e ? rej(e) : res(Array.isArray(a) ? a : { address: a, family: f })))),
    resolve: asPromise(resolve),
    resolve4: (host, opts) => new Promise((res, rej) => resolveType('A', host, opts || {}, (e, v) => (e ? rej(e) : res(v)))),
    resolve6: (host, opts) => new Promise((res, rej) => resolveType('AAAA', host, opts || {}, (e, v) => (e ? rej(e) : res(v)))),
    getDefaultResultOrder: dnsMod.getDefaultResultOrder,
    setDefaultResultOrder: dnsMod.setDefaultResultOrder,
  });
