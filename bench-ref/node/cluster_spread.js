// cluster_spread.js — a cluster of hello servers that say which worker answered, to count
// the spread of requests over workers (benches/cluster.sh, wrk with benches/spread.lua).
// usage: node cluster_spread.js PORT [WORKERS=2]
//   the policy is Node's own: NODE_CLUSTER_SCHED_POLICY=rr (default) or none (shared handle).
//   every answer is `hello from worker ID`; SIGTERM: the primary kills the workers and exits.
'use strict';
const cluster = require('cluster');
const http = require('http');
const [PORT, WORKERS] = [Number(process.argv[2] || 8000), Number(process.argv[3] || 2)];

if (cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.process.kill();
    process.exit(0);
  });
} else {
  const id = cluster.worker.id;
  http.createServer((req, res) => res.end(`hello from worker ${id}\n`)).listen(PORT, '127.0.0.1');
}
