// Screenshots of everyday messaging in Chinese (wide/narrow, light/dark), for people to look at:
// CONFAB_URL=… node shoot-everyday-zh.mjs
import { launch, BASE } from './lib/browser.js';
import { register, api, shot, sendText, openConversationWith, waitFor } from './lib/helpers.js';

const stamp = Date.now().toString(36);
const browser = await launch();
const ctx = (locale) => browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
const a = await (await ctx('zh-CN')).newPage();
const b = await (await ctx('zh-CN')).newPage();
await register(a, BASE, `za_${stamp}`, '王小明');
await register(b, BASE, `zb_${stamp}`, '李华');
const bob = (await api(b, 'GET', '/api/users/me')).data.userId;
const first = (await api(a, 'POST', '/api/messages', { receiverId: bob, content: '明天下午三点在图书馆开会，记得带上报告' })).data;
await api(b, 'POST', '/api/messages', { conversationId: first.conversationId, content: '好的，我会准时到', replyToMessageId: first.messageId });
await api(b, 'PUT', `/api/messages/${first.messageId}/reactions/${encodeURIComponent('👍')}`);
await api(a, 'PUT', `/api/messages/${first.messageId}/reactions/${encodeURIComponent('👍')}`);
await a.reload();
await openConversationWith(a, '李华');
await waitFor(() => a.$('.quote'), 'the reply');
await sendText(a, '会议室在三楼');
await a.keyboard.press('ArrowUp');
await a.waitForSelector('.compose-bar');
await b.reload();
await openConversationWith(b, '王小明');
await b.click('.composer textarea');
await b.keyboard.type('我马上');
await waitFor(async () => (await a.textContent('.thread .typing')) !== '', 'typing');
await shot(a, 'zh-everyday-thread');
await a.keyboard.press('Escape');
await a.fill('#search-people', '图书馆');
await waitFor(() => a.$('.message-hit'), 'a hit');
await shot(a, 'zh-everyday-search');
await a.fill('#search-people', '');
await a.evaluate(() => document.activeElement.blur());
await a.locator('body').press('?');
await a.waitForSelector('#help-title');
await shot(a, 'zh-everyday-shortcuts');
await browser.close();
