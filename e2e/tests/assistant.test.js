// The AI assistant against the stand-in model (e2e/lib/fake-model.mjs, started by
// `cargo xtask test`): a new chat whose reply grows on screen, Stop, a broken reply and Retry,
// another tab following, delete with confirmation, and reload keeping the history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BASE } from '../lib/browser.js';
import { waitFor, shot, register, audit } from '../lib/helpers.js';

const WIDE = { width: 1280, height: 800 };
const stamp = Date.now().toString(36);
let browser, ctx, page, other;

const replyText = (p) => p.locator('.ai .ai-reply .bubble').last().evaluate((el) =>
  [...el.querySelectorAll('.text, .code')].map((n) => n.textContent).join(''));
const bubbles = (p) => p.$$eval('.ai .rows .msg .bubble', (els) =>
  els.map((e) => [...e.querySelectorAll('.text, .code')].map((n) => n.textContent).join('')));

async function ask(p, text) {
  await p.getByRole('textbox', { name: 'Ask the assistant…' }).fill(text);
  await p.keyboard.press('Enter');
}

before(async () => {
  browser = await launch();
  ctx = await browser.newContext({ viewport: WIDE, locale: 'en-US' });
  page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await register(page, BASE, `ai_${stamp}`, 'Ada');
});

after(async () => {
  await browser?.close();
});

test('20. a new chat: the typing indicator, then the reply grows on screen as it streams', async () => {
  await page.getByRole('link', { name: /Assistant/ }).click();
  await page.waitForURL(/\/assistant$/);
  await waitFor(() => page.locator('.ai .placeholder:has-text("No chats with the assistant yet")').count(), 'the empty state');
  await audit(page, 'the assistant, no chats');
  await shot(page, '20-assistant-empty');
  // Another tab of the same person, on the session list.
  other = await ctx.newPage();
  await other.goto(`${BASE}/assistant`);
  await other.waitForSelector('.ai');

  await page.getByRole('button', { name: 'New chat' }).first().click();
  await page.waitForURL(/\/assistant\/[A-Za-z0-9_-]+$/);
  await ask(page, 'Hi there, how are you today');
  await page.waitForSelector('.ai .typing', { timeout: 5000 });
  // Sampled while it streams: several lengths on the way, not one jump to the end.
  const lengths = new Set();
  const final = 'Hello! You asked: Hi there, how are you today';
  await waitFor(async () => {
    const t = await replyText(page).catch(() => '');
    if (t) lengths.add(t.length);
    return t === final && (await page.locator('.ai .send[aria-label="Send"]').count());
  }, 'the whole reply', 15000);
  assert.ok(lengths.size >= 3, `the reply grew piece by piece (lengths seen: ${[...lengths]})`);
  assert.deepEqual(await bubbles(page), ['Hi there, how are you today', final]);
  // The other tab's list has it, without a reload.
  await waitFor(async () => (await other.locator('.ai-session .conv-preview').first().textContent()) === final, 'the other tab');
});

test('21. Stop keeps what was written, marked stopped; reload keeps the history', async () => {
  await ask(page, 'long story please');
  await waitFor(async () => ((await replyText(page).catch(() => '')) || '').split(' ').length > 4, 'a few words');
  await audit(page, 'a reply streaming');
  await page.getByRole('button', { name: 'Stop' }).click();
  await waitFor(() => page.locator('.ai .ai-mark:text("Stopped")').count(), 'the stopped mark');
  const kept = (await bubbles(page)).at(-1);
  await page.waitForTimeout(400);
  assert.equal((await bubbles(page)).at(-1), kept, 'nothing more arrives after Stop');
  assert.ok(kept.startsWith('word0 word1') && !kept.includes('word59'), kept);
  await shot(page, '21-assistant-stopped');

  await page.reload();
  await waitFor(async () => (await bubbles(page)).length === 4, 'the history after a reload');
  const after = await bubbles(page);
  assert.equal(after[0], 'Hi there, how are you today');
  // Saved as it was on screen (plus at most the piece that was on its way when Stop was pressed).
  assert.ok(after[3].startsWith(kept) && after[3].split(' ').length <= kept.split(' ').length + 1, `${after[3]} / ${kept}`);
  assert.equal(await page.locator('.ai .ai-mark:text("Stopped")').count(), 1);
});

test('22. a reply that breaks off says so; Retry answers again', async () => {
  await ask(page, `flaky question ${stamp}`);
  await waitFor(() => page.locator('.ai .failed-line:has-text("The reply was interrupted.")').count(), 'the error');
  assert.equal((await bubbles(page)).at(-1), 'This will break ', 'what arrived before the break stays');
  await audit(page, 'a broken reply');
  await shot(page, '22-assistant-error');
  await page.getByRole('button', { name: 'Retry' }).click();
  await waitFor(async () => (await bubbles(page)).at(-1) === `Hello! You asked: flaky question ${stamp}`, 'the retried reply');
  assert.equal(await page.locator('.ai .failed-line').count(), 0);
  assert.equal((await bubbles(page)).filter((t) => t === `flaky question ${stamp}`).length, 1, 'the question is not repeated');

  // A fenced code block shows in monospace.
  await ask(page, 'code please');
  await waitFor(async () => (await page.locator('.ai pre.code').count()) === 1, 'the code block');
  assert.match(await page.locator('.ai pre.code').textContent(), /fn main\(\) \{/);
  const font = await page.locator('.ai pre.code').evaluate((el) => getComputedStyle(el).fontFamily);
  assert.match(font, /mono/i);
});

test('23. Chinese, narrow; delete a chat with confirmation, in both tabs', async () => {
  await page.locator('.lang-switch').first().click();
  await waitFor(async () => (await page.getAttribute('html', 'lang')) === 'zh-CN', 'Chinese');
  await shot(page, '23-assistant-zh');
  await page.locator('.lang-switch').first().click();
  await waitFor(async () => (await page.getAttribute('html', 'lang')) === 'en', 'English again');

  await page.goto(`${BASE}/assistant`);
  await waitFor(() => page.locator('.ai-session').count(), 'the session list');
  assert.equal(await page.locator('.ai-session').count(), 1);
  await page.locator('.ai-session').hover();
  await page.locator('.ai-session').getByRole('button', { name: /^Delete / }).click();
  const dialog = page.getByRole('alertdialog');
  await waitFor(async () => (await dialog.textContent()).includes('cannot be undone'), 'the confirmation');
  await audit(page, 'the delete confirmation');
  await dialog.getByRole('button', { name: 'Delete chat' }).click();
  await waitFor(async () => (await page.locator('.ai-session').count()) === 0, 'gone here');
  await waitFor(async () => (await other.locator('.ai-session').count()) === 0, 'gone in the other tab');
  await page.reload();
  await waitFor(() => page.locator('.ai .placeholder').count(), 'still gone after a reload');
});

test('24. the view follows a long reply, unless the person scrolled up', async () => {
  await page.setViewportSize({ width: 360, height: 300 });
  await page.getByRole('button', { name: 'New chat' }).first().click();
  await page.waitForURL(/\/assistant\/[A-Za-z0-9_-]+$/);
  await ask(page, 'long story please');
  const scroller = page.locator('.ai .scroller');
  const gap = () => scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
  await waitFor(() => scroller.evaluate((el) => el.scrollHeight > el.clientHeight + 80), 'a reply taller than the view');
  await waitFor(async () => (await gap()) < 40, 'the view at the bottom while it streams');
  // Scrolled up, the view stays where the person put it while the reply goes on growing.
  assert.equal(await page.getByRole('button', { name: 'Stop' }).count(), 1, 'still streaming');
  await scroller.evaluate((el) => { el.scrollTop = 0; });
  const before = (await replyText(page)).length;
  await page.waitForTimeout(400);
  assert.ok((await replyText(page)).length > before, 'the reply kept growing');
  assert.equal(await scroller.evaluate((el) => el.scrollTop), 0, 'not pulled back down');
  await waitFor(() => page.locator('.ai .send[aria-label="Send"]').count(), 'the reply done');
  await page.setViewportSize(WIDE);
});
