// require of a missing module: Node's MODULE_NOT_FOUND (message, code, requireStack);
// uncaught, exit code 1
const show = (e) => console.log(e.code, JSON.stringify(e.message.split(__dirname).join('DIR')), (e.requireStack || []).map((p) => p.split(__dirname).join('DIR')));
try { require('./nope'); } catch (e) { show(e); }
try { require('../nope/deeper.js'); } catch (e) { show(e); }
try { require('no-such-package'); } catch (e) { show(e); }
try { require(''); } catch (e) { console.log(e.name, e.code, e.message); }
try { require(42); } catch (e) { console.log(e.name, e.code, e.message); }
console.log(require('node:path') === require('path'), typeof require('url').URL);
require('nope-either');
