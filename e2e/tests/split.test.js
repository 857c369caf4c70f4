// The release build's code splitting: a first visit to the sign-in page loads only what that page
// needs; the signed-in part of the app (a wasm chunk of its own) comes when someone signs in, and
// a failed fetch of it is tried again rather than leaving a blank page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BASE } from '../lib/browser.js';
import { waitFor, register } from '../lib/helpers.js';

const WIDE = { width: 1280, height: 800 };
const stamp = Date.now().toString(36);
// (Playwright's route matcher passes a URL, the rest a string.)
const isChunk = (url) => {
  const path = new URL(String(url)).pathname;
  return path.endsWith('.wasm') && !path.endsWith('_bg.wasm');
};

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/// Someone with an account (made in a context of its own), and a fresh browser context for
/// them, not signed in, whose page errors are collected.
async function someoneSignedOut(prefix, displayName) {
  const setup = await browser.newContext({ viewport: WIDE, locale: 'en-US' });
  const name = `${prefix}_${stamp}`;
  await register(await setup.newPage(), BASE, name, displayName);
  await setup.close();
  const ctx = await browser.newContext({ viewport: WIDE, locale: 'en-US' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { name, ctx, page, errors };
}

test('the sign-in page loads without the signed-in part; signing in fetches it, again after a failed try; signed in, the page asks for it at once', async () => {
  const { name, ctx, page, errors } = await someoneSignedOut('split', 'Split');
  const wasm = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.endsWith('.wasm')) wasm.push(r.url());
  });
  // The chunk's first fetch fails, as on a dropped connection.
  let refused = 0;
  await ctx.route(isChunk, (route) => (refused++ === 0 ? route.abort('connectionreset') : route.continue()));

  await page.goto(`${BASE}/login`, { waitUntil: 'networkidle' });
  await page.waitForSelector('#login-user');
  assert.equal(wasm.length, 1, `a first visit fetches one wasm module: ${wasm.join(', ')}`);
  assert.ok(wasm[0].endsWith('_bg.wasm'), `…the main one: ${wasm[0]}`);

  // Typing a name fetches the rest (the first try fails); signing in waits for it.
  await page.fill('#login-user', name);
  await page.fill('#login-password', 'correct horse battery');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.sidebar', { timeout: 15000 });
  assert.ok(refused >= 2, `the chunk was asked for again after the failed try (${refused} requests)`);
  assert.equal(wasm.filter(isChunk).length, refused, 'each try is one request');
  assert.deepEqual(errors, [], 'no page errors');

  // The app works once it is here: it shows who is signed in and their (empty) list.
  await waitFor(async () => (await page.textContent('.sidebar')).includes('Split'), 'the sidebar names the person');

  // Opened again, signed in, with nothing cached (as after a new release): the page asks for
  // the chunk beside the main module, before the app has started, and only once.
  await ctx.unroute(isChunk);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const order = [];
  page.on('request', (r) => order.push(new URL(r.url()).pathname));
  await page.reload();
  await page.waitForSelector('.sidebar', { timeout: 15000 });
  const chunks = order.filter((p) => isChunk(`${BASE}${p}`));
  assert.equal(chunks.length, 1, `the chunk is fetched once: ${order.join(' ')}`);
  const firstApi = order.findIndex((p) => p.startsWith('/api/'));
  assert.ok(order.indexOf(chunks[0]) < firstApi, `…before the app's first request: ${order.join(' ')}`);
  assert.deepEqual(errors, [], 'no page errors after a reload');
  await ctx.close();
});

test('a page left open across a new release reloads into it when the signed-in part is needed, not while someone types', async () => {
  const { name, ctx, page, errors } = await someoneSignedOut('release', 'Release');
  await page.goto(`${BASE}/login`, { waitUntil: 'networkidle' });
  await page.waitForSelector('#login-user');

  // A new release is deployed: this page's chunk is gone (the server answers such a path with
  // its page), and the page the server serves names other modules. Until this page navigates.
  let released = true;
  let checks = 0;
  let navigations = 0;
  page.on('request', (r) => {
    if (r.isNavigationRequest()) {
      navigations++;
      released = false;
    }
  });
  await ctx.route(isChunk, (route) =>
    released ? route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Confab</title>' }) : route.continue(),
  );
  await ctx.route(`${BASE}/`, (route) => {
    if (!released || route.request().resourceType() !== 'fetch') return route.continue();
    checks++;
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><link rel=modulepreload href=/confab-split-0000000000000000.js>' });
  });

  // Typing on the sign-in page finds the new release, and leaves the page alone.
  await page.fill('#login-user', name);
  await waitFor(async () => checks >= 1, 'the page asked the server which release it serves');
  await page.waitForTimeout(500);
  assert.equal(navigations, 0, 'no reload while someone types');
  assert.equal(await page.inputValue('#login-user'), name, 'what was typed is still there');

  // Signing in needs the rest: the page reloads into the new release, signed in.
  await page.fill('#login-password', 'correct horse battery');
  await page.click('form button[type=submit]');
  await page.waitForSelector('.sidebar', { timeout: 15000 });
  assert.equal(navigations, 1, 'one reload');
  await waitFor(async () => (await page.textContent('.sidebar')).includes('Release'), 'the sidebar names the person');
  assert.deepEqual(errors, [], 'no page errors');
  await ctx.close();
});
