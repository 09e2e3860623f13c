// http_hello.js: the smallest Node http server, answering "hello" — run by both ruvjs and
// node in benches/js_http.sh.   http_hello.js [PORT]  (0: an ephemeral port)
'use strict';
const http = require('http');
const server = http.createServer((q, s) => s.end('hello'));
server.listen(Number(process.argv[2] || 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
