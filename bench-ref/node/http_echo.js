// http_echo.js: Node's http server streaming each request's body back as the answer's body
// (req.pipe(res), so the answer is chunked), the reference for benches/http.sh's POST run
// (ruv's counterpart: examples/http_echo.rs).
//   node bench-ref/node/http_echo.js [PORT]     (0: an ephemeral port)
'use strict';
const http = require('http');

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
  req.pipe(res);
});
server.listen(Number(process.argv[2] || 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
