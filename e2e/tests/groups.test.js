// Three people in a group, @mentions, removal and leaving, burn after reading, and mark as
// unread from the list — in Debian's Chromium against a real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, BASE } from '../lib/browser.js';
import { waitFor, shot, people, bubbleTexts, sendText, audit } from '../lib/helpers.js';

const WIDE = { width: 1280, height: 800 };
const stamp = Date.now().toString(36);
const NAMES = { alice: `ga_${stamp}`, bob: `gb_${stamp}`, carol: `gc_${stamp}` };
const GROUP = `Trip ${stamp}`;
let browser, a, b, c, gid;


const row = (page, id) => page.locator(`.conv[data-conversation-id="${id}"]`);
const notices = (page) => page.$$eval('.thread .msg-notice.system', (els) => els.map((e) => e.textContent));

before(async () => {
  browser = await launch();
  [a, b, c] = await people(browser, BASE, [[NAMES.alice, 'Alice'], [NAMES.bob, 'Bob'], [NAMES.carol, 'Carol']], { viewport: WIDE });
});

after(async () => {
  await browser?.close();
});

test('12. Alice creates a group with Bob and Carol; all three chat live', async () => {
  await a.getByRole('button', { name: 'New group' }).click();
  await a.fill('#group-name', GROUP);
  for (const who of [NAMES.bob, NAMES.carol]) {
    await a.fill('#group-people', who);
    await a.click(`.picker-results .hit:has-text("${who}")`);
  }
  assert.equal(await a.locator('.chips .chip').count(), 2);
  await shot(a, '12-new-group');
  await a.getByRole('button', { name: 'Create' }).click();
  await a.waitForURL(/\/c\/\d+$/);
  gid = Number(new URL(a.url()).pathname.split('/').pop());
  await waitFor(async () => (await a.textContent('.thread-header')).includes('3 members'), 'the member count');
  await waitFor(async () => (await notices(a)).some((t) => t.includes('You created the group')), 'the created notice');

  // Bob and Carol find it in their lists without reloading, and chat.
  for (const p of [b, c]) await waitFor(() => row(p, gid).count(), 'the group in the list');
  await row(b, gid).locator('.conv-link').click();
  await waitFor(async () => (await notices(b)).some((t) => t.includes('Alice created the group')), "Bob's notice");
  await sendText(b, 'hi all, Bob here');
  await waitFor(async () => (await bubbleTexts(a)).includes('hi all, Bob here'), 'Bob\'s message at Alice');
  assert.equal(await a.locator('.msg:has-text("hi all, Bob here") .sender').textContent(), 'Bob');
  await waitFor(async () => (await row(c, gid).locator('.conv-preview').textContent()).includes('hi all, Bob here'), "Carol's preview");
  await row(c, gid).locator('.conv-link').click();
  await sendText(c, 'Carol too');
  for (const p of [a, b]) await waitFor(async () => (await bubbleTexts(p)).includes('Carol too'), 'Carol\'s message');
  await audit(a, 'a group thread');
  await shot(a, '12-group-thread');
});

test('13. Alice @mentions Bob: his list shows [@You], Carol\'s does not', async () => {
  for (const p of [b, c]) {
    await p.goto(`${BASE}/`);
    await p.waitForSelector(`.conv[data-conversation-id="${gid}"]`);
  }
  await a.click('.composer textarea');
  await a.keyboard.type('@Bo');
  await a.waitForSelector('#mention-list [role=option]');
  await shot(a, '13-mention-list');
  await a.keyboard.press('Enter');
  assert.match(await a.inputValue('.composer textarea'), /^@Bob $/);
  await a.keyboard.type('can you book the train?');
  await a.keyboard.press('Enter');
  await waitFor(() => a.$('.msg.mine[data-delivery="sent"] .mention'), 'the mention highlighted in Alice\'s bubble');
  await waitFor(async () => (await row(b, gid).locator('.at-mark').count()) === 1, 'Bob\'s [@You]');
  assert.equal(await row(b, gid).locator('.at-mark').textContent(), '[@You] ');
  await waitFor(async () => (await row(c, gid).locator('.conv-preview').textContent()).includes('book the train'), "Carol's preview");
  assert.equal(await row(c, gid).locator('.at-mark').count(), 0, 'Carol was not mentioned');
  await shot(b, '13-at-you');
  // Opening offers the jump to the mention, and Bob's own name stands out.
  await row(b, gid).locator('.conv-link').click();
  await b.waitForSelector('.jump-mention');
  await b.click('.jump-mention');
  await waitFor(() => b.$('.mention.me'), 'the mention of Bob, highlighted');
  await waitFor(async () => (await row(b, gid).locator('.at-mark').count()) === 0, '[@You] cleared once read');
});

test('14. Alice removes Carol: Carol is told, cannot send and sees nothing newer', async () => {
  await a.getByRole('button', { name: 'Members' }).click();
  await a.waitForSelector('.members-panel .member');
  await audit(a, 'the members panel');
  await shot(a, '14-members');
  // An announcement: a notice for all, and Carol's list marks it until she reads it.
  await a.fill('#group-announcement', 'Meet at the station at 8.');
  await a.locator('.members-panel form:has(#group-announcement) button[type=submit]').click();
  await waitFor(async () => (await row(c, gid).locator('.at-mark').textContent().catch(() => '')) === '[Announcement] ', "Carol's [Announcement]");
  await waitFor(async () => (await notices(a)).some((t) => t.includes('You updated the announcement')), 'the announcement notice');
  await a.locator(`.member:has-text("Carol") button:has-text("Remove from group")`).click();
  await waitFor(async () => (await a.locator('.members-panel .member').count()) === 2, 'two members left');
  await a.keyboard.press('Escape');
  await waitFor(async () => (await notices(a)).some((t) => t.includes('You removed Carol')), 'the removal notice');
  await sendText(a, 'after Carol left');
  await waitFor(async () => (await bubbleTexts(b)).includes('after Carol left'), 'Bob gets it');

  await row(c, gid).locator('.conv-link').click();
  await c.waitForSelector('.not-in-group');
  assert.equal(await c.locator('.composer').count(), 0, 'no composer for a removed member');
  await waitFor(async () => (await notices(c)).some((t) => t.includes('Alice removed You')), "Carol's own removal notice");
  await c.waitForTimeout(500);
  assert.ok(!(await bubbleTexts(c)).includes('after Carol left'), 'nothing newer reaches Carol');
  await c.reload();
  await c.waitForSelector('.not-in-group');
  assert.ok(!(await bubbleTexts(c)).includes('after Carol left'), 'nor after a reload');
  await shot(c, '14-not-in-group');
});

test('15. Bob leaves; Alice sees it', async () => {
  await b.getByRole('button', { name: 'Members' }).click();
  await b.click('.members-panel .leave');
  await b.locator('.members-panel .confirm button:has-text("Leave group")').click();
  await b.waitForSelector('.not-in-group');
  await waitFor(async () => (await notices(a)).some((t) => t.includes('Bob left the group')), 'Alice sees Bob leave');
  await waitFor(async () => (await a.textContent('.thread-header')).includes('1 member'), 'one member left');
});

test('16. burn after reading: gone from both screens after Bob reads it, and after a reload', async () => {
  await a.fill('#search-people', NAMES.bob);
  await a.click(`.search-results .hit:has-text("${NAMES.bob}")`);
  await a.waitForURL((u) => /\/c\/\d+$/.test(u.pathname) && !u.pathname.endsWith(`/${gid}`));
  const sid = Number(new URL(a.url()).pathname.split('/').pop());
  await a.getByRole('button', { name: 'Burn after reading' }).click();
  await shot(a, '16-burn-menu');
  await a.getByRole('menuitemradio', { name: '10 s' }).click();
  await waitFor(async () => (await notices(a)).some((t) => t.includes('You turned on burn after reading (10 s)')), 'the setting notice');
  await sendText(a, 'this will self-destruct');
  await waitFor(() => a.$('.msg.mine[data-delivery="sent"] .burn'), 'the flame on Alice\'s message');

  await b.goto(`${BASE}/c/${sid}`);
  await waitFor(async () => (await bubbleTexts(b)).includes('this will self-destruct'), 'Bob reads it');
  await waitFor(async () => /\d:\d\d/.test((await b.textContent('.msg .burn')) || ''), 'a countdown at Bob');
  await waitFor(async () => /\d:\d\d/.test((await a.textContent('.msg.mine .burn')) || ''), 'a countdown at Alice');
  await shot(b, '16-burn-countdown');
  for (const p of [a, b]) {
    await waitFor(async () => !(await bubbleTexts(p)).includes('this will self-destruct'), 'the message burns', 20000);
  }
  for (const p of [a, b]) {
    await p.reload();
    await p.waitForSelector('.thread .composer');
    await p.waitForTimeout(300);
    assert.ok(!(await bubbleTexts(p)).includes('this will self-destruct'), 'still gone after a reload');
  }
});

test('17. mark as unread from the list shows the badge in another tab', async () => {
  const tab2 = await b.context().newPage();
  await tab2.goto(`${BASE}/`);
  const sid = await b.evaluate(() => Number(location.pathname.split('/').pop()));
  await tab2.waitForSelector(`.conv[data-conversation-id="${sid}"]`);
  await b.goto(`${BASE}/`);
  await b.waitForSelector(`.conv[data-conversation-id="${sid}"]`);
  await row(b, sid).click({ button: 'right' });
  await b.getByRole('menuitem', { name: 'Mark as unread' }).click();
  await waitFor(async () => (await row(tab2, sid).locator('.badge').count()) === 1, 'the badge in the other tab');
  assert.equal(await row(tab2, sid).locator('.badge').textContent(), '1');
  await shot(b, '17-marked-unread');
  // And read again from the keyboard menu.
  await row(b, sid).locator('.conv-link').focus();
  await b.keyboard.press('Shift+F10');
  await b.getByRole('menuitem', { name: 'Mark as read' }).click();
  await waitFor(async () => (await row(tab2, sid).locator('.badge').count()) === 0, 'the badge gone in the other tab');
  await tab2.close();
});
