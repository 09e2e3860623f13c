// http keep-alive as Node: two requests on one socket (a raw net client writing HTTP/1.1,
// no agent), both answered on it with keep-alive headers; server.listen(0) then address().
'use strict';
const http = require('http');
const net = require('net');
let count = 0;
const server = http.createServer((req, res) => {
  count++;
  res.end(`answer ${count} to ${req.url}`);
});
server.listen(0);
server.on('listening', () => {
  const { port, family } = server.address();
  console.log('listening', typeof port, family);
  const c = net.connect(port);
  let raw = '';
  c.setEncoding('utf8');
  c.on('connect', () => c.write('GET /one HTTP/1.1\r\nHost: a\r\n\r\n'));
  c.on('data', (d) => {
    raw += d;
    if (raw.includes('answer 1 to /one') && !raw.includes('/two')) c.write('GET /two HTTP/1.1\r\nHost: a\r\n\r\n');
    if (raw.includes('answer 2 to /two')) {
      console.log(raw.replace(/^Date: .*$/gm, 'Date: <date>').replace(/\r\n/g, '\\r\\n\n'));
      console.log('requests on one socket:', count);
      c.end();
      server.close(() => console.log('closed'));
    }
  });
});
