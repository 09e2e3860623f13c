// unbounded recursion is a RangeError the script can catch (plain calls, a getter, toString,
// JSON.stringify of a deep object), deep but bounded recursion works, and uncaught it ends
// the process with code 1
function f() { return f(); }
try { f(); } catch (e) { console.log('call', e instanceof RangeError, e.name, e.message); }
const o = { get x() { return this.x; } };
try { o.x; } catch (e) { console.log('getter', e instanceof RangeError); }
const s = {}; s.toString = function () { return String(this); };
try { String(s); } catch (e) { console.log('toString', e instanceof RangeError); }
let deep = 1; for (let i = 0; i < 100000; i++) deep = { d: deep };
try { JSON.stringify(deep); } catch (e) { console.log('json', e instanceof RangeError); }
function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1); }
console.log('depth 10000', depth(10000));
process.on('exit', (c) => console.log('exit', c));
(function g() { return g() + 1; })();
