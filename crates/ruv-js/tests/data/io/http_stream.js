// http: a response streamed in several writes (chunked on the wire, each write's callback
// called), read by http.get piece by piece and, raw, by a net client (Date masked).
'use strict';
const http = require('http');
const net = require('net');
const server = http.createServer((req, res) => {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/plain');
  let n = 0;
  const more = () => {
    n++;
    if (n > 3) return res.end('end\n');
    res.write(`part ${n}\n`, () => setTimeout(more, 5));
  };
  more();
});
server.listen(0, () => {
  const port = server.address().port;
  http.get({ port, path: '/a' }, (res) => {
    console.log('get:', res.statusCode, res.headers['transfer-encoding'], res.headers['content-type']);
    const pieces = [];
    res.on('data', (d) => pieces.push(d.toString()));
    res.on('end', () => {
      console.log('get: body', JSON.stringify(pieces.join('')));
      const c = net.connect(port, '127.0.0.1', () => c.write('GET /raw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let raw = '';
      c.on('data', (d) => (raw += d));
      c.on('end', () => {
        console.log(raw.replace(/^Date: .*$/m, 'Date: <date>').replace(/\r\n/g, '\\r\\n\n'));
        server.close();
      });
    });
  });
});
