// Debian's Chromium driven by playwright-core: no browser download, ever.
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-sync', '--disable-quic', '--disable-dev-shm-usage',
];

export const BASE = process.env.CONFAB_URL || 'http://127.0.0.1:8080';

// Against the cluster (`cargo xtask e2e-cluster`): CONFAB_PIN_INSTANCES=2 pins each new browser
// context to the next instance in turn (nginx routes by the `confab_instance` cookie), so two
// people in one test talk through different instances.
export const PINNED = Number(process.env.CONFAB_PIN_INSTANCES || 0);

export async function launch(extraArgs = []) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, ...extraArgs],
    headless: true,
  });
  if (PINNED > 1) {
    const newContext = browser.newContext.bind(browser);
    let next = 0;
    browser.newContext = async (options) => {
      const ctx = await newContext(options);
      next = (next % PINNED) + 1;
      await ctx.addCookies([{ name: 'confab_instance', value: String(next), url: BASE }]);
      return ctx;
    };
  }
  return browser;
}

/// Which instance answers this page's requests (the cluster's nginx says), or null.
export const instanceOf = (page) =>
  page.evaluate(() => fetch('/api/ready').then((r) => r.headers.get('x-confab-upstream')));
