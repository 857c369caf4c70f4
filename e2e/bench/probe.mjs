// The browser side of `cargo xtask bench`: the release app in Debian's Chromium against a
// running server (CONFAB_URL). Prints Markdown table rows:
//   cold load: bytes on the wire and first contentful paint (a fresh browser context);
//   a thread with N messages all loaded: push → DOM latency of arriving messages, the longest
//   frame while they arrive, message rows in the page, JS heap.
// Usage: CONFAB_URL=http://127.0.0.1:PORT node bench/probe.mjs [messages] [pushes]
import { writeFileSync } from 'node:fs';
import { launch, BASE } from '../lib/browser.js';
import { call as apiCall } from '../lib/helpers.js';

const COUNT = Number(process.argv[2] || 10000);
const PUSHES = Number(process.argv[3] || 30);
const stamp = Date.now().toString(36);

const call = (method, path, token, body) => apiCall(BASE, method, path, token, body);
const account = (name) => call('POST', '/api/auth/register', null, { userName: name, password: 'correct horse battery', displayName: name });
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0; };
const row = (what, result) => console.log(`| ${what} | ${result} |`);

// The page's main thread (`CrRendererMain`) in a Chromium trace: how many top-level tasks it ran
// and the two longest (ms).
function longestTasks(trace) {
  const events = trace.traceEvents ?? trace;
  const main = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const lengths = events
    .filter((e) => e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && main.has(`${e.pid}:${e.tid}`))
    .map((e) => (e.dur ?? 0) / 1000)
    .sort((a, b) => b - a);
  return { count: lengths.length, longest: lengths[0] ?? 0, next: lengths[1] ?? 0 };
}

// Exact heap figures rather than Chromium's coarse buckets.
const browser = await launch(['--enable-precise-memory-info']);
try {
  // Cold load: what a first visit downloads (as the server sends it) and when it first paints.
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    await page.goto(`${BASE}/login`, { waitUntil: 'networkidle' });
    await page.waitForSelector('#login-user');
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0);
    row('cold load: bytes on the wire (headers included)', `${(bytes / 1024).toFixed(1)} KB`);
    row('cold load: first contentful paint (local server)', `${fcp.toFixed(0)} ms`);
    await ctx.close();
  }

  // A long thread, all of it loaded into the app, then messages arriving.
  const alice = await account(`probe_a_${stamp}`);
  const bob = await account(`probe_b_${stamp}`);
  const cid = (await call('POST', '/api/conversations/private', alice.token, { userId: bob.user.userId })).conversationId;
  let next = 1;
  const sender = async () => {
    while (next <= COUNT) {
      const n = next++;
      await call('POST', '/api/messages', alice.token, { conversationId: cid, content: `history ${n}` });
    }
  };
  await Promise.all(Array.from({ length: 16 }, sender));

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((token) => localStorage.setItem('confab.token', token), bob.token);
  const page = await ctx.newPage();
  await page.goto(`${BASE}/c/${cid}`);
  await page.waitForSelector('.thread .msg');
  // Scroll to the start so that every message is loaded (the window slides on the way).
  const start = '.history-note:text("This is the start of your conversation.")';
  for (let i = 0; i < 5000 && !(await page.$(start)); i++) {
    await page.$eval('.scroller', (s) => s.scrollBy(0, -3 * s.clientHeight));
    await page.waitForTimeout(20);
  }
  // And back down to the newest (the window slides down a step at a time), as a reader would.
  const newest = `history ${COUNT}`;
  for (let i = 0; i < 5000; i++) {
    await page.$eval('.scroller', (s) => s.scrollTo(0, 0));
    await page.waitForTimeout(20);
    const texts = await page.$$eval('.thread .msg .text', (els) => els.map((e) => e.textContent));
    if (texts.includes(newest) && (await page.$eval('.scroller', (s) => s.scrollTop)) > -2) break;
  }
  await page.waitForTimeout(300);
  await page.evaluate(() => {
    window.__seen = new Map();
    window.__frames = [];
    new MutationObserver(() => {
      const now = performance.timeOrigin + performance.now();
      for (const el of document.querySelectorAll('.thread .msg .text')) {
        const t = el.textContent;
        if (t.startsWith('push ') && !window.__seen.has(t)) window.__seen.set(t, now);
      }
    }).observe(document.querySelector('.thread'), { childList: true, subtree: true, characterData: true });
    let last = performance.now();
    const frame = (t) => { window.__frames.push(t - last); last = t; requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
  });
  // The renderer's main-thread tasks while the messages arrive (the timeline's own record of
  // each task's length: a frame interval also counts the compositor's and the machine's delays).
  // CONFAB_PROBE_PROFILE=1 adds V8's sampling profiler (with a build that keeps wasm names).
  const profile = process.env.CONFAB_PROBE_PROFILE ? ['disabled-by-default-v8.cpu_profiler'] : [];
  // CONFAB_PROBE_INVALIDATIONS=1 adds what caused each style, layout and paint invalidation.
  if (process.env.CONFAB_PROBE_INVALIDATIONS) profile.push('disabled-by-default-devtools.timeline.invalidationTracking');
  await browser.startTracing(page, { categories: ['devtools.timeline', 'toplevel', ...profile] });
  const latencies = [];
  for (let i = 0; i < PUSHES; i++) {
    const text = `push ${i}`;
    const sent = performance.timeOrigin + performance.now();
    await call('POST', '/api/messages', alice.token, { conversationId: cid, content: text });
    let seenAt;
    for (let w = 0; w < 200 && !seenAt; w++) {
      seenAt = await page.evaluate((t) => window.__seen.get(t), text);
      if (!seenAt) await new Promise((r) => setTimeout(r, 5));
    }
    if (seenAt) latencies.push(seenAt - sent);
    await new Promise((r) => setTimeout(r, 100));
  }
  const trace = await browser.stopTracing();
  // CONFAB_PROBE_TRACE=file.json keeps the trace, for Chromium's Performance panel.
  if (process.env.CONFAB_PROBE_TRACE) writeFileSync(process.env.CONFAB_PROBE_TRACE, trace);
  const tasks = longestTasks(JSON.parse(trace.toString()));
  const frames = await page.evaluate(() => window.__frames.slice(5));
  const nodes = await page.$$eval('.thread [data-message-id]', (els) => els.length);
  const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
  row(`push → DOM with ${COUNT} messages loaded (${latencies.length}/${PUSHES} seen)`, `p50 ${pct(latencies, 50).toFixed(1)} ms · p99 ${pct(latencies, 99).toFixed(1)} ms`);
  row(`longest frame while messages arrive, ${COUNT} loaded`, `${Math.max(0, ...frames).toFixed(1)} ms`);
  row(`longest main-thread task while messages arrive, ${COUNT} loaded (${tasks.count} tasks)`, `${tasks.longest.toFixed(1)} ms (next ${tasks.next.toFixed(1)} ms)`);
  row(`message rows in the page, ${COUNT} loaded`, `${nodes}`);
  row(`JS heap, ${COUNT} loaded`, `${(heap / 1024 / 1024).toFixed(1)} MB`);
} finally {
  await browser.close();
}
