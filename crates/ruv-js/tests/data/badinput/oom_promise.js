// allocation without bound in a promise job, a handler for uncaught errors installed
process.on('uncaughtException', () => console.log('not reached: Node cannot catch this either'));
const a = [];
Promise.resolve().then(() => { for (;;) a.push(new Array(64).fill(a.length)); });
