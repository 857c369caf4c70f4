// Time to first token: what Confab adds over asking the model directly. The same stand-in model
// (lib/fake-model.mjs, "fast…": its first piece at once) is asked N times directly and N times
// through POST /api/chat/sessions/{id}/chat; each time is from the request to the first piece of
// the body. Usage: CONFAB_URL=… CONFAB_MODEL_URL=… node bench/ttft.mjs [N]
const base = process.env.CONFAB_URL;
const model = process.env.CONFAB_MODEL_URL;
const n = Number(process.argv[2] || 200);

async function firstPiece(url, init) {
  const t0 = performance.now();
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const reader = res.body.getReader();
  await reader.read();
  const took = performance.now() - t0;
  while (!(await reader.read()).done);
  return took;
}

const json = (body, token) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

const name = `ttft_${Date.now().toString(36)}`;
const reg = await fetch(`${base}/api/auth/register`, json({ userName: name, password: 'correct horse battery' }));
const token = (await reg.json()).data.token;

const direct = [];
const through = [];
for (let i = 0; i < n; i++) {
  const q = `fast question ${i}`;
  direct.push(await firstPiece(`${model}/chat/completions`, json({ model: 'x', stream: true, messages: [{ role: 'user', content: q }] })));
  // A new session every 100 questions (sessions hold at most 2,000 messages).
  through.push(await firstPiece(`${base}/api/chat/sessions/ttft-${name}-${Math.floor(i / 100)}/chat`, json({ message: q }, token)));
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const row = (label, xs) => `| ${label} | ${pct(xs, 50).toFixed(2)} ms | ${pct(xs, 95).toFixed(2)} ms | ${pct(xs, 99).toFixed(2)} ms |`;
console.log(`\nTime to first token, ${n} questions each (request → first piece of the reply):\n`);
console.log('| path | p50 | p95 | p99 |\n|---|---|---|---|');
console.log(row('model directly', direct));
console.log(row('through Confab', through));
console.log(`| **Confab's overhead** | ${(pct(through, 50) - pct(direct, 50)).toFixed(2)} ms | ${(pct(through, 95) - pct(direct, 95)).toFixed(2)} ms | ${(pct(through, 99) - pct(direct, 99)).toFixed(2)} ms |`);
