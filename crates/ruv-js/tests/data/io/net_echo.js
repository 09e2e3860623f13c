// net: an echo server and a client — connect, data, end, finish, close in Node's order,
// setEncoding, addresses, a large write with backpressure (pause/resume), server close.
'use strict';
const net = require('net');
// each side's events in order (the two sides' interleaving is the kernel's, not Node's)
const logs = { server: [], client: [], listening: [] };
const log = (...a) => logs[a[0].startsWith('client') ? 'client' : a[0].startsWith('server') ? 'server' : 'listening'].push(a.join(' '));
process.on('exit', () => { for (const k of ['listening', 'server', 'client']) console.log(logs[k].join('\n')); });
const server = net.createServer((sock) => {
  log('server: connection', sock.remoteAddress, typeof sock.remotePort, sock.localPort === server.address().port);
  sock.setNoDelay(true);
  sock.setKeepAlive(true, 1000);
  sock.on('data', (d) => { if (!sock.write(d)) { sock.pause(); sock.once('drain', () => sock.resume()); } });
  sock.on('end', () => log('server: end'));
  sock.on('finish', () => log('server: finish'));
  sock.on('close', (hadError) => { log('server: close', hadError); server.close(() => log('server: closed')); });
});
server.on('listening', () => log('listening', server.address().address, server.address().family));
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const big = Buffer.alloc(1 << 20, 'x');
  let got = 0, text = '';
  const c = net.connect({ port, host: '127.0.0.1' }, () => {
    log('client: connect', c.remoteAddress, c.remotePort === port);
    c.write('hello ');
    c.write(Buffer.from('world'), () => log('client: write cb'));
    c.write(big);
    c.end('!');
  });
  c.setEncoding('utf8');
  c.on('data', (d) => { got += d.length; if (text.length < 12) text += d.slice(0, 12 - text.length); });
  c.on('end', () => log('client: end', got, text));
  c.on('finish', () => log('client: finish'));
  c.on('close', (hadError) => log('client: close', hadError, c.bytesRead === got, c.bytesWritten));
});
