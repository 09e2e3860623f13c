// small objects kept alive without bound (QuickJS then cannot even build its error)
const a = [];
for (;;) a.push({ i: a.length, s: [1, 2, 3] });
