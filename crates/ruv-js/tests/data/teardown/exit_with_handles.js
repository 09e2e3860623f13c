const http = require('http'), net = require('net'), { spawn, fork } = require('child_process'), { Worker } = require('worker_threads');
const s = http.createServer((q, r) => r.end('x')).listen(0, '127.0.0.1');
const n = net.createServer(() => {}).listen(0, '127.0.0.1');
const c = spawn('sleep', ['5']);
const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
setInterval(() => {}, 1000);
setTimeout(() => { console.log('exiting with handles open'); process.exit(3); }, 100);
