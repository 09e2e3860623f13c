// os's figures (shapes and types: the values are the machine's) and perf_hooks's loop delay
// monitor and event loop utilization
const os = require('os');
const { monitorEventLoopDelay, performance } = require('perf_hooks');
const cpus = os.cpus();
console.log('cpus', cpus.length > 0, Object.keys(cpus[0]), Object.keys(cpus[0].times), typeof cpus[0].model, typeof cpus[0].speed, cpus.every((c) => c.times.user >= 0 && c.times.idle > 0));
console.log('mem', os.totalmem() > os.freemem(), os.freemem() > 0, Number.isInteger(os.totalmem()));
console.log('EOL', JSON.stringify(os.EOL), os.type(), os.platform(), typeof os.release(), os.release().length > 0, os.homedir() === process.env.HOME, os.tmpdir(), os.endianness());
console.log('loadavg', os.loadavg().length, os.loadavg().every((x) => typeof x === 'number' && x >= 0), os.uptime() > 0, typeof os.hostname());
const lo = os.networkInterfaces().lo;
console.log('lo', lo && lo.find((a) => a.family === 'IPv4'));
console.log('userInfo', Object.keys(os.userInfo()), os.userInfo().uid === (process.getuid ? process.getuid() : os.userInfo().uid));

const h = monitorEventLoopDelay({ resolution: 10 });
console.log('empty', h.min, h.max, h.mean, h.stddev, h.count, h.exceeds, h.percentiles.size, h.percentiles.get(100));
console.log('enable', h.enable(), h.enable());
const elu1 = performance.eventLoopUtilization();
console.log('elu keys', Object.keys(elu1), elu1.utilization >= 0 && elu1.utilization <= 1);
let ticks = 0;
const t = setInterval(() => {
  if (++ticks === 3) {
    const start = Date.now();
    while (Date.now() - start < 120); // block the loop for 120 ms
  }
  if (ticks < 8) return;
  clearInterval(t);
  console.log('disable', h.disable(), h.disable());
  console.log('recorded', h.count > 0, h.min > 0, h.max >= 100e6, h.mean > 0, h.stddev > 0);
  console.log('percentile', h.percentile(100) >= 100e6, h.percentile(1) <= h.percentile(99), typeof h.percentiles.get, h.percentiles.get(100) > 0);
  const elu2 = performance.eventLoopUtilization(elu1);
  console.log('elu since', elu2.active > 100, elu2.utilization > 0 && elu2.utilization <= 1, typeof elu2.idle);
  const d = performance.eventLoopUtilization(performance.eventLoopUtilization(), elu1);
  console.log('elu between', d.active >= elu2.active);
  try { h.percentile(0); } catch (e) { console.log(e.name, e.code, e.message); }
  try { monitorEventLoopDelay({ resolution: 0 }); } catch (e) { console.log(e.name, e.code, e.message); }
  h.reset();
  console.log('reset', h.count, h.max);
}, 20);
