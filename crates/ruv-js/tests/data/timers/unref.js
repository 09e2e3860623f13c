// An unref'd timer does not keep the process alive; while a ref'd one is pending it still
// fires. ref() brings one back. An unref'd immediate alone lets the process end.
'use strict';
const log = (s) => console.log(s);
const u = setTimeout(() => log('unref 10 (fires: a ref timer is pending)'), 10).unref();
log(`hasRef: ${u.hasRef()}`);
setTimeout(() => log('ref 30'), 30);
setTimeout(() => log('unref 100000 (must not run)'), 100000).unref();
const back = setTimeout(() => {
  log('unref then ref 50');
  const iv = setInterval(() => log('interval unref (must not run)'), 200);
  iv.unref();
  setImmediate(() => log('immediate unref (runs: a ref one keeps this iteration)')).unref();
  const im = setImmediate(() => log('immediate unref then ref'));
  im.unref();
  im.ref();
  log(`immediate hasRef: ${im.hasRef()}`);
}, 50).unref();
back.ref();
process.on('exit', () => log('exit'));
