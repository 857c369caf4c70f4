// A thread of 10,000 messages: the page holds a window of it, however far one scrolls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BASE } from '../lib/browser.js';
import { waitFor, bubbleTexts, messageNodes, scrollToStart, painted } from '../lib/helpers.js';

const COUNT = 10000;
const stamp = Date.now().toString(36);
let browser, page, alice, bob, cid;

async function call(method, path, token, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${json.message}`);
  return json.data;
}

const account = (name) => call('POST', '/api/auth/register', null, { userName: name, password: 'correct horse battery', displayName: name });

before(async () => {
  alice = await account(`long_a_${stamp}`);
  bob = await account(`long_b_${stamp}`);
  cid = (await call('POST', '/api/conversations/private', alice.token, { userId: bob.user.userId })).conversationId;
  // Set-up through the API, 16 sends at a time (what is under test is Bob's page).
  let next = 1;
  const sender = async () => {
    while (next <= COUNT) {
      const n = next++;
      await call('POST', '/api/messages', alice.token, { conversationId: cid, content: `long ${n}`, clientMsgId: `long-${stamp}-${n}` });
    }
  };
  await Promise.all(Array.from({ length: 16 }, sender));
  browser = await launch();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  await ctx.addInitScript((token) => localStorage.setItem('confab.token', token), bob.token);
  page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

after(async () => {
  await browser?.close();
});

test(`${COUNT} messages page through the window: each once, in order, no jump, a bounded page`, async () => {
  await page.goto(`${BASE}/c/${cid}`);
  await waitFor(async () => (await bubbleTexts(page)).includes(`long ${COUNT}`), 'the newest message');
  const { ids, jumps, most } = await scrollToStart(page, { maxRounds: 5000, screens: 3 });
  assert.equal(new Set(ids).size, ids.length, 'no message twice');
  assert.equal(ids.length, COUNT, 'every message was on screen on the way up');
  assert.equal(jumps, 0, 'nothing on screen moved as rows came and went');
  assert.ok(most <= 200, `at most 200 message rows in the page (${most})`);
  // Every message text, once: the ids seen are exactly the conversation's.
  const texts = await bubbleTexts(page);
  assert.ok(texts.includes('long 1'), 'the first message at the top');

  // With all of it loaded, a new message still arrives, offered by the button while up here.
  await call('POST', '/api/messages', alice.token, { conversationId: cid, content: 'live at the top', clientMsgId: `live-${stamp}` });
  await (await waitFor(() => page.$('.new-messages'), 'the "new messages" button')).click();
  await waitFor(async () => (await bubbleTexts(page)).includes('live at the top'), 'the new message at the bottom');
  await painted(page);
  assert.ok((await messageNodes(page)) <= 200, 'still a bounded page at the bottom');
  assert.equal(await page.$eval('.scroller', (s) => Math.round(s.scrollTop)), 0, 'at the bottom');
});
