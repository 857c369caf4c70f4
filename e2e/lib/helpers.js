// Small helpers shared by the end-to-end tests.
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';

export const SHOTS = process.env.SCREENSHOTS || new URL('../screenshots/', import.meta.url).pathname;

/// Polls `fn` until it returns a truthy value (returned), or fails with `what` after `ms`.
export async function waitFor(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what} (last: ${last})`);
}

/// Screenshots of the page as it is, wide and narrow, light and dark (then restores it).
export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const original = page.viewportSize();
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [label, vp] of [['wide', original], ['narrow', { width: 390, height: 800 }]]) {
      await page.setViewportSize(vp);
      await page.waitForTimeout(50);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${label}-${scheme}.png`) });
    }
  }
  await page.setViewportSize(original);
  await page.emulateMedia({ colorScheme: 'light' });
}

/// Registers through the sign-up form and waits for the conversation list.
export async function register(page, base, userName, displayName) {
  await page.goto(`${base}/login`);
  await page.click('.switch-mode button');
  await page.fill('#login-user', userName);
  await page.fill('#login-display', displayName);
  await page.fill('#login-password', 'correct horse battery');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.sidebar');
}

export const token = (page) => page.evaluate(() => localStorage.getItem('confab.token'));

/// Calls the API as the page's signed-in user (for bulk set-up only).
export async function api(page, method, url, body) {
  return page.evaluate(
    async ([method, url, body]) => {
      const res = await fetch(url, {
        method,
        headers: { Authorization: `Bearer ${localStorage.getItem('confab.token')}`, 'Content-Type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      return res.json();
    },
    [method, url, body],
  );
}

export const messageIds = (page) =>
  page.$$eval('.thread .msg[data-message-id], .thread .msg-notice[data-message-id]', (els) =>
    els.map((e) => Number(e.dataset.messageId)).filter((id) => id > 0),
  );

export const bubbleTexts = (page) => page.$$eval('.thread .msg .bubble .text', (els) => els.map((e) => e.textContent));

export async function sendText(page, text) {
  await page.fill('.composer textarea', text);
  await page.press('.composer textarea', 'Enter');
}

export async function openConversationWith(page, name) {
  await page.click(`.conv:has(.conv-name:text-is("${name}")) .conv-link`);
  await page.waitForSelector('.thread .composer');
}

/// Serious and critical axe violations on the page as it is, one line each (every rule, or only
/// those with the given tags).
export async function violations(page, tags) {
  const builder = new AxeBuilder({ page });
  const results = await (tags ? builder.withTags(tags) : builder).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

/// Fails on any serious or critical accessibility violation.
export async function audit(page, label) {
  assert.deepEqual(await violations(page), [], `accessibility violations on ${label}`);
}

/// Message rows in the page right now (the thread keeps only a window of its history there).
export const messageNodes = (page) => page.$$eval('.thread [data-message-id]', (els) => els.length);

/// Resolves once two more frames have been drawn.
export const painted = (page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));

/// Scrolls a thread up to the start of the conversation, a screen at a time as a person would,
/// and checks on the way that what was on screen never moved when older messages came in.
/// Returns every message id seen (in the order they first appeared, oldest last), how many
/// times the view jumped, and the most message rows the page held at once.
export async function scrollToStart(page, { maxRounds = 1000, screens = 1 } = {}) {
  const seen = new Map();
  let jumps = 0;
  let most = 0;
  const start = '.history-note:text("This is the start of your conversation.")';
  for (let round = 0; round < maxRounds; round++) {
    const ids = await messageIds(page);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `in order on the page: ${ids[i - 1]}, ${ids[i]}`);
    // Going up, whatever is new on the page is older than everything seen before.
    const fresh = ids.filter((id) => !seen.has(id));
    const oldestSeen = Math.min(...seen.keys());
    assert.ok(fresh.every((id) => id < oldestSeen), `round ${round}: new rows ${fresh} not all older than ${oldestSeen}`);
    for (const id of fresh) seen.set(id, round);
    most = Math.max(most, await messageNodes(page));
    if (await page.$(start)) break;
    // The message at the top of the view must stay where it is while rows come and go.
    const anchorId = await page.$eval('.scroller', (s) => {
      const top = s.getBoundingClientRect().top;
      const row = [...s.querySelectorAll('.msg[data-message-id]')].find((e) => e.getBoundingClientRect().bottom > top);
      return row?.dataset.messageId;
    });
    const where = () => page.$eval(`.msg[data-message-id="${anchorId}"]`, (e) => e.getBoundingClientRect().top).catch(() => null);
    const before = await where();
    await page.$eval('.scroller', (s, n) => s.scrollBy(0, -n * s.clientHeight), screens);
    // Positions as painted: read at frame boundaries, after the app's own frame callbacks.
    await painted(page);
    const after = await where();
    // Whatever loads or slides in must leave the anchor where the scroll put it.
    await page.waitForTimeout(120);
    await painted(page);
    const settled = await where();
    if (after === null || settled === null || Math.abs(settled - after) > 2) {
      jumps++;
      console.log(`jump in round ${round}: ${before} -> ${after} -> ${settled}`);
    }
  }
  return { ids: [...seen.keys()], jumps, most };
}

/// Calls the API from node (set-up at scale, outside any page); fails on an error answer.
export async function call(base, method, path, token, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${json.message}`);
  return json.data;
}

/// A page per person, each in its own browser context (its own storage), signed up as
/// `[userName, displayName]`; `prepare(context)` runs first (permissions, init scripts).
export async function people(browser, base, who, { viewport = { width: 1280, height: 800 }, prepare } = {}) {
  const pages = [];
  for (const [userName, displayName] of who) {
    const ctx = await browser.newContext({ viewport, locale: 'en-US' });
    if (prepare) await prepare(ctx);
    const p = await ctx.newPage();
    p.on('pageerror', (e) => console.error('page error:', e.message));
    await register(p, base, userName, displayName);
    pages.push(p);
  }
  return pages;
}
