// dns.lookup's options ({ all, family, order, verbatim }) and checks, numeric hosts,
// dns.promises, and resolve4/resolve6/resolve's argument checks and error shape
// (the machine's /etc/hosts decides what localhost is, so only its shape is printed)
const dns = require('dns');
const t = (label, f) => { try { f(); } catch (e) { console.log(label, e.name, e.code, e.message); } };
const shape = (list) => Array.isArray(list) && list.every((a) => Object.keys(a).join() === 'address,family' && ((a.family === 4 && a.address === '127.0.0.1') || (a.family === 6 && a.address === '::1')));
const steps = [
  (next) => dns.lookup('127.0.0.1', { all: true }, (e, a) => { console.log('numeric all', e, a); next(); }),
  (next) => dns.lookup('::1', (e, a, f) => { console.log('numeric', e, a, f); next(); }),
  (next) => dns.lookup('127.0.0.1', { family: 6, all: true }, (e, a) => { console.log('numeric ignores family', e, a); next(); }),
  (next) => dns.lookup('127.0.0.1', 4, (e, a, f) => { console.log('family as number', e, a, f); next(); }),
  (next) => dns.lookup('localhost', { all: true }, (e, a) => { console.log('localhost all', e, shape(a), a.length > 0); next(); }),
  (next) => dns.lookup('localhost', { family: 4 }, (e, a, f) => { console.log('localhost 4', e, a, f); next(); }),
  (next) => dns.lookup('localhost', { family: 'IPv4', all: true }, (e, a) => { console.log('localhost IPv4 all', e, a); next(); }),
  (next) => dns.lookup('localhost', { all: true, order: 'ipv6first' }, (e, a) => { console.log('ipv6first', e, shape(a), a[0].family === 6 || a.every((x) => x.family === 4)); next(); }),
  (next) => dns.lookup('localhost', { verbatim: false }, (e, a, f) => { console.log('verbatim false', e, a, f); next(); }),
  (next) => dns.lookup('', { all: true }, (e, a) => { console.log('empty all', e, a); next(); }),
  (next) => dns.lookup(null, { family: 6 }, (e, a, f) => { console.log('null host', e, a, f); next(); }),
  (next) => {
    t('bad family:', () => dns.lookup('localhost', { family: 5 }, () => {}));
    t('bad family number:', () => dns.lookup('localhost', 7, () => {}));
    t('bad host:', () => dns.lookup(5, () => {}));
    t('bad options:', () => dns.lookup('localhost', 'x', () => {}));
    t('bad all:', () => dns.lookup('localhost', { all: 1 }, () => {}));
    t('bad order:', () => dns.lookup('localhost', { order: 'x' }, () => {}));
    t('bad hints:', () => dns.lookup('localhost', { hints: 99999 }, () => {}));
    t('no callback:', () => dns.lookup('localhost', {}));
    t('resolve4 name:', () => dns.resolve4(5, () => {}));
    t('resolve4 no callback:', () => dns.resolve4('localhost'));
    t('resolve4 options only:', () => dns.resolve4('localhost', { ttl: true }));
    t('resolve rrtype:', () => dns.resolve('localhost', 'XX', () => {}));
    t('resolve rrtype type:', () => dns.resolve('localhost', 5, () => {}));
    t('order:', () => dns.setDefaultResultOrder('x'));
    console.log('constants', dns.ADDRCONFIG, dns.V4MAPPED, dns.ALL, dns.NOTFOUND, dns.NODATA, dns.getDefaultResultOrder());
    next();
  },
  (next) => dns.promises.lookup('127.0.0.1').then((r) => { console.log('promises lookup', r); next(); }),
  (next) => dns.promises.lookup('::1', { all: true }).then((r) => { console.log('promises lookup all', r); next(); }),
  (next) => dns.promises.lookup('localhost', { family: 4 }).then((r) => { console.log('promises localhost 4', r); next(); }),
  (next) => require('dns/promises').lookup('127.0.0.1', { all: true }).then((r) => { console.log('dns/promises', r); next(); }),
  (next) => dns.resolve4('nonexistent.invalid', (e) => {
    console.log('resolve4 missing', e.message.startsWith('queryA E'), e.message.endsWith(' nonexistent.invalid'), e.syscall, e.hostname, Object.keys(e).join());
    next();
  }),
  (next) => dns.resolve('nonexistent.invalid', 'AAAA', (e) => { console.log('resolve AAAA missing', e.syscall, e.hostname); next(); }),
  (next) => dns.promises.resolve6('nonexistent.invalid').catch((e) => { console.log('promises resolve6 missing', e.syscall, e.hostname); next(); }),
  (next) => dns.lookup('nonexistent.invalid', (e) => {
    console.log('lookup missing', e.message.startsWith('getaddrinfo E'), e.syscall, e.hostname, typeof e.errno, Object.keys(e).join());
    next();
  }),
  () => console.log('done'),
];
const run = (i) => steps[i](() => run(i + 1));
run(0);
