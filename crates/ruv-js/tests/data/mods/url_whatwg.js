// the WHATWG URL and URLSearchParams, relative resolution, invalid input, url.parse/format/resolve, file URLs
const u = new URL('http://a:b@h:8/p?q=1#f');
for (const k of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']) console.log(k, u[k]);
console.log(u.searchParams.get('q'), u.searchParams.get('x'));
u.searchParams.set('q', '2 3'); u.searchParams.append('r', 'a&b'); console.log(u.href, u.searchParams.toString(), u.search);
const rel = [['../x/y?z', 'http://h.com/a/b/c'], ['/abs', 'https://h.com/a/b'], ['//other.org/p', 'https://h.com/'], ['?q', 'http://h/a/b'], ['#frag', 'http://h/a?b'], ['c/./d/../e', 'http://h/a/b'], ['HTTP://EXAMPLE.COM:80/A', undefined], ['http://[::1]:3000/x', undefined], ['http://0x7f.1/', undefined], ['file:///tmp/a b', undefined], ['mailto:someone@x.org', undefined], ['foo://host/p?x#y', undefined], ['http://h/a%2e%2E/b', undefined], ['http://h/ sp ace/"q"?a b=c d#e f', undefined]];
for (const [i, b] of rel) { try { const x = new URL(i, b); console.log(x.href, x.origin, x.host, x.pathname); } catch (e) { console.log('ERR', i, e.code, e.message); } }
for (const bad of ['nope', 'http://', 'http://a b/', 'http://h:99999/', '', 'http://[::1/']) { try { new URL(bad); console.log('ok?', bad); } catch (e) { console.log(e.name, e.code, e.message, e.input); } }
const p = new URLSearchParams('a=1&b=2&a=3'); console.log(p.getAll('a'), p.has('b'), p.toString(), [...p.keys()], p.size); p.delete('a'); console.log(p.toString());
console.log(new URLSearchParams({ x: 'y z', w: '~!' }).toString(), new URLSearchParams([['k', 'v']]).toString());
const url = require('url'); console.log(url.fileURLToPath('file:///tmp/a%20b'), url.pathToFileURL('/tmp/a b#c?d').href);
const lp = url.parse('http://user:pw@Host.com:8080/p/a/t/h?query=string#hash');
console.log(lp.protocol, lp.slashes, lp.auth, lp.host, lp.port, lp.hostname, lp.hash, lp.search, lp.query, lp.pathname, lp.path, lp.href);
console.log(url.parse('/x?a=1&a=2', true).query, url.format({ protocol: 'https', hostname: 'h.com', pathname: '/x', query: { a: 1 } }), url.resolve('http://a/b/c', '../d'), url.resolve('/one/two', 'three'));
try { url.fileURLToPath('http://x/'); } catch (e) { console.log(e.code, e.message); }
console.log(URL === url.URL, typeof URLSearchParams);
