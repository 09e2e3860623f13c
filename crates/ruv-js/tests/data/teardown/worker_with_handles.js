const { Worker } = require('worker_threads');
const w = new Worker(`
const http = require('http'), net = require('net'), { spawn } = require('child_process');
http.createServer((q, r) => r.end('x')).listen(0, '127.0.0.1');
net.createServer(() => {}).listen(0, '127.0.0.1', () => {
  spawn('sleep', ['2']);
  setInterval(() => {}, 10); Promise.resolve().then(() => setTimeout(() => process.exit(5), 20));
});`, { eval: true });
const w2 = new Worker(`require('http').createServer(() => {}).listen(0); setInterval(() => {}, 5);`, { eval: true });
// the second is terminated once the first has exited (and once it runs)
let online = false, exited = false;
const stop = () => { if (online && exited) w2.terminate().then((c) => console.log('terminated', c)); };
w2.on('online', () => { online = true; stop(); });
w.on('exit', (c) => { console.log('worker exit', c); exited = true; stop(); });
