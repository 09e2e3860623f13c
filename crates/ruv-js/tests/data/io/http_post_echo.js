// http: a POST body read as a stream and echoed back; request headers; writeHead with a
// message and an array of headers; header methods; http.request with req.write/end; the
// response as a Readable (statusCode, statusMessage, headers, data, end); ECONNREFUSED.
'use strict';
const http = require('http');
const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => {
    const body = Buffer.concat(parts).toString();
    console.log('server:', req.method, req.url, req.httpVersion, req.headers['content-type'], req.headers['x-list'], body.length);
    res.setHeader('X-Echo', 'yes');
    console.log('server: has', res.hasHeader('x-echo'), res.getHeader('X-ECHO'), res.headersSent);
    res.setHeader('X-Gone', '1');
    res.removeHeader('x-gone');
    res.writeHead(202, 'Taken', ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
    console.log('server: headersSent', res.headersSent);
    res.end(body.toUpperCase(), () => console.log('server: end cb'));
  });
});
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/echo?x=1', headers: { 'Content-Type': 'text/plain', 'X-List': 'a' } }, (res) => {
    console.log('client:', res.statusCode, res.statusMessage, res.headers['content-type'], res.headers['x-echo'], res.headers['set-cookie'], res.headers['x-gone']);
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (text += d));
    res.on('end', () => {
      console.log('client: body', text);
      server.close(() => {
        console.log('server closed');
        http.get(`http://127.0.0.1:${port}/`, { agent: false }, () => {}).on('error', (e) => console.log('refused:', e.message.split(String(port)).join('PORT'), e.code));
      });
    });
  });
  req.write('hello ');
  req.write(Buffer.from('posted '));
  req.end('world');
});
