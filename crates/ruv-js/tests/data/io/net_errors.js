// net errors as Node words them: EADDRINUSE, a server closed twice, ECONNREFUSED (error
// then close(true)), a write after end (its callback, 'error', then 'close').
'use strict';
const net = require('net');
const masked = (s, port) => s.split(String(port)).join('PORT');
const a = net.createServer();
a.listen(0, '127.0.0.1', () => {
  const port = a.address().port;
  const b = net.createServer();
  b.on('error', (e) => {
    console.log('listen error:', masked(e.message, port), e.code, e.errno, e.syscall, e.address, e.port === port);
    a.close(() => {
      console.log('a closed');
      a.close((e2) => console.log('close again:', e2.code, e2.message));
      const c = net.connect(port, '127.0.0.1');
      c.on('error', (e3) => console.log('connect error:', masked(e3.message, port), e3.code, e3.errno, e3.syscall, e3.address, e3.port === port));
      c.on('close', (hadError) => { console.log('close', hadError); afterEnd(); });
    });
  });
  b.listen(port, '127.0.0.1');
});
function afterEnd() {
  const s = net.createServer((sock) => { sock.end(); });
  s.listen(0, () => {
    const c = net.createConnection(s.address().port, () => {
      c.end();
      c.write('late', (e) => console.log('write after end:', e.code, e.message));
    });
    c.on('error', (e) => console.log('socket error:', e.code));
    c.on('close', () => { console.log('socket closed'); s.close(); });
    c.resume();
  });
}
