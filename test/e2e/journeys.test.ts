import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { startServer, type TestServer } from '../support/server.js';
import type { Tab } from '../support/browser.js';
import { axeProblems, webSuite } from '../support/web-suite.js';

const PHONE = { viewport: { width: 375, height: 740 }, extra: { isMobile: true, hasTouch: true } };
const DESKTOP = { viewport: { width: 1100, height: 760 }, extra: {} };

/** The journeys of the web client in Traditional Chinese and English, on phones and desktops, checked with axe. */
describe('web client journeys (zh-TW and en, phone and desktop, axe)', function () {
  this.timeout(90_000);
  const suite = webSuite();
  let slowServer: TestServer;
  before(async () => {
    slowServer = await startServer({ RATE_MESSAGE_SEND: '4/3' });
  });
  after(async () => {
    await slowServer?.close();
  });

  async function tab(locale: string, size = DESKTOP, on?: TestServer): Promise<Tab> {
    const t = await suite.tab({ viewport: size.viewport, extra: { ...size.extra, locale }, on });
    await t.page.goto('/');
    return t;
  }
  const visible = (page: Page, selector: string) => page.locator(selector).waitFor({ state: 'visible' });

  async function guest(t: Tab, name: string, zh: boolean): Promise<void> {
    await t.page.getByLabel(zh ? '你的名字' : 'Your name').fill(name);
    await t.page.getByRole('button', { name: zh ? '開始聊天' : 'Start chatting' }).click();
    await visible(t.page, '#screen-lobby');
  }
  async function pair(a: Tab, b: Tab, zh: boolean): Promise<void> {
    for (const t of [a, b]) await t.page.locator('#btn-find').click();
    await visible(a.page, '#screen-chat');
    await visible(b.page, '#screen-chat');
    void zh;
  }
  async function send(page: Page, text: string): Promise<void> {
    await page.locator('#composer-input').fill(text);
    await page.locator('#composer-input').press('Enter');
  }
  const texts = (page: Page) => page.locator('#messages .msg .text').allTextContents();

  it('follows a Chinese browser: a phone-sized journey in zh-TW from the name to "next", with no axe findings on any screen', async () => {
    const a = await tab('zh-TW', PHONE);
    const b = await tab('zh-TW', PHONE);
    expect(await a.page.locator('html').getAttribute('lang')).to.equal('zh-TW');
    expect(await a.page.locator('#welcome-title').textContent()).to.equal('和陌生人聊天');
    expect(await axeProblems(a.page), 'welcome').to.deep.equal([]);
    await guest(a, '小明', true);
    await guest(b, '小華', true);
    expect(await a.page.locator('#lobby-title').textContent()).to.equal('嗨，小明');
    expect(await axeProblems(a.page), 'lobby').to.deep.equal([]);
    await a.page.locator('#btn-find').click();
    await visible(a.page, '#screen-waiting');
    expect(await axeProblems(a.page), 'waiting').to.deep.equal([]);
    await b.page.locator('#btn-find').click();
    await visible(a.page, '#screen-chat');
    await visible(b.page, '#screen-chat');
    await send(a.page, '你好！');
    await b.page.locator('#messages .msg.theirs', { hasText: '你好！' }).waitFor();
    await a.page.locator('#messages .msg.mine[data-state="sent"] .state', { hasText: '已送出' }).waitFor();
    expect(await axeProblems(a.page), 'chat').to.deep.equal([]);
    for (const button of ['#btn-next', '#btn-leave', '#btn-send']) {
      const box = await a.page.locator(button).boundingBox();
      expect(box!.height, `${button} is a 44 px touch target`).to.be.at.least(44);
    }

    await a.page.getByRole('button', { name: '下一位', exact: true }).click();
    expect(await a.page.getByRole('dialog').locator('h2').textContent()).to.equal('要認識新朋友嗎？');
    expect(await axeProblems(a.page), 'confirm dialog').to.deep.equal([]);
    await a.page.getByRole('button', { name: '好，下一位' }).click();
    await visible(a.page, '#screen-waiting');
    await visible(b.page, '#closed-banner');
    expect(await b.page.locator('#closed-text').textContent()).to.equal('小明 已離開聊天。');
    expect(await b.page.evaluate('document.activeElement?.id')).to.equal('btn-new');
    expect(await axeProblems(b.page), 'closed banner').to.deep.equal([]);
    // Leave the queue, so that the next test's strangers meet each other.
    await a.page.getByRole('button', { name: '取消' }).click();
    await visible(a.page, '#screen-lobby');
  });

  it('switches language on the spot and remembers the choice', async () => {
    const t = await tab('en-US');
    expect(await t.page.locator('#welcome-title').textContent()).to.equal('Talk to a stranger');
    await t.page.getByLabel('Language').selectOption('zh-TW');
    expect(await t.page.locator('#welcome-title').textContent()).to.equal('和陌生人聊天');
    expect(await t.page.getByRole('button', { name: '開始聊天' }).count()).to.equal(1);
    await t.page.reload();
    expect(await t.page.locator('#welcome-title').textContent()).to.equal('和陌生人聊天');
    await t.page.getByLabel('語言').selectOption('en');
    expect(await t.page.locator('#welcome-title').textContent()).to.equal('Talk to a stranger');
  });

  it('keeps a fast typist calm past the rate limit: one notice, every message sent once, in order', async () => {
    const a = await tab('en-US', DESKTOP, slowServer);
    const b = await tab('en-US', DESKTOP, slowServer);
    await guest(a, 'Quick', false);
    await guest(b, 'Reader', false);
    await pair(a, b, false);
    const sent = Array.from({ length: 10 }, (_, i) => `fast ${i + 1}`);
    for (const text of sent) await send(a.page, text);
    await visible(a.page, '#slow-notice');
    expect(await a.page.locator('#slow-notice').textContent()).to.contain('in order');
    expect(await a.page.locator('#messages .msg[data-state="failed"]').count()).to.equal(0);
    await b.page.locator('#messages .msg.theirs .text', { hasText: /^fast 10$/ }).waitFor({ timeout: 30_000 });
    expect(await texts(b.page)).to.deep.equal(sent);
    await a.page.locator('#messages .msg[data-state="pending"]').first().waitFor({ state: 'detached' });
    expect(await texts(a.page)).to.deep.equal(sent);
    await a.page.locator('#slow-notice').waitFor({ state: 'hidden' });
  });

  it('shows a long paste as too long instead of cutting it', async () => {
    const a = await tab('en-US');
    const b = await tab('en-US');
    await guest(a, 'Paster', false);
    await guest(b, 'Other', false);
    await pair(a, b, false);
    await send(a.page, 'x'.repeat(2100));
    expect(await a.page.locator('#composer-error').textContent()).to.contain('2100');
    expect((await a.page.locator('#composer-input').inputValue()).length, 'the text is kept for editing').to.equal(2100);
    expect(await a.page.locator('#messages .msg').count()).to.equal(0);
  });

  it('reports a partner with a reason from the picker, or says the server does not offer reports', async () => {
    const a = await tab('en-US');
    const b = await tab('en-US');
    await guest(a, 'Rita', false);
    await guest(b, 'Troll', false);
    await pair(a, b, false);
    await a.page.getByRole('button', { name: 'More actions' }).click();
    await a.page.getByRole('menuitem', { name: 'Report' }).click();
    const dialog = a.page.getByRole('dialog');
    expect(await dialog.locator('h2').textContent()).to.equal('Report Troll');
    expect(await axeProblems(a.page), 'report dialog').to.deep.equal([]);
    await dialog.getByRole('button', { name: 'Send report' }).click();
    expect(await a.page.locator('#report-error').textContent(), 'a reason is required').to.equal('Pick a reason.');
    await dialog.getByLabel('Harassment or bullying').check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    const doc = (await (await fetch(`${suite.server.url}/docs/openapi.json`)).json()) as { paths: Record<string, unknown> };
    if (doc.paths['/api/v1/rooms/{room_id}/report']) {
      await visible(b.page, '#closed-banner');
      await visible(a.page, '#closed-banner');
    } else {
      await a.page.locator('#report-error', { hasText: 'does not offer that yet' }).waitFor();
    }
  });

  it('lets a guest set a nickname in the profile, and counts unread messages in the title while hidden', async () => {
    const a = await tab('en-US');
    const b = await tab('en-US');
    await guest(a, 'Nick', false);
    await a.page.getByRole('button', { name: 'Profile' }).click();
    const dialog = a.page.getByRole('dialog');
    await dialog.getByLabel('Nickname').fill('Nicky');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await a.page.locator('#nickname-status', { hasText: 'Saved.' }).waitFor();
    expect(await axeProblems(a.page), 'profile dialog').to.deep.equal([]);
    await dialog.getByRole('button', { name: 'Close' }).click();

    await guest(b, 'Pinger', false);
    await pair(a, b, false);
    await a.page.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => true }); document.dispatchEvent(new Event('visibilitychange'))`);
    await send(b.page, 'ping 1');
    await send(b.page, 'ping 2');
    await a.page.waitForFunction('document.title.startsWith("(2) ")');
    await a.page.evaluate(`Object.defineProperty(document, 'hidden', { configurable: true, get: () => false }); document.dispatchEvent(new Event('visibilitychange'))`);
    await a.page.waitForFunction('!document.title.startsWith("(")');
  });
});
