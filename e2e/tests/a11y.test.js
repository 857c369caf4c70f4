// Accessibility as a property of the whole product: every screen and state the app has, audited
// by axe-core (WCAG 2.1 A/AA) in English and Chinese, light and dark, wide and narrow; then the
// whole product by keyboard alone, reflow at 320 px and 200 % zoom, and forced colours.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BASE } from '../lib/browser.js';
import { waitFor, SHOTS, violations } from '../lib/helpers.js';

const stamp = Date.now().toString(36);
const A = `ya_${stamp}`;
const B = `yb_${stamp}`;
let browser, aliceToken, bobToken, aliceId, single, group;

async function call(token, method, url, body) {
  const res = await fetch(`${BASE}${url}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${url}: ${JSON.stringify(json)}`);
  return json.data;
}

/// A 1×1 PNG (for an image message and the viewer).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

before(async () => {
  browser = await launch();
  const reg = async (u, d) => (await call(null, 'POST', '/api/auth/register', { userName: u, password: 'correct horse battery', displayName: d })).token;
  aliceToken = await reg(A, 'Alice');
  bobToken = await reg(B, 'Bob');
  const bobId = (await call(bobToken, 'GET', '/api/users/me')).userId;
  aliceId = (await call(aliceToken, 'GET', '/api/users/me')).userId;
  single = (await call(aliceToken, 'POST', '/api/messages', { receiverId: bobId, content: 'Hi Bob, the plan is ready' })).conversationId;
  await call(bobToken, 'POST', '/api/messages', { receiverId: aliceId, content: 'Great, send it over' });
  const form = new FormData();
  form.append('file', new Blob([PNG], { type: 'image/png' }), 'plan.png');
  const up = await fetch(`${BASE}/api/files`, { method: 'POST', headers: { Authorization: `Bearer ${aliceToken}` }, body: form });
  const file = (await up.json()).data;
  await call(aliceToken, 'POST', '/api/messages', { conversationId: single, content: { fileId: file.fileId }, messageType: 'image' });
  await call(bobToken, 'PUT', `/api/conversations/${single}/read`);
  await call(aliceToken, 'PATCH', `/api/conversations/${single}`, { isPrivateChat: true, burnDuration: 300 });
  await call(aliceToken, 'POST', '/api/messages', { conversationId: single, content: 'This one burns after reading' });
  group = (await call(aliceToken, 'POST', '/api/groups', { name: 'Accessible group', memberIds: [bobId] })).conversationId;
  await call(bobToken, 'POST', '/api/messages', { conversationId: group, content: '@Alice can you check the contrast?', atUserIds: [aliceId] });
});

after(async () => {
  await browser?.close();
});

/// A page signed in as Alice (or signed out), in a language, colour scheme and size.
async function open({ lang, scheme, viewport, signedIn = true }) {
  const ctx = await browser.newContext({ viewport, colorScheme: scheme, locale: lang === 'zh' ? 'zh-CN' : 'en-US' });
  await ctx.addInitScript(
    ([token, lang]) => {
      if (token && !sessionStorage.getItem('seeded')) localStorage.setItem('confab.token', token);
      sessionStorage.setItem('seeded', '1');
      localStorage.setItem('confab.lang', lang);
    },
    [signedIn ? aliceToken : null, lang === 'zh' ? 'zh-CN' : 'en'],
  );
  const page = await ctx.newPage();
  page.setDefaultTimeout(8000);
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return page;
}

async function audit(page, label, failures) {
  for (const v of await violations(page, ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])) failures.push(`${label}: ${v}`);
}

const ESC = async (page) => {
  await page.keyboard.press('Escape');
  await page.waitForTimeout(50);
};

/// Every screen and state, each audited as it is shown.
const SCREENS = [
  ['sign-in', async (p) => { await p.goto(`${BASE}/login`); await p.waitForSelector('#login-user'); }, { signedIn: false }],
  ['sign-up', async (p) => { await p.goto(`${BASE}/login`); await p.click('.switch-mode button'); await p.waitForSelector('#login-display'); }, { signedIn: false }],
  ['list', async (p) => {
    // A fresh mention each time, so the list shows "[@You]".
    await call(bobToken, 'POST', '/api/messages', { conversationId: group, content: '@Alice ping', atUserIds: [aliceId] });
    await p.goto(`${BASE}/`);
    await p.waitForSelector(`.conv[data-conversation-id="${group}"] .at-mark`);
  }],
  ['list menu', async (p) => { await p.click(`.conv[data-conversation-id="${single}"]`, { button: 'right' }); await p.waitForSelector('.conv-menu'); }],
  ['account menu', async (p) => { await ESC(p); await p.click('.account .icon-btn'); await p.waitForSelector('.account-menu'); }],
  ['signed-in devices', async (p) => { await p.click('.account-menu button >> nth=0'); await p.waitForSelector('.session'); }],
  ['new group', async (p) => { await ESC(p); await p.goto(`${BASE}/`); await p.click('.sidebar-header .icon-btn >> nth=0'); await p.fill('#group-people', B); await p.waitForSelector('.picker-results .hit'); await p.click('.picker-results .hit'); }],
  ['thread', async (p) => { await p.goto(`${BASE}/c/${single}`); await p.waitForSelector('.msg .burn'); await p.waitForSelector('.image-thumb img'); }],
  ['message menu', async (p) => { await p.hover('.msg.mine >> nth=-1'); await p.click('.msg.mine >> nth=-1 >> .more'); await p.waitForSelector('.msg .menu'); }],
  ['confirm delete', async (p) => { await p.click('.msg .menu [data-action="delete"]'); await p.waitForSelector('.modal[role=alertdialog]'); }],
  ['burn menu', async (p) => { await ESC(p); await p.click('.burn-setting .icon-btn'); await p.waitForSelector('.burn-setting .menu'); }],
  ['image viewer', async (p) => { await ESC(p); await p.click('.image-thumb'); await p.waitForSelector('.viewer img'); }],
  ['group thread', async (p) => { await ESC(p); await p.goto(`${BASE}/c/${group}`); await p.waitForSelector('.msg .sender'); }],
  ['mention list', async (p) => { await p.fill('.composer textarea', ''); await p.click('.composer textarea'); await p.keyboard.type('@'); await p.waitForSelector('#mention-list'); }],
  ['members', async (p) => { await ESC(p); await p.fill('.composer textarea', ''); await p.click('.thread-header .icon-btn:not(.back)'); await p.waitForSelector('.members-panel .member'); }],
  ['offline banner', async (p) => {
    await ESC(p);
    await p.context().setOffline(true);
    await p.waitForSelector('.banner');
  }],
  ['upload row', async (p) => {
    // Offline, an upload fails in place: its row says so and offers to dismiss it.
    await p.setInputFiles('.composer input[type=file]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('notes') });
    await p.waitForSelector('.upload');
  }],];

test('18. every screen passes axe (WCAG 2.1 AA) in en/zh × light/dark × wide/narrow', async () => {
  const failures = [];
  let audits = 0;
  const combos = [];
  for (const lang of ['en', 'zh']) {
    for (const scheme of ['light', 'dark']) {
      for (const size of ['wide', 'narrow']) combos.push({ lang, scheme, size });
    }
  }
  // Each combination in its own browser context; a few at a time.
  async function run({ lang, scheme, size }) {
    const viewport = size === 'wide' ? { width: 1280, height: 800 } : { width: 390, height: 800 };
    const pages = {};
    for (const [name, show, opts = {}] of SCREENS) {
      const signedIn = opts.signedIn !== false;
      const key = String(signedIn);
      pages[key] ??= await open({ lang, scheme, viewport, signedIn });
      const page = pages[key];
      const label = `${name} (${lang}, ${scheme}, ${size})`;
      try {
        if (process.env.A11Y_VERBOSE) console.log(label);
        await show(page);
      } catch (e) {
        failures.push(`${label}: could not be shown (${e.message.split('\n')[0]})`);
        await page.screenshot({ path: `${SHOTS}/a11y-failed-${name}-${lang}-${scheme}-${size}.png` }).catch(() => {});
        continue;
      }
      await audit(page, label, failures);
      audits++;
    }
    for (const p of Object.values(pages)) await p.context().close();
  }
  for (let i = 0; i < combos.length; i += 4) await Promise.all(combos.slice(i, i + 4).map(run));
  console.log(`${audits} audits`);
  assert.deepEqual(failures.sort(), [], 'accessibility violations');
  assert.equal(audits, SCREENS.length * 8);
});

/// Presses Tab (or Shift+Tab) until `match(activeElement)` holds; fails after `max` presses.
async function tabTo(page, what, match, { max = 60, back = false } = {}) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(match)) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`Tab never reached ${what}`);
}

/// The focused element shows a focus indicator (an outline or a ring).
async function focusVisible(page) {
  return page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && s.outlineColor !== 'rgba(0, 0, 0, 0)') || s.boxShadow !== 'none';
  });
}

test('19. the whole product by keyboard alone', async () => {
  const page = await open({ lang: 'en', scheme: 'light', viewport: { width: 1280, height: 800 }, signedIn: false });
  await page.goto(`${BASE}/login`);
  await page.waitForSelector('#login-user');
  await tabTo(page, 'the user name', () => document.activeElement.id === 'login-user');
  assert.ok(await focusVisible(page), 'focus is visible on the user name');
  await page.keyboard.type(A);
  await tabTo(page, 'the password', () => document.activeElement.id === 'login-password');
  await page.keyboard.type('correct horse battery');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.conv');

  // Search and open a chat.
  await tabTo(page, 'the search', () => document.activeElement.id === 'search-people');
  await page.keyboard.type(B);
  await page.waitForSelector('.search-results .hit');
  await tabTo(page, 'the result', () => document.activeElement.classList.contains('hit'));
  assert.ok(await focusVisible(page), 'focus is visible on a search result');
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`/c/${single}$`));

  // Send.
  await tabTo(page, 'the composer', () => document.activeElement.tagName === 'TEXTAREA');
  await page.keyboard.type('sent by keyboard');
  await page.keyboard.press('Enter');
  await waitFor(() => page.$('.msg.mine[data-delivery="sent"]:has-text("sent by keyboard")'), 'the message sent');

  // Attach: the chooser opens from the keyboard.
  await tabTo(page, 'attach', () => document.activeElement.type === 'file', { back: true });
  // Now and then (one run in eight here) headless Chromium opens no chooser for an Enter while
  // focus is still on the input, and once in a fresh-clone CI run through nginx it missed two in
  // a row; a person would press Enter again, and so does this test, up to three times.
  const choose = () => Promise.all([page.waitForEvent('filechooser', { timeout: 4000 }), page.keyboard.press('Enter')]);
  let chooser;
  for (let attempt = 1; !chooser; attempt++) {
    try {
      [chooser] = await choose();
    } catch (e) {
      if (attempt === 3) throw e;
      assert.equal(await page.evaluate(() => document.activeElement.type), 'file', 'focus stayed on the attach button');
    }
  }
  await chooser.setFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('keyboard notes') });
  await waitFor(() => page.$('.msg.mine .file-card:has-text("notes.txt")'), 'the file sent');

  // The message menu: recall my message.
  await page.evaluate(() => document.activeElement.blur());
  await tabTo(page, 'my message', () => document.activeElement.closest('.msg.mine')?.textContent.includes('sent by keyboard') && document.activeElement.classList.contains('bubble'), { max: 120 });
  assert.ok(await focusVisible(page), 'focus is visible on a message');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.msg .menu');
  await tabTo(page, 'recall', () => document.activeElement.dataset.action === 'recall');
  await page.keyboard.press('Enter');
  await waitFor(() => page.$('.msg-notice.recalled'), 'the recalled notice');

  // Delete Bob's message for me; the dialog keeps focus inside and gives it back after.
  await page.evaluate(() => document.activeElement.blur());
  await tabTo(page, "Bob's message", () => document.activeElement.closest('.msg:not(.mine)')?.textContent.includes('Great, send it over') && document.activeElement.classList.contains('bubble'), { max: 120 });
  await page.keyboard.press('Shift+F10');
  await page.waitForSelector('.msg .menu');
  await tabTo(page, 'delete', () => document.activeElement.dataset.action === 'delete');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.modal[role=alertdialog]');
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => !!document.activeElement.closest('.modal')), 'Tab stays in the dialog');
  }
  await tabTo(page, 'the confirm button', () => document.activeElement.classList.contains('danger'));
  await page.keyboard.press('Enter');
  await waitFor(async () => !(await page.$('.msg:has-text("Great, send it over")')), "Bob's message gone for me");

  // Pin and mute from the list: the row's actions appear on focus.
  await tabTo(page, 'the conversation', () => document.activeElement.classList.contains('conv-link') && document.activeElement.closest('.conv:not(.group)'), { back: true, max: 120 });
  await tabTo(page, 'pin', () => document.activeElement.closest('.conv-actions') && document.activeElement.getAttribute('aria-label')?.startsWith('Pin'));
  assert.ok(await page.isVisible('.conv-actions:focus-within'), 'the list actions are visible on focus');
  await page.keyboard.press('Enter');
  await waitFor(() => page.$('.conv.pinned'), 'pinned');
  await tabTo(page, 'mute', () => document.activeElement.getAttribute('aria-label')?.startsWith('Mute'));
  await page.keyboard.press('Enter');
  await waitFor(() => page.$('.conv.muted'), 'muted');

  // Switch the language, then sign out.
  await tabTo(page, 'the language switch', () => document.activeElement.classList.contains('lang-switch'), { back: true, max: 120 });
  await page.keyboard.press('Enter');
  await waitFor(async () => (await page.getAttribute('html', 'lang')) === 'zh-CN', 'Chinese');
  await tabTo(page, 'the account menu', () => document.activeElement.closest('.account') !== null);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.account-menu');
  await tabTo(page, 'sign out', () => document.activeElement.textContent === '退出登录');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/login$/);
  await page.context().close();
});

test('20. reflow at 320 px and at 200 % zoom; forced colours; text spacing', async () => {
  const sizes = [
    ['320px', { width: 320, height: 640 }],
    // 1280 × 800 at 200 % zoom lays out like 640 × 400 CSS pixels.
    ['zoom200', { width: 640, height: 400 }],
  ];
  for (const [label, viewport] of sizes) {
    const page = await open({ lang: 'en', scheme: 'light', viewport });
    for (const [name, path, ready] of [
      ['list', '/', '.conv'],
      ['thread', `/c/${single}`, '.msg'],
      ['group', `/c/${group}`, '.msg'],
    ]) {
      await page.goto(`${BASE}${path}`);
      await page.waitForSelector(ready);
      await page.waitForTimeout(200);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${name} at ${label} scrolls sideways by ${overflow}px`);
      await page.screenshot({ path: `${SHOTS}/20-${name}-${label}.png` });
    }
    await page.context().close();
  }
  // Windows high contrast: focus still shows.
  const page = await open({ lang: 'en', scheme: 'dark', viewport: { width: 1280, height: 800 } });
  await page.emulateMedia({ forcedColors: 'active' });
  await page.goto(`${BASE}/c/${single}`);
  await page.waitForSelector('.msg');
  await page.focus('.composer textarea');
  assert.ok(await focusVisible(page), 'focus shows in forced colours');
  await page.screenshot({ path: `${SHOTS}/20-forced-colors.png` });
  // WCAG 1.4.12 text spacing: nothing scrolls sideways, and the screenshot shows nothing clipped.
  await page.emulateMedia({ forcedColors: 'none' });
  await page.addStyleTag({
    content: '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }',
  });
  await page.waitForTimeout(200);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `text spacing makes the page scroll sideways by ${overflow}px`);
  await page.screenshot({ path: `${SHOTS}/20-text-spacing.png` });
  await page.context().close();
});
