// tcp_echo.js: Node's net echo server (every socket piped into itself), the reference for
// benches/tcp_echo.sh (ruv's counterpart: examples/echo.rs; the load comes from
// examples/echo_load.rs for both).
//   node bench-ref/node/tcp_echo.js [PORT]     (0: an ephemeral port)
'use strict';
const net = require('net');

const server = net.createServer((socket) => {
  socket.on('error', () => {}); // a load client that exits resets its connections
  socket.pipe(socket);
});
server.listen(Number(process.argv[2] || 9000), '127.0.0.1', () => {
  console.log(`echo server listening on 127.0.0.1:${server.address().port}`);
});
