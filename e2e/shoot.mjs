// Screenshots for looking at the app by hand: node shoot.mjs [outdir]
// Signs in as the demo user alice (server started with --demo).
import { launch, BASE } from './lib/browser.js';

const out = process.argv[2] || 'screenshots/manual';
const browser = await launch();
for (const scheme of ['light', 'dark']) {
  for (const [label, viewport] of [['wide', { width: 1280, height: 800 }], ['narrow', { width: 390, height: 780 }]]) {
    const ctx = await browser.newContext({ viewport, colorScheme: scheme, locale: 'en-US' });
    const page = await ctx.newPage();
    page.on('console', (m) => { if (m.type() === 'error') console.log('console:', m.text()); });
    await page.goto(`${BASE}/login`);
    await page.waitForSelector('#login-user');
    await page.screenshot({ path: `${out}/login-${label}-${scheme}.png` });
    await page.fill('#login-user', 'alice');
    await page.fill('#login-password', 'confab-demo');
    await page.click('button[type=submit]');
    await page.waitForSelector('.conv');
    await page.screenshot({ path: `${out}/list-${label}-${scheme}.png` });
    await page.click('.conv-link >> nth=0');
    await page.waitForSelector('.msg');
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${out}/thread-${label}-${scheme}.png` });
    await ctx.close();
  }
}
await browser.close();
