// cluster's events in Node's order, messages both ways, fork(env), disconnect and exit,
// and a process signal handled by the primary.
'use strict';
const cluster = require('cluster');
const http = require('http');

if (cluster.isPrimary) {
  const log = [];
  const w = cluster.fork({ GREETING: 'hi' });
  console.log('isPrimary', cluster.isPrimary, 'isWorker', cluster.isWorker, 'id', w.id);
  for (const ev of ['fork', 'online', 'listening', 'disconnect']) cluster.on(ev, (x) => log.push(`cluster ${ev} ${x.id}`));
  w.on('online', () => log.push('worker online'));
  w.on('listening', (addr) => {
    log.push(`worker listening ${addr.addressType} ${addr.address} ${typeof addr.port}`);
    w.send({ ask: 'greeting' });
  });
  cluster.on('message', (x, m) => log.push(`cluster message ${x.id} ${JSON.stringify(m)}`));
  w.on('message', (m) => {
    log.push(`worker message ${JSON.stringify(m)}`);
    if (m.greeting) {
      process.on('SIGUSR2', () => {
        log.push('primary SIGUSR2');
        w.disconnect();
      });
      process.kill(process.pid, 'SIGUSR2');
    }
  });
  w.on('disconnect', () => log.push(`worker disconnect exitedAfterDisconnect=${w.exitedAfterDisconnect}`));
  cluster.on('exit', (x, code, signal) => {
    log.push(`cluster exit ${x.id} ${code} ${signal} ${x.exitedAfterDisconnect}`);
    log.push(`workers left ${Object.keys(cluster.workers).length}`);
    console.log(log.join('\n'));
  });
  try { process.kill(undefined); } catch (e) { console.log(e.code, e.message); }
  try { process.kill(process.pid, 'SIGNOPE'); } catch (e) { console.log(e.code, e.message); }
} else {
  process.on('message', (m) => {
    if (m.ask) process.send({ greeting: process.env.GREETING, id: cluster.worker.id, unique: process.env.NODE_UNIQUE_ID === undefined });
  });
  http.createServer((req, res) => res.end('x')).listen(0, '127.0.0.1');
}
