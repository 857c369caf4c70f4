// Sends as a browser makes them, asking for compressed answers, and the server's CPU per send.
// `cargo xtask bench`'s load generator asks for no encoding; this measures what every browser
// asks for: node bench/encoded-sends.mjs URL SERVER_PID ['gzip, deflate, br'] [seconds] [by]
// (32 senders in a closed loop, each writing to one receiver; needs relaxed sign-up limits).
// `by`: `receiver` (receiverId only, as the load generator sends) or `conversation`
// (conversationId and receiverId, as the app sends once the chat exists).
import fs from 'node:fs';

const [base, pid] = [process.argv[2], process.argv[3]];
const encoding = process.argv[4] ?? 'gzip, deflate, br';
const seconds = Number(process.argv[5] ?? 10);
const by = process.argv[6] ?? 'receiver';
const post = (path, body, token) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'accept-encoding': encoding,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
const tag = Date.now().toString(36);
async function register(name) {
  const res = await post('/api/auth/register', { userName: `${name}_${tag}`, password: 'correct horse battery' });
  return (await res.json()).data;
}
const receiver = (await register('r')).user.userId;
const senders = [];
for (let i = 0; i < 32; i++) senders.push((await register(`s${i}`)).token);
// Each sender's chat with the receiver, made by a first message.
const chats = [];
for (const token of senders) {
  const res = await post('/api/messages', { receiverId: receiver, content: 'hello' }, token);
  chats.push((await res.json()).data.conversationId);
}
// utime + stime of the server, in ms (clock ticks of 10 ms).
const cpu = () => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
let sent = 0;
const encodings = new Map();
const end = Date.now() + seconds * 1000;
const [cpu0, t0] = [cpu(), Date.now()];
await Promise.all(senders.map(async (token, i) => {
  for (let k = 0; Date.now() < end; k++) {
    const res = await post('/api/messages', {
      receiverId: receiver,
      ...(by === 'conversation' ? { conversationId: chats[i] } : {}),
      content: `hello there, message ${k} from sender ${i}, a sentence of ordinary length`,
      clientMsgId: `${tag}-${i}-${k}`,
    }, token);
    const got = res.headers.get('content-encoding') ?? 'none';
    encodings.set(got, (encodings.get(got) ?? 0) + 1);
    await res.arrayBuffer();
    if (res.status === 201) sent++;
  }
}));
const elapsed = (Date.now() - t0) / 1000;
console.log(`by ${by}, accept-encoding "${encoding}": ${Math.round(sent / elapsed)} sends/s, server CPU ${((cpu() - cpu0) / sent).toFixed(3)} ms per send, answers encoded ${JSON.stringify(Object.fromEntries(encodings))}`);
