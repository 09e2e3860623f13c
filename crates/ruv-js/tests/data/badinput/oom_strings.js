// strings kept alive without bound
const a = [];
for (;;) a.push('x'.repeat(1000) + a.length);
