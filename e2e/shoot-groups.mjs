// Screenshots of the group screens for looking at by hand: node shoot-groups.mjs [outdir]
// Signs in as the demo user alice (server started with --demo), in English and Chinese.
import { launch, BASE } from './lib/browser.js';

const out = process.argv[2] || 'screenshots/manual';
const browser = await launch();
for (const locale of ['en-US', 'zh-CN']) {
  for (const scheme of ['light', 'dark']) {
    for (const [label, viewport] of [['wide', { width: 1280, height: 800 }], ['narrow', { width: 390, height: 780 }]]) {
      const name = (what) => `${out}/${what}-${locale}-${label}-${scheme}.png`;
      const ctx = await browser.newContext({ viewport, colorScheme: scheme, locale });
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.log('page error:', e.message));
      await page.goto(`${BASE}/login`);
      await page.fill('#login-user', 'alice');
      await page.fill('#login-password', 'confab-demo');
      await page.click('button[type=submit]');
      await page.waitForSelector('.conv');
      await page.screenshot({ path: name('list') });
      await page.click('.conv.group .conv-link');
      await page.waitForSelector('.msg');
      await page.waitForTimeout(300);
      await page.screenshot({ path: name('group') });
      await page.click('.composer textarea');
      await page.keyboard.type('@');
      await page.waitForSelector('#mention-list');
      await page.screenshot({ path: name('mention') });
      await page.keyboard.press('Escape');
      await page.click('.thread-header .icon-btn:not(.back)');
      await page.waitForSelector('.members-panel .member');
      await page.screenshot({ path: name('members') });
      await page.keyboard.press('Escape');
      await page.goto(`${BASE}/`);
      await page.waitForSelector('.conv');
      await page.click('.conv:not(.group) .conv-link >> nth=0');
      await page.waitForSelector('.burn-setting');
      await page.click('.burn-setting .icon-btn');
      await page.screenshot({ path: name('burn') });
      await page.keyboard.press('Escape');
      await page.goto(`${BASE}/`);
      await page.waitForSelector('.sidebar-header');
      await page.click('.sidebar-header .icon-btn >> nth=0');
      await page.waitForSelector('#group-name');
      await page.fill('#group-name', 'Weekend');
      await page.fill('#group-people', 'o');
      await page.waitForSelector('.picker-results .hit');
      await page.click('.picker-results .hit >> nth=0');
      await page.screenshot({ path: name('new-group') });
      await ctx.close();
    }
  }
}
await browser.close();
