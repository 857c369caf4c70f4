// A stand-in language model for the end-to-end suite: an OpenAI-compatible
// `POST /v1/chat/completions` that streams `data:` deltas with delays, chosen by the last user
// message: "long…" (60 words, 80 ms apart, time to press Stop), "fail…" (three words, then the
// connection breaks), "flaky…" (breaks the first time it is asked, answers after), "code…"
// (a reply with a fenced code block), "fast…" (two pieces at once, for timing); anything else: "Hello! You
// asked: …" word by word. `GET /requests` returns what it was asked. Usage: node fake-model.mjs PORT
import http from 'node:http';

const asked = [];
const failedOnce = new Set();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const chunk = (text) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;

const server = http.createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/requests') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(asked));
  }
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    res.writeHead(404);
    return res.end();
  }
  let body = '';
  for await (const part of req) body += part;
  const request = JSON.parse(body);
  asked.push(request);
  const last = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  let words;
  let gap = 60;
  if (last.startsWith('long')) {
    words = Array.from({ length: 60 }, (_, i) => `word${i} `);
    gap = 80;
  } else if (last.startsWith('fail') || (last.startsWith('flaky') && !failedOnce.has(last))) {
    failedOnce.add(last);
    words = ['This ', 'will ', 'break '];
  } else if (last.startsWith('fast')) {
    words = ['Quick ', 'answer.'];
    gap = 0;
  } else if (last.startsWith('code')) {
    words = ['Here is ', 'some code:\n', '```\n', 'fn main() {\n', '    println!("hi");\n', '}\n', '```\n', 'Done.'];
  } else {
    words = ['Hello! ', 'You ', 'asked: ', ...last.split(/(?<= )/)];
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let closed = false;
  res.on('close', () => { closed = true; });
  for (const w of words) {
    if (gap) await sleep(gap);
    if (closed) return;
    res.write(chunk(w));
  }
  if (gap) await sleep(gap);
  if (words[0] === 'This ') return res.socket.destroy();
  res.write('data: [DONE]\n\n');
  res.end();
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(`fake model on http://127.0.0.1:${server.address().port}/v1`);
});
