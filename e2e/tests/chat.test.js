// Two people chatting through every flow, in Debian's Chromium against a real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
import { launch, BASE, PINNED, instanceOf } from '../lib/browser.js';
import { waitFor, shot, register, api, messageIds, bubbleTexts, sendText, openConversationWith, audit, scrollToStart } from '../lib/helpers.js';

const WIDE = { width: 1280, height: 800 };

/// A valid RGBA PNG of the given size (zlib-compressed rows, real CRCs).
function pngImage(w, h) {
  const zlib = require('node:zlib');
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.concat(Array.from({ length: h }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 4, 0x7f)])));
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
let browser, alice, bob, a, b, cid;
const stamp = Date.now().toString(36);
const ALICE = `alice_${stamp}`;
const BOB = `bob_${stamp}`;


before(async () => {
  browser = await launch();
  alice = await browser.newContext({ viewport: WIDE, locale: 'en-US' });
  bob = await browser.newContext({ viewport: WIDE, locale: 'en-US' });
  a = await alice.newPage();
  b = await bob.newPage();
  for (const p of [a, b]) p.on('pageerror', (e) => console.error('page error:', e.message));
});

after(async () => {
  await browser?.close();
});

test('sign-up through the UI; the sign-in page passes an accessibility audit', async () => {
  await a.goto(`${BASE}/login`);
  await a.waitForSelector('#login-user');
  await audit(a, 'sign-in');
  await shot(a, '00-sign-in');
  await register(a, BASE, ALICE, 'Alice');
  await register(b, BASE, BOB, 'Bob');
  await shot(b, '00-empty-list');
  if (PINNED > 1) {
    // Through the cluster: Alice and Bob are served by different instances.
    const [ia, ib] = [await instanceOf(a), await instanceOf(b)];
    assert.ok(ia && ib, `both answered through nginx (${ia}, ${ib})`);
    assert.notEqual(ia, ib, 'Alice and Bob are pinned to different instances');
  }
});

test('1. Alice finds Bob and writes; Bob sees it live with a badge and the title count; reading shows a receipt', async () => {
  // Nothing sets attributes on the page's root as messages arrive: each such write (even of the
  // same value) restyles the whole page.
  await b.evaluate(() => {
    window.__rootWrites = [];
    new MutationObserver((list) => window.__rootWrites.push(...list.map((r) => r.attributeName)))
      .observe(document.documentElement, { attributes: true });
  });
  await a.fill('#search-people', BOB);
  await a.click(`.search-results .hit:has-text("${BOB}")`);
  await a.waitForURL(/\/c\/\d+$/);
  cid = Number(new URL(a.url()).pathname.split('/').pop());
  await sendText(a, 'Hi Bob! 你好');
  await waitFor(() => a.$('.thread .msg.mine[data-delivery="sent"]'), "Alice's message sent");

  // Bob, on his list, without reloading.
  const row = await waitFor(() => b.$(`.conv[data-conversation-id="${cid}"]`), 'the conversation in Bob\'s list');
  assert.equal(await row.$eval('.badge', (e) => e.textContent), '1');
  assert.match(await row.$eval('.conv-preview', (e) => e.textContent), /Hi Bob! 你好/);
  await waitFor(async () => (await b.title()) === '(1) Confab', 'the unread count in the title');
  assert.deepEqual(await b.evaluate(() => window.__rootWrites), [], 'attributes written on <html> as the message arrived');
  await audit(b, 'the conversation list');
  await shot(b, '01-bob-badge');

  await openConversationWith(b, 'Alice');
  await waitFor(async () => (await bubbleTexts(b)).includes('Hi Bob! 你好'), 'the message in Bob\'s thread');
  await waitFor(async () => (await b.title()) === 'Confab', 'the title without a count');
  await waitFor(() => a.$('.thread .msg.mine .status[data-status="read"]'), 'the read receipt for Alice');
  await audit(b, 'a thread');
  await shot(a, '01-alice-read');

  // A message arriving in the open thread adds its row and leaves the header alone: it changes
  // the conversation's preview and counts, which the header does not show.
  await b.evaluate(() => {
    window.__headerWrites = [];
    new MutationObserver((list) => window.__headerWrites.push(...list.map((r) => `${r.type} ${r.target.nodeName}`)))
      .observe(document.querySelector('.thread-header'), { attributes: true, childList: true, characterData: true, subtree: true });
  });
  await sendText(a, 'Still there?');
  await waitFor(async () => (await bubbleTexts(b)).includes('Still there?'), 'the second message in Bob\'s thread');
  assert.deepEqual(await b.evaluate(() => window.__headerWrites), [], 'the thread header was written to as a message arrived');
});

test('2. 300 messages: scrolling up loads every one once, without a jump', async () => {
  // Set-up through the API (what is under test is Bob's scrolling).
  for (let i = 1; i <= 300; i++) {
    const r = await api(a, 'POST', '/api/messages', { conversationId: cid, content: `history ${i}`, clientMsgId: `h-${stamp}-${i}` });
    assert.equal(r.code, 201);
  }
  await b.reload();
  await b.waitForSelector('.thread .msg');
  await waitFor(async () => (await bubbleTexts(b)).includes('history 300'), 'the newest message');
  const { ids, jumps, most } = await scrollToStart(b);
  assert.equal(new Set(ids).size, ids.length, 'no message twice');
  assert.equal(ids.length, 302, 'every message was on screen on the way up (300 and the two before)');
  assert.equal(jumps, 0, 'loading older messages moved what was on screen');
  assert.ok(most <= 200, `the page held at most 200 message rows (${most})`);
  await shot(b, '02-history-top');
});

test('3. a PDF and a PNG: cards with name and size, identical download, thumbnail and viewer', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'confab-e2e-'));
  // The files to upload are ~3.5 MB: gone after the test, passed or not (every run made one).
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(150 * 1024, 7), Buffer.from('\n%%EOF\n')]);
  const png = pngImage(2, 2);
  fs.writeFileSync(path.join(dir, 'Design brief.pdf'), pdf);
  fs.writeFileSync(path.join(dir, 'dot.png'), png);
  fs.writeFileSync(path.join(dir, 'Meeting notes.docx'), Buffer.alloc(48 * 1024, 1));
  fs.writeFileSync(path.join(dir, 'photos-2026.zip'), Buffer.alloc(3 * 1024 * 1024 + 200 * 1024, 2));
  const names = ['Design brief.pdf', 'dot.png', 'Meeting notes.docx', 'photos-2026.zip'];
  await a.setInputFiles('.composer input[type=file]', names.map((n) => path.join(dir, n)));

  // Bob is still up in the history: new messages are offered by the button, not forced on him.
  await (await waitFor(() => b.$('.new-messages'), 'the "new messages" button', 20000)).click();
  await waitFor(async () => !(await b.$('.new-messages')), 'the button gone at the bottom');
  const card = await waitFor(() => b.$('.msg .file-card:has(.file-name:text("Design brief.pdf"))'), 'the PDF card for Bob', 20000);
  assert.equal(await card.$eval('.file-size', (e) => e.textContent), '150 KB');
  assert.equal(await card.getAttribute('data-kind'), 'pdf');
  const [download] = await Promise.all([b.waitForEvent('download'), card.$eval('a.file-download', (e) => e.click())]);
  assert.equal(download.suggestedFilename(), 'Design brief.pdf');
  const saved = fs.readFileSync(await download.path());
  assert.ok(saved.equals(pdf), 'downloaded bytes are identical');
  const kinds = await waitFor(async () => {
    const k = await b.$$eval('.msg .file-card', (els) => els.map((e) => `${e.dataset.kind}:${e.querySelector('.file-size').textContent}`));
    return k.length === 3 && k;
  }, 'three file cards');
  assert.deepEqual(kinds.sort(), ['archive:3.2 MB', 'doc:48 KB', 'pdf:150 KB']);
  const thumb = await waitFor(() => b.$('.msg button.image-thumb img'), 'the image thumbnail');
  await waitFor(() => thumb.evaluate((img) => img.complete && img.naturalWidth === 2), 'the thumbnail loaded');
  await shot(b, '03-files');
  await b.click('.msg button.image-thumb');
  await b.waitForSelector('.viewer img');
  assert.equal(await b.evaluate(() => document.activeElement?.className), 'viewer-close icon-btn');
  await shot(b, '03-viewer');
  await b.keyboard.press('Escape');
  await waitFor(async () => !(await b.$('.viewer')), 'the viewer closed by Esc');
});

test('4. Alice recalls a message; Bob sees the placeholder without reloading', async () => {
  await sendText(a, 'I will take this back');
  await waitFor(async () => (await bubbleTexts(b)).includes('I will take this back'), 'the message at Bob');
  const msg = await waitFor(() => a.$('.msg.mine:has-text("I will take this back")[data-delivery="sent"]'), 'sent');
  await msg.$eval('.bubble', (e) => e.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true })));
  await a.click('.menu [data-action="recall"]');
  await waitFor(() => b.$('.msg-notice:has-text("Alice recalled a message")'), 'the recalled placeholder at Bob');
  assert.ok(!(await bubbleTexts(b)).includes('I will take this back'));
  await waitFor(() => a.$('.msg-notice:has-text("You recalled a message")'), 'the placeholder at Alice');
  // The thread with text, an image, three file cards and a recalled message.
  await b.$eval('.msg .file-card', (e) => e.scrollIntoView({ block: 'start' }));
  await b.waitForTimeout(200);
  await shot(b, '04-files-and-recalled');
});

test('5. Bob deletes a message for himself; Alice keeps it; it stays gone after a reload', async () => {
  await sendText(a, 'Delete me, Bob');
  const msg = await waitFor(() => b.$('.msg:has-text("Delete me, Bob")'), 'the message at Bob');
  await msg.$eval('.bubble', (e) => e.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true })));
  await b.click('.menu [data-action="delete"]');
  await b.waitForSelector('[role="alertdialog"]');
  await b.click('[role="alertdialog"] .btn.danger');
  await waitFor(async () => !(await bubbleTexts(b)).includes('Delete me, Bob'), 'gone for Bob');
  assert.ok((await bubbleTexts(a)).includes('Delete me, Bob'), 'still there for Alice');
  await b.reload();
  await b.waitForSelector('.thread .msg');
  await waitFor(async () => (await bubbleTexts(b)).includes('I will take this back') === false, 'loaded');
  assert.ok(!(await bubbleTexts(b)).includes('Delete me, Bob'), 'still gone after reload');
});

test('6. Bob goes offline; three messages wait; back online they arrive once, in order', async () => {
  await bob.setOffline(true);
  await waitFor(() => b.$('.banner'), 'the offline banner', 30000);
  for (const t of ['offline one', 'offline two', 'offline three']) await sendText(a, t);
  await waitFor(async () => (await a.$$('.msg.mine[data-delivery="sent"]:has-text("offline")')).length === 3, 'sent');
  await shot(b, '06-offline');
  await bob.setOffline(false);
  await waitFor(async () => (await bubbleTexts(b)).includes('offline three'), 'the three at Bob', 30000);
  const got = (await bubbleTexts(b)).filter((t) => t.startsWith('offline '));
  assert.deepEqual(got, ['offline one', 'offline two', 'offline three']);
  await waitFor(async () => !(await b.$('.banner')), 'the banner gone');
});

test('7. sends that cannot reach the server wait, survive a reload, and go out once, in order', async () => {
  // The server cannot be reached for sends (the page itself still loads).
  const block = (route) => route.abort('internetdisconnected');
  await a.route('**/api/messages', block);
  await sendText(a, 'sent from a tunnel');
  await sendText(a, 'and a second one');
  await waitFor(async () => (await a.$$('.msg.mine[data-delivery="pending"]')).length === 2, 'both waiting');
  await shot(a, '07-waiting');
  // A reload keeps them: they come back, still waiting.
  await a.reload();
  await waitFor(async () => (await a.$$('.msg.mine[data-delivery="pending"]')).length === 2, 'both waiting after a reload');
  assert.equal((await bubbleTexts(b)).filter((t) => t === 'sent from a tunnel').length, 0, 'nothing reached Bob yet');
  // The server is reachable again: they go out by themselves, once each, in order.
  await a.unroute('**/api/messages', block);
  await waitFor(async () => (await bubbleTexts(b)).includes('and a second one'), 'delivered to Bob', 20000);
  await waitFor(() => a.$('.msg.mine[data-delivery="sent"]:has-text("and a second one")'), 'sent at Alice');
  await b.waitForTimeout(500);
  const got = (await bubbleTexts(b)).filter((t) => t === 'sent from a tunnel' || t === 'and a second one');
  assert.deepEqual(got, ['sent from a tunnel', 'and a second one'], 'exactly once each, in order');
  await b.reload();
  await waitFor(async () => (await bubbleTexts(b)).includes('and a second one'), "Bob's thread after a reload");
  assert.equal((await bubbleTexts(b)).filter((t) => t === 'sent from a tunnel').length, 1, 'once on the server too');
  // Bob has the thread open: what arrives is read as it arrives, and Alice sees the receipt.
  await waitFor(() => a.$('.msg.mine:has-text("and a second one") .status[data-status="read"]'), 'the receipt for a message read live');
});

test('8. bad input: empty send is disabled, a too-large file is refused, a wrong password errs in place', async () => {
  await a.fill('.composer textarea', '');
  assert.equal(await a.$eval('button.send', (e) => e.disabled), true);
  await a.fill('.composer textarea', '   ');
  assert.equal(await a.$eval('button.send', (e) => e.disabled), true);
  await a.setInputFiles('.composer input[type=file]', {
    name: 'huge.bin',
    mimeType: 'application/octet-stream',
    buffer: Buffer.alloc(25 * 1024 * 1024 + 1),
  });
  const err = await waitFor(() => a.$('.upload-error'), 'the refusal');
  assert.match(await err.textContent(), /huge\.bin is larger than the 25 MB limit/);
  await shot(a, '08-too-large');
  await a.click('.upload.error button');

  const stranger = await browser.newContext({ viewport: WIDE, locale: 'en-US' });
  const s = await stranger.newPage();
  await s.goto(`${BASE}/login`);
  await s.fill('#login-user', ALICE);
  await s.fill('#login-password', 'not the password');
  await s.click('form button[type=submit]');
  const msg = await waitFor(async () => (await s.$eval('.form-error', (e) => e.textContent)) || false, 'the error');
  assert.equal(msg, 'wrong user name or password');
  assert.match(s.url(), /\/login$/);
  await shot(s, '08-wrong-password');
  await stranger.close();
});

test('9. pin and mute from the list, in step across two tabs of the same person', async () => {
  // A second conversation for Alice, newer than the one with Bob.
  const carol = await browser.newContext({ viewport: WIDE, locale: 'en-US' });
  const c = await carol.newPage();
  await register(c, BASE, `carol_${stamp}`, 'Carol');
  const aliceId = (await api(a, 'GET', '/api/users/me')).data.userId;
  await api(c, 'POST', '/api/messages', { receiverId: aliceId, content: 'Carol says hi' });
  await api(c, 'POST', '/api/messages', { receiverId: aliceId, content: 'and again' });
  await a.goto(`${BASE}/`);
  const a2 = await alice.newPage();
  await a2.goto(`${BASE}/`);
  const order = (p) => p.$$eval('.conv .conv-name', (els) => els.map((e) => e.textContent));
  for (const p of [a, a2]) await waitFor(async () => (await order(p))[0] === 'Carol', 'Carol first (newest)');

  await a.hover('.conv:has(.conv-name:text-is("Bob"))');
  await a.click('.conv:has(.conv-name:text-is("Bob")) button[aria-label="Pin Bob"]');
  for (const p of [a, a2]) await waitFor(async () => (await order(p))[0] === 'Bob', 'Bob pinned first in both tabs');

  const badge = (p) => p.$eval('.conv:has(.conv-name:text-is("Carol")) .badge', (e) => ({ dot: e.classList.contains('dot'), text: e.textContent }));
  for (const p of [a, a2]) assert.deepEqual(await waitFor(() => badge(p), 'badge'), { dot: false, text: '2' });
  await a.hover('.conv:has(.conv-name:text-is("Carol"))');
  await a.click('.conv:has(.conv-name:text-is("Carol")) button[aria-label="Mute Carol"]');
  for (const p of [a, a2]) await waitFor(async () => (await badge(p)).dot, 'a quiet dot when muted, in both tabs');
  const unread = (await api(a, 'GET', '/api/messages/unread-count')).data.totalUnread;
  assert.equal(unread, 0, 'muted unread leaves the total, as the server says');
  await waitFor(async () => (await a2.title()) === 'Confab', 'no count in the title for muted');
  await shot(a2, '09-pinned-muted');
  await carol.close();
});

test('10. the sign-up switch reads right both ways; too many wrong passwords show the rate-limit message in place', async () => {
  const ctx = await browser.newContext({ viewport: WIDE, locale: 'en-US' });
  const p = await ctx.newPage();
  const name = `dana_${stamp}`;
  await register(p, BASE, name, 'Dana');
  await api(p, 'POST', '/api/auth/logout');
  await p.goto(`${BASE}/login`);
  const switchText = () => p.$eval('.switch-mode', (e) => e.textContent.replace(/\s+/g, ' ').trim());
  assert.equal(await switchText(), 'New here? Create account');
  await p.click('.switch-mode button');
  await waitFor(async () => (await switchText()) === 'Already have an account? Sign in', 'the switch back to sign-in');
  await p.click('.switch-mode button');
  await waitFor(async () => (await switchText()) === 'New here? Create account', 'the switch to sign-up again');

  const errorText = () => p.$eval('.form-error', (e) => e.textContent);
  const attempt = async (password) => {
    await p.fill('#login-user', name);
    await p.fill('#login-password', password);
    const answered = p.waitForResponse((r) => r.url().endsWith('/api/auth/login'));
    await p.click('form button[type=submit]');
    await answered;
    return waitFor(async () => (await errorText()) || false, 'the message under the form');
  };
  for (let i = 0; i < 5; i++) assert.equal(await attempt(`wrong password ${i}`), 'wrong user name or password');
  // Even the right password waits now: the account has had too many tries.
  const msg = await attempt('correct horse battery');
  assert.match(msg, /^Too many attempts\. Try again in \d+ s\.$/);
  assert.match(p.url(), /\/login$/);
  await shot(p, '10-rate-limited');
  await ctx.close();
});

test('11b. a tab closed right after a message shows on screen still marks it read', async () => {
  // Bob's first tab on his list (it reads nothing), a second on the chat with Alice.
  await b.goto(`${BASE}/`);
  await b.waitForSelector('.sidebar');
  const tab = await bob.newPage();
  await tab.goto(`${BASE}/c/${cid}`);
  await tab.waitForSelector('.thread .composer');
  const text = `seen as the tab closed ${stamp}`;
  await api(a, 'POST', '/api/messages', { conversationId: cid, content: text });
  await tab.waitForSelector(`.thread .msg:has(.text:text-is("${text}"))`);
  // Closed before the app's short delay before it says "read" is over: the read goes as the
  // page goes, in a request that outlives it.
  await tab.close({ runBeforeUnload: true });
  await waitFor(async () => {
    const list = (await api(b, 'GET', '/api/conversations')).data.list;
    return list.find((c) => c.conversationId === cid)?.unreadCount === 0;
  }, 'the message read', 5000);
  await waitFor(() => b.$(`.conv[data-conversation-id="${cid}"]:not(:has(.badge))`), 'no badge in the other tab');
});

test('11. "Sign out everywhere" signs out the other tab at once', async () => {
  const ctx = await browser.newContext({ viewport: WIDE, locale: 'en-US' });
  const one = await ctx.newPage();
  await register(one, BASE, `erin_${stamp}`, 'Erin');
  const two = await ctx.newPage();
  await two.goto(`${BASE}/`);
  await two.waitForSelector('.sidebar');
  // The list of signed-in devices: both tabs share one sign-in here.
  await one.click('button[aria-label="Account"]');
  await shot(one, '11-account-menu');
  await one.click('[role=menuitem]:has-text("Signed-in devices")');
  const rows = await waitFor(async () => { const r = await one.$$('.session'); return r.length ? r : false; }, 'the sessions');
  assert.equal(rows.length, 1);
  assert.match(await rows[0].textContent(), /This device/);
  assert.match(await rows[0].textContent(), /Chrome/);
  await audit(one, 'the signed-in devices sheet');
  await shot(one, '11-sessions');
  await one.click('.sheet button:has-text("Close")');
  await one.click('button[aria-label="Account"]');
  await one.click('[role=menuitem]:has-text("Sign out everywhere")');
  await one.waitForURL(/\/login$/);
  // The other tab's socket is closed by the server (4001): it goes to sign-in without a reload.
  await two.waitForURL(/\/login$/, { timeout: 10000 });
  await two.waitForSelector('#login-user');
  await ctx.close();
});
