// Everyday messaging, two and three people in Debian's Chromium against a real server: reply
// and jump to the original, edit, reactions, typing, search (Chinese), forward a file, jump to
// the first unread, a desktop notification for a hidden tab, the shortcuts help.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { launch, BASE } from '../lib/browser.js';
import { waitFor, shot, people, api, bubbleTexts, sendText, audit, openConversationWith } from '../lib/helpers.js';

const WIDE = { width: 1280, height: 800 };
const stamp = Date.now().toString(36);
const NAMES = { alice: `ea_${stamp}`, bob: `eb_${stamp}`, carol: `ec_${stamp}` };
let browser, a, b, c, ids;

// Notifications the page made, and a switch for "the tab is hidden" (a headless tab never is).
const RECORD_NOTIFICATIONS = () => {
  window.__notes = [];
  window.__hidden = false;
  Object.defineProperty(document, 'visibilityState', { get: () => (window.__hidden ? 'hidden' : 'visible') });
  const Real = window.Notification;
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push({ title, body: options?.body, note: this });
    }
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recorded;
};

before(async () => {
  browser = await launch();
  const prepare = async (ctx) => {
    await ctx.grantPermissions(['notifications'], { origin: BASE });
    await ctx.addInitScript(RECORD_NOTIFICATIONS);
  };
  const who = [[NAMES.alice, 'Alice'], [NAMES.bob, 'Bob'], [NAMES.carol, 'Carol']];
  [a, b, c] = await people(browser, BASE, who, { viewport: WIDE, prepare });
  const idOf = async (p) => (await api(p, 'GET', '/api/users/me')).data.userId;
  ids = { alice: await idOf(a), bob: await idOf(b), carol: await idOf(c) };
});

after(async () => {
  await browser?.close();
});

const row = (page, name) => page.locator(`.conv:has(.conv-name:text-is("${name}"))`);
const msg = (page, text) => page.locator(`.thread .msg:has(.text:text-is("${text}"))`);

async function openMenu(page, text) {
  const m = msg(page, text);
  await m.locator('.bubble').click({ button: 'right' });
  await page.waitForSelector('.menu[role=menu]');
}

test('25. Bob replies to a message 200 up; clicking the quote brings the original back', async () => {
  await api(a, 'POST', '/api/messages', { receiverId: ids.bob, content: 'The plan: meet at the old mill at nine' });
  for (let i = 0; i < 200; i++) await api(a, 'POST', '/api/messages', { receiverId: ids.bob, content: `filler ${i}` });
  await b.reload();
  await b.waitForSelector('.sidebar');
  await openConversationWith(b, 'Alice');
  await waitFor(async () => (await bubbleTexts(b)).includes('filler 199'), 'the newest message');
  // The original is far up: answer it from the search result's jump, then reply.
  const original = (await api(b, 'GET', `/api/messages/search?q=${encodeURIComponent('old mill')}`)).data.list[0];
  assert.ok(original, 'found by search');
  await b.fill('#search-people', 'old mill');
  await b.click('.message-hit');
  await waitFor(() => msg(b, 'The plan: meet at the old mill at nine').count(), 'the original loaded and shown');
  await openMenu(b, 'The plan: meet at the old mill at nine');
  await b.getByRole('menuitem', { name: 'Reply' }).click();
  await b.waitForSelector('.compose-bar');
  assert.match(await b.textContent('.compose-bar'), /Replying to Alice/);
  await shot(b, '25-replying');
  await b.keyboard.type('Nine works for me');
  await b.keyboard.press('Enter');
  await b.waitForSelector('.compose-bar', { state: 'detached' });
  // Alice sees the reply with its quote; clicking the quote goes 200 messages up.
  await openConversationWith(a, 'Bob');
  await waitFor(() => msg(a, 'Nine works for me').count(), 'the reply at Alice');
  const quote = msg(a, 'Nine works for me').locator('.quote');
  assert.equal(await quote.locator('.quote-name').textContent(), 'Alice');
  assert.match(await quote.locator('.quote-text').textContent(), /old mill/);
  await audit(a, 'a thread with a reply');
  await shot(a, '25-reply');
  await quote.click();
  await waitFor(() => a.$('.msg.flash:has(.text:text-is("The plan: meet at the old mill at nine"))'), 'the original, highlighted');
  // On screen once the view has settled (older pages may still be arriving around it).
  await waitFor(
    () =>
      msg(a, 'The plan: meet at the old mill at nine').evaluate((el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 60 && r.bottom <= window.innerHeight - 60;
      }),
    'the original on screen',
  );
});

test('26. Alice edits her last message with Up; Bob sees the new text live, marked edited', async () => {
  if (await a.$('.new-messages')) await a.click('.new-messages');
  await sendText(a, 'See you at the mil');
  await waitFor(() => msg(b, 'See you at the mil').count(), 'Bob gets it');
  await a.click('.composer textarea');
  await a.keyboard.press('ArrowUp');
  await a.waitForSelector('.compose-bar:has-text("Editing")');
  assert.equal(await a.inputValue('.composer textarea'), 'See you at the mil');
  await a.keyboard.press('End');
  await a.keyboard.type('l!');
  await a.keyboard.press('Enter');
  await waitFor(() => msg(b, 'See you at the mill!').count(), 'the edit at Bob');
  assert.equal(await msg(b, 'See you at the mill!').locator('.edited').textContent(), 'edited');
  assert.equal(await msg(b, 'See you at the mil').count(), 0);
  assert.equal(await a.inputValue('.composer textarea'), '', 'the box is empty again');
  // Esc cancels an edit and gives back what was being written.
  await a.fill('.composer textarea', '');
  await a.keyboard.press('ArrowUp');
  await a.waitForSelector('.compose-bar');
  await a.keyboard.press('Escape');
  await a.waitForSelector('.compose-bar', { state: 'detached' });
  assert.equal(await a.inputValue('.composer textarea'), '');
  await shot(b, '26-edited');
});

test('27. Alice and Bob both react 👍; the count is 2 for both, with their names', async () => {
  const text = 'See you at the mill!';
  await openMenu(b, text);
  await shot(b, '27-menu');
  await b.getByRole('menuitem', { name: '👍' }).click();
  await waitFor(async () => (await msg(a, text).locator('.reaction').count()) === 1, 'the reaction at Alice');
  // Alice picks the same one from the full picker, found by name.
  await openMenu(a, text);
  await a.getByRole('menuitem', { name: 'More emoji' }).click();
  await a.waitForSelector('.emoji-picker');
  await a.fill('#emoji-search', 'thumbs up');
  await waitFor(() => a.$('.emoji-grid .emoji-btn'), 'matches');
  await audit(a, 'the emoji picker');
  await shot(a, '27-picker');
  await a.click('.emoji-grid .emoji-btn[aria-label="👍"]');
  for (const p of [a, b]) {
    await waitFor(async () => (await msg(p, text).locator('.reaction .count').textContent().catch(() => '')) === '2', 'two reactions');
  }
  const title = await msg(b, text).locator('.reaction').getAttribute('title');
  assert.match(title, /Alice/);
  assert.match(title, /You/);
  assert.equal(await msg(b, text).locator('.reaction').getAttribute('aria-pressed'), 'true');
  // Clicking takes mine back.
  await msg(b, text).locator('.reaction').click();
  await waitFor(async () => (await msg(a, text).locator('.reaction .count').textContent()) === '1', 'back to one');
  await shot(a, '27-reactions');
});

test('28. Typing shows in Bob\'s thread and list, and goes by itself', async () => {
  await a.click('.composer textarea');
  await a.keyboard.type('I am writing something lon');
  await waitFor(async () => (await b.textContent('.thread .typing')) === 'Alice is typing…', 'the typing line');
  await shot(b, '28-typing');
  await a.fill('.composer textarea', '');
  await waitFor(async () => (await b.textContent('.thread .typing')) === '', 'gone on its own', 10000);
});

test('29. A search for a Chinese word finds it in another chat and jumps to it', async () => {
  await api(c, 'POST', '/api/messages', { receiverId: ids.alice, content: '周五下午三点在图书馆开会，记得带上报告' });
  for (let i = 0; i < 60; i++) await api(c, 'POST', '/api/messages', { receiverId: ids.alice, content: `之后的消息 ${i}` });
  await a.fill('#search-people', '图书馆');
  await waitFor(() => a.$('.message-hit'), 'a message result');
  assert.equal(await a.locator('.message-hit').count(), 1);
  assert.equal(await a.locator('.message-hit mark').first().textContent(), '图书馆');
  assert.match(await a.textContent('.message-hit .hit-name'), /Carol/);
  await audit(a, 'message search results');
  await shot(a, '29-search');
  await a.click('.message-hit');
  await a.waitForURL(/\/c\/\d+$/);
  await waitFor(() => a.$('.msg.flash:has-text("图书馆")'), 'the message, highlighted in its chat');
  assert.equal(await a.inputValue('#search-people'), '', 'the search closed');
});

test('30. Bob forwards Alice\'s file to Carol, who downloads identical bytes', async () => {
  const bytes = crypto.randomBytes(40000);
  await openConversationWith(a, 'Bob');
  await a.setInputFiles('.composer input[type=file]', { name: 'minutes.pdf', mimeType: 'application/pdf', buffer: bytes });
  await waitFor(() => b.$('.msg .file-card:has-text("minutes.pdf")'), 'the file at Bob');
  await api(b, 'POST', '/api/messages', { receiverId: ids.carol, content: 'hi Carol' });
  const card = b.locator('.msg:has(.file-card:has-text("minutes.pdf"))').last();
  await card.locator('.bubble').click({ button: 'right' });
  await b.getByRole('menuitem', { name: 'Forward' }).click();
  await b.waitForSelector('#forward-title');
  await b.fill('#forward-filter', 'Car');
  await b.locator('.forward-target:has-text("Carol") input').check();
  await audit(b, 'the forward dialog');
  await shot(b, '30-forward');
  await b.getByRole('button', { name: 'Forward', exact: true }).click();
  await b.waitForSelector('#forward-title', { state: 'detached' });
  await c.goto(`${BASE}/`);
  await openConversationWith(c, 'Bob');
  const link = await waitFor(() => c.$('.msg .file-card:has-text("minutes.pdf") a[href]'), 'the forwarded file at Carol');
  const href = await link.getAttribute('href');
  const got = await c.evaluate(async (url) => Array.from(new Uint8Array(await (await fetch(url)).arrayBuffer())), href);
  assert.ok(Buffer.from(got).equals(bytes), 'identical bytes');
});

test('30b. Bob selects two messages and forwards them together; Carol gets both, in order', async () => {
  await sendText(a, 'first of two');
  await sendText(a, 'second of two');
  await waitFor(() => msg(b, 'second of two').count(), 'both at Bob');
  await openMenu(b, 'first of two');
  await b.getByRole('menuitem', { name: 'Select messages…' }).click();
  await b.waitForSelector('.select-bar');
  await msg(b, 'second of two').locator('input.pick').check();
  assert.match(await b.textContent('.select-bar'), /2 selected/);
  await shot(b, '30-select');
  await b.locator('.select-bar').getByRole('button', { name: 'Forward' }).click();
  await b.waitForSelector('#forward-title');
  await b.locator('.forward-target:has-text("Carol") input').check();
  await b.getByRole('button', { name: 'Forward', exact: true }).click();
  await b.waitForSelector('#forward-title', { state: 'detached' });
  assert.equal(await b.locator('.select-bar').count(), 0);
  await waitFor(async () => {
    const texts = await bubbleTexts(c);
    const i = texts.indexOf('first of two');
    return i >= 0 && texts[i + 1] === 'second of two';
  }, 'both at Carol, in order');
});

test('31. Opening a chat with unread messages lands on the "New messages" divider', async () => {
  await a.goto(`${BASE}/`);
  await a.waitForSelector('.sidebar');
  for (let i = 0; i < 80; i++) await api(b, 'POST', '/api/messages', { receiverId: ids.alice, content: `catch-up ${i}` });
  await waitFor(async () => (await row(a, 'Bob').locator('.badge').textContent().catch(() => '')) === '80', '80 unread');
  await row(a, 'Bob').locator('.conv-link').click();
  await a.waitForSelector('.unread-divider');
  await waitFor(async () => {
    const [divider, first] = await Promise.all([
      a.$eval('.unread-divider', (e) => e.getBoundingClientRect().top),
      msg(a, 'catch-up 0').evaluate((e) => e.getBoundingClientRect().top),
    ]);
    return divider > 0 && divider < 800 && first > divider;
  }, 'the divider on screen, the first unread under it');
  const next = await a.$$eval('.unread-divider ~ .msg .text', (els) => els[0]?.textContent);
  assert.equal(next, 'catch-up 0');
  await audit(a, 'the unread divider');
  await shot(a, '31-unread');
  // At the bottom, a button goes back to it.
  await a.$eval('.scroller', (s) => s.scrollTo(0, 0));
  await a.waitForSelector('.jump-unread');
  await a.$eval('.scroller', (s) => s.scrollTo(0, -100000));
  await a.waitForTimeout(300);
  await a.$eval('.scroller', (s) => s.scrollTo(0, 0));
  await a.click('.jump-unread');
  await waitFor(() => a.$('.msg.flash:has(.text:text-is("catch-up 0"))'), 'back at the first unread');
});

test('32. A message to a hidden tab shows a desktop notification that opens the chat', async () => {
  await a.goto(`${BASE}/`);
  await a.waitForSelector('.sidebar');
  await a.evaluate(() => {
    window.__hidden = true;
    window.__notes = [];
  });
  await api(c, 'POST', '/api/messages', { receiverId: ids.alice, content: 'Are you coming tonight?' });
  const note = await waitFor(() => a.evaluate(() => window.__notes[0] && { title: window.__notes[0].title, body: window.__notes[0].body }), 'a notification');
  assert.deepEqual(note, { title: 'Carol', body: 'Are you coming tonight?' });
  // A muted chat stays silent.
  const carol = await api(a, 'GET', '/api/conversations');
  const cid = carol.data.list.find((x) => x.targetUserName === 'Carol').conversationId;
  await api(a, 'PATCH', `/api/conversations/${cid}`, { recvMsgOpt: 1 });
  await waitFor(async () => (await row(a, 'Carol').getAttribute('class')).includes('muted'), 'muted in the list');
  await api(c, 'POST', '/api/messages', { receiverId: ids.alice, content: 'quiet one' });
  await waitFor(async () => (await row(a, 'Carol').locator('.conv-preview').textContent()).includes('quiet one'), 'it arrived');
  assert.equal(await a.evaluate(() => window.__notes.length), 1, 'no notification for a muted chat');
  // Clicking the first one opens the chat.
  await a.evaluate(() => window.__notes[0].note.onclick());
  await a.waitForURL(new RegExp(`/c/${cid}$`));
});

test('33. ? lists the shortcuts (but types a ? in the message box)', async () => {
  await a.evaluate(() => { window.__hidden = false; });
  await a.locator('body').press('?');
  await a.waitForSelector('#help-title');
  assert.match(await a.textContent('.shortcuts'), /Edit your last message/);
  await audit(a, 'the shortcuts help');
  await shot(a, '33-shortcuts');
  await a.keyboard.press('Escape');
  await a.waitForSelector('#help-title', { state: 'detached' });
  // Typing "?" in the message box types it.
  await openConversationWith(a, 'Bob');
  await a.click('.composer textarea');
  await a.keyboard.type('really?');
  assert.equal(await a.inputValue('.composer textarea'), 'really?');
  assert.equal(await a.locator('#help-title').count(), 0);
});
