// A thread of 10,000 messages and a list of 5,000 conversations: the page holds a window of
// each, however far one scrolls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BASE } from '../lib/browser.js';
import { waitFor, bubbleTexts, messageNodes, scrollToStart, painted, call as apiCall } from '../lib/helpers.js';

const COUNT = 10000;
const CHATS = 5000;
const stamp = Date.now().toString(36);
let browser, page, alice, bob, cid;

const call = (method, path, token, body) => apiCall(BASE, method, path, token, body);

const account = (name) => call('POST', '/api/auth/register', null, { userName: name, password: 'correct horse battery', displayName: name });

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

test(`${COUNT} messages page through the window: each once, in order, no jump, a bounded page`, async () => {
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
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  await ctx.addInitScript((token) => localStorage.setItem('confab.token', token), bob.token);
  page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
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

test(`${CHATS} conversations: the list draws a screenful, pages in as it scrolls, and a new message moves one row`, async () => {
  const carol = await account(`long_c_${stamp}`);
  const groups = [];
  let next = 1;
  const creator = async () => {
    while (next <= CHATS) {
      const n = next++;
      groups.push((await call('POST', '/api/groups', carol.token, { name: `Room ${String(n).padStart(4, '0')}` })).conversationId);
    }
  };
  await Promise.all(Array.from({ length: 16 }, creator));
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  await ctx.addInitScript((token) => localStorage.setItem('confab.token', token), carol.token);
  const p = await ctx.newPage();
  p.on('pageerror', (e) => console.error('page error:', e.message));
  await p.goto(`${BASE}/`);
  await p.waitForSelector('.conv');
  const rowsNow = () => p.$$eval('.conv', (els) => els.map((e) => Number(e.dataset.conversationId)));
  const seen = [];
  let most = 0;
  for (let step = 0; step < 2000 && seen.length < CHATS; step++) {
    await painted(p);
    const ids = await rowsNow();
    most = Math.max(most, ids.length);
    for (const id of ids) if (!seen.includes(id)) seen.push(id);
    const atEnd = await p.$eval('.conversations', (n) => n.scrollTop + n.clientHeight >= n.scrollHeight - 1);
    if (atEnd && seen.length < CHATS) await p.waitForTimeout(100); // the next page is on its way
    await p.$eval('.conversations', (n) => n.scrollBy(0, n.clientHeight));
  }
  assert.equal(seen.length, CHATS, 'every conversation was in the list on the way down');
  assert.deepEqual([...seen].sort((a, b) => a - b), [...groups].sort((a, b) => a - b), 'exactly Carol\'s conversations, once each');
  assert.ok(most <= 60, `at most 60 rows in the page (${most})`);

  // A message in the conversation at the very bottom moves it to the top.
  const last = seen[seen.length - 1];
  await call('POST', '/api/messages', carol.token, { conversationId: last, content: 'back on top', clientMsgId: `top-${stamp}` });
  await p.$eval('.conversations', (n) => n.scrollTo(0, 0));
  await waitFor(async () => (await rowsNow())[0] === last, 'the conversation moved to the top');
  assert.match(await p.$eval('.conv .conv-preview', (e) => e.textContent), /back on top/);
  assert.ok((await rowsNow()).length <= 60);
  await ctx.close();
});
