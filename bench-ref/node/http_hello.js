// http_hello.js: Node's http server answering "hello" to every request, the reference for
// benches/http.sh (ruv's counterpart: examples/http_hello.rs).
//   node bench-ref/node/http_hello.js [PORT]     (0: an ephemeral port)
'use strict';
const http = require('http');

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 5 });
  res.end('hello');
});
server.listen(Number(process.argv[2] || 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
