import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { http } from '../support/clients.js';
import type { Tab } from '../support/browser.js';
import { webSuite } from '../support/web-suite.js';

/**
 * The web client end to end: real server, real headless Chromium (driven by playwright-core;
 * test/support/browser.ts picks the binary), two or three browser profiles talking to each other.
 */
describe('web client in headless Chromium', function () {
  this.timeout(45_000);
  const suite = webSuite();
  const tab = (viewport?: { width: number; height: number }, extra = {}) => suite.tab({ viewport, extra });

  const visible = (page: Page, selector: string) => page.locator(selector).waitFor({ state: 'visible' });

  async function guest(name: string, viewport?: { width: number; height: number }, extra = {}): Promise<Tab> {
    const t = await tab(viewport, extra);
    await t.page.goto('/');
    await t.page.getByLabel('Your name').fill(name);
    await t.page.getByRole('button', { name: 'Start chatting' }).click();
    await visible(t.page, '#screen-lobby');
    return t;
  }

  /** `a` asks first (and is seen waiting), then `b`: both end up in the same room. */
  async function pair(a: Tab, b: Tab): Promise<void> {
    await a.page.getByRole('button', { name: 'Talk to a stranger' }).click();
    await visible(a.page, '#screen-waiting');
    expect(await a.page.locator('#waiting-title').textContent()).to.match(/Looking for a stranger/);
    await b.page.getByRole('button', { name: 'Talk to a stranger' }).click();
    await visible(a.page, '#screen-chat');
    await visible(b.page, '#screen-chat');
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByLabel('Message', { exact: true }).press('Enter');
  }

  const bubbles = (page: Page, text: string) => page.locator('#messages .msg', { has: page.locator('.text', { hasText: text }) });

  async function seesOnce(page: Page, text: string, side: 'mine' | 'theirs'): Promise<void> {
    const b = bubbles(page, text);
    await b.first().waitFor();
    expect(await b.count(), `"${text}" shown once`).to.equal(1);
    expect(await b.first().getAttribute('class')).to.contain(side);
  }

  /** What the SDK keeps in localStorage (tokens, room); evaluated in the page, so written as a string. */
  const session = async (page: Page) =>
    JSON.parse((await page.evaluate<string | null>("localStorage.getItem('gby.session.v2')")) ?? 'null') as { session: { uid: string; access: string; refresh: string; kind: string }; room?: { id: string } } | null;

  /** Next and Leave ask first. */
  async function confirmed(page: Page, button: 'Next' | 'Leave'): Promise<void> {
    await page.getByRole('button', { name: button, exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: button === 'Next' ? 'Yes, next' : 'Yes, leave' }).click();
  }

  it('matches two strangers who then both see both messages, with the sent state on their own', async () => {
    const a = await guest('Alice');
    const b = await guest('Bob');
    await pair(a, b);
    expect(await a.page.locator('#partner-name').textContent()).to.equal('Bob');
    expect(await b.page.locator('#partner-name').textContent()).to.equal('Alice');

    await send(a.page, 'Hello Bob!');
    await send(b.page, 'Hi Alice <img src=x onerror="window.pwned=1">');
    for (const t of [a, b]) {
      await seesOnce(t.page, 'Hello Bob!', t === a ? 'mine' : 'theirs');
      await seesOnce(t.page, 'Hi Alice <img', t === b ? 'mine' : 'theirs');
    }
    await a.page.locator('#messages .msg.mine[data-state="sent"]').waitFor();
    await b.page.locator('#messages .msg.mine[data-state="sent"]').waitFor();
    expect(await a.page.locator('#messages .msg.mine .state').textContent()).to.equal('Sent');
    expect(await a.page.locator('#messages .msg time').first().textContent()).to.match(/\d{1,2}[:.]\d{2}/);
    // The markup a stranger sends is text, never HTML.
    expect(await a.page.locator('#messages img').count()).to.equal(0);
    expect(await a.page.evaluate('window.pwned')).to.equal(undefined);

    // Nothing loaded from anywhere else, no script errors (a CSP violation would be one).
    for (const t of [a, b]) {
      expect(t.requests.filter((u) => !u.startsWith(suite.server.url)), 'off-origin requests').to.deep.equal([]);
      expect(t.errors).to.deep.equal([]);
    }
  });

  it('shows "is typing…" to the partner while the other types, and hides it when they stop', async () => {
    const a = await guest('Ann');
    const b = await guest('Ben');
    await pair(a, b);
    await b.page.getByLabel('Message', { exact: true }).pressSequentially('I am typ', { delay: 20 });
    await a.page.locator('#typing.visible').waitFor();
    expect(await a.page.locator('#typing').textContent()).to.contain('Ben is typing…');
    expect(await b.page.locator('#typing.visible').count(), 'not shown to the typist').to.equal(0);
    await b.page.getByLabel('Message', { exact: true }).fill('');
    await a.page.locator('#typing:not(.visible)').waitFor({ state: 'attached' });
    expect(await a.page.locator('#typing.visible').count()).to.equal(0);
  });

  it('restores the conversation after a reload, and the restored session keeps working', async () => {
    const a = await guest('Amy');
    const b = await guest('Bill');
    await pair(a, b);
    await send(a.page, 'before the reload (1)');
    await send(b.page, 'before the reload (2)');
    await seesOnce(b.page, 'before the reload (1)', 'theirs');
    await seesOnce(b.page, 'before the reload (2)', 'mine');

    await b.page.reload();
    await visible(b.page, '#screen-chat');
    await seesOnce(b.page, 'before the reload (1)', 'theirs');
    await seesOnce(b.page, 'before the reload (2)', 'mine');
    expect(await b.page.locator('#partner-name').textContent()).to.equal('Amy');
    expect(await b.page.locator('#messages .msg').count()).to.equal(2);

    await send(b.page, 'after the reload');
    await seesOnce(a.page, 'after the reload', 'theirs');
    await b.page.locator('#messages .msg.mine[data-state="sent"]', { hasText: 'after the reload' }).waitFor();
  });

  it('trades a refused token for fresh ones through POST /api/v1/auth/refresh and carries on', async () => {
    const a = await guest('Ari');
    const b = await guest('Bly');
    await pair(a, b);
    await send(a.page, 'still there?');
    await seesOnce(b.page, 'still there?', 'theirs');
    const before = (await session(b.page))!;
    // As if the tokens had expired while the tab was closed: the server refuses them now.
    await b.page.evaluate(`(() => {
      const s = JSON.parse(localStorage.getItem('gby.session.v2'));
      s.session.access = 'expired-' + s.session.access;
      s.session.socket = 'expired-' + s.session.socket;
      localStorage.setItem('gby.session.v2', JSON.stringify(s));
    })()`);
    await b.page.reload();
    await b.page.locator('#conn-status', { hasText: 'Connected' }).waitFor();
    await seesOnce(b.page, 'still there?', 'theirs');
    const after = (await session(b.page))!;
    expect(after.session.refresh).to.not.equal(before.session.refresh);
    expect(after.session.access).to.not.match(/^expired-/);
    expect(b.requests.filter((u) => u === `${suite.server.url}/api/v1/auth/refresh`)).to.have.length(1);
    await send(b.page, 'yes, with fresh tokens');
    await seesOnce(a.page, 'yes, with fresh tokens', 'theirs');
  });

  it('tells the partner that the stranger left, and "Next" puts the leaver back in the queue', async () => {
    const a = await guest('Abe');
    const b = await guest('Bea');
    await pair(a, b);
    await send(a.page, 'bye now');
    await seesOnce(b.page, 'bye now', 'theirs');

    await confirmed(a.page, 'Next');
    await visible(a.page, '#screen-waiting');
    await visible(b.page, '#closed-banner');
    expect(await b.page.locator('#closed-text').textContent()).to.equal('Abe left the chat.');
    expect(await b.page.getByLabel('Message', { exact: true }).isDisabled()).to.equal(true);
    expect(await b.page.locator('#conn-status').textContent()).to.equal('Chat ended');

    // Abe, still waiting, meets a newcomer (Bea and Abe are not paired again straight away).
    const c = await guest('Cal');
    await c.page.getByRole('button', { name: 'Talk to a stranger' }).click();
    await visible(a.page, '#screen-chat');
    await visible(c.page, '#screen-chat');
    expect(await a.page.locator('#partner-name').textContent()).to.equal('Cal');
    expect(await a.page.locator('#messages .msg').count(), 'a new room starts empty').to.equal(0);

    // Leaving for good goes back to the lobby.
    await confirmed(c.page, 'Leave');
    await visible(c.page, '#screen-lobby');
    await visible(a.page, '#closed-banner');
    await a.page.getByRole('button', { name: 'Back' }).click();
    await visible(a.page, '#screen-lobby');
  });

  it('survives a dropped connection without losing or duplicating messages', async () => {
    const a = await guest('Ada');
    const b = await guest('Bo');
    await pair(a, b);
    await send(a.page, 'm1 before the drop');
    await seesOnce(b.page, 'm1 before the drop', 'theirs');
    const sa = (await session(a.page))!;
    const sb = (await session(b.page))!;

    // Cut Bo's connection from the server side, as a network drop would, and talk meanwhile.
    for (const ns of ['/matchmaking', '/rooms']) {
      for (const s of suite.server.app.io.of(ns).sockets.values()) if (s.data.actor?.uid === sb.session.uid) s.conn.close();
    }
    const roomId = sa.room!.id;
    for (const text of ['m2 during the drop', 'm3 during the drop']) {
      const r = await http(suite.server, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: sa.session.access, body: { content: text, client_msg_id: randomUUID() } });
      expect(r.status).to.equal(201);
    }
    await send(b.page, 'm4 from Bo while reconnecting');

    for (const text of ['m1 before the drop', 'm2 during the drop', 'm3 during the drop']) await seesOnce(b.page, text, 'theirs');
    await seesOnce(b.page, 'm4 from Bo while reconnecting', 'mine');
    await seesOnce(a.page, 'm4 from Bo while reconnecting', 'theirs');
    await b.page.locator('#messages .msg.mine[data-state="sent"]').waitFor();
    await b.page.locator('#conn-status', { hasText: 'Connected' }).waitFor();
    expect(await b.page.locator('#messages .msg').count()).to.equal(4);
    // In send order on both sides.
    const order = (p: Page) => p.locator('#messages .msg .text').allTextContents();
    expect((await order(b.page)).map((t) => t.slice(0, 2))).to.deep.equal(['m1', 'm2', 'm3', 'm4']);
    expect((await order(a.page)).map((t) => t.slice(0, 2))).to.deep.equal(['m1', 'm2', 'm3', 'm4']);
  });

  it('loads older history with the before cursor when the reader scrolls up', async () => {
    const a = await guest('Aki');
    const b = await guest('Bao');
    await pair(a, b);
    const sa = (await session(a.page))!;
    for (let i = 1; i <= 45; i++) {
      const r = await http(suite.server, 'POST', `/api/v1/rooms/${sa.room!.id}/messages`, {
        token: sa.session.access,
        body: { content: `history ${String(i).padStart(2, '0')}`, client_msg_id: `h-${i}` },
      });
      expect(r.status).to.equal(201);
    }
    await b.page.reload();
    await seesOnce(b.page, 'history 45', 'theirs');
    expect(await b.page.locator('#messages .msg').count(), 'the newest page only').to.equal(30);
    expect(await bubbles(b.page, 'history 15').count()).to.equal(0);

    await b.page.locator('#scroller').evaluate((el) => el.scrollTo(0, 0));
    await seesOnce(b.page, 'history 01', 'theirs');
    const texts = await b.page.locator('#messages .msg .text').allTextContents();
    expect(texts).to.deep.equal(Array.from({ length: 45 }, (_, i) => `history ${String(i + 1).padStart(2, '0')}`));
    expect(await b.page.locator('#history-status').textContent()).to.contain('Say hi');
  });

  it('works on a phone-sized screen (375x740): the composer is in view and the page does not scroll sideways', async () => {
    const phone = { width: 375, height: 740 };
    const a = await guest('Phone Pat', phone, { isMobile: true, hasTouch: true });
    const b = await guest('Desk Dee');
    await pair(a, b);
    const composer = await a.page.locator('#composer').boundingBox();
    expect(composer, 'composer laid out').to.not.equal(null);
    expect(composer!.y).to.be.greaterThan(phone.height / 2);
    expect(composer!.y + composer!.height).to.be.at.most(phone.height);
    expect(composer!.x + composer!.width).to.be.at.most(phone.width);
    expect(await a.page.locator('#btn-send').isVisible()).to.equal(true);
    expect(await a.page.locator('#btn-leave').isVisible()).to.equal(true);
    expect(await a.page.evaluate<number>('document.documentElement.scrollWidth')).to.be.at.most(phone.width);

    await send(a.page, 'sent from a phone with a rather long line of text that has to wrap nicely inside the bubble');
    await seesOnce(b.page, 'sent from a phone', 'theirs');
    await a.page.locator('#messages .msg.mine[data-state="sent"]').waitFor();
    const bubble = await a.page.locator('#messages .msg.mine .bubble').boundingBox();
    expect(bubble!.x + bubble!.width).to.be.at.most(phone.width);
  });

  it('registers a member with e-mail and password, signs out, and signs in again', async () => {
    const email = `e2e-${randomUUID().slice(0, 8)}@example.com`;
    const t = await tab();
    await t.page.goto('/');
    await t.page.getByRole('tab', { name: 'Member' }).click();
    await t.page.getByRole('button', { name: 'Create an account' }).click();
    await t.page.getByLabel('E-mail', { exact: true }).fill(email);
    await t.page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await t.page.getByLabel('Confirm password').fill('correct horse battery');
    await t.page.getByRole('button', { name: 'Create account' }).click();
    await visible(t.page, '#screen-lobby');
    expect(await t.page.locator('#lobby-title').textContent()).to.equal(`Hi, ${email}`);
    expect((await session(t.page))?.session).to.include({ kind: 'member' });

    await t.page.getByRole('button', { name: 'Sign out' }).click();
    await visible(t.page, '#screen-welcome');
    expect(await session(t.page)).to.equal(null);

    await t.page.getByRole('tab', { name: 'Member' }).click();
    await t.page.getByLabel('E-mail', { exact: true }).fill(email);
    await t.page.getByLabel('Password', { exact: true }).fill('wrong password!');
    await t.page.getByRole('button', { name: 'Sign in' }).click();
    await t.page.locator('#member-error', { hasText: 'Wrong e-mail or password.' }).waitFor();
    await t.page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await t.page.getByRole('button', { name: 'Sign in' }).click();
    await visible(t.page, '#screen-lobby');
    expect(await t.page.locator('#lobby-title').textContent()).to.equal(`Hi, ${email}`);
  });
});
