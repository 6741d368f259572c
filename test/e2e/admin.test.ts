import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { TestServer } from '../support/server.js';
import { anonLogin, http } from '../support/clients.js';
import { credentialsReq, login, registerMember, type Member } from '../support/members.js';
import { report, staff } from '../support/moderation.js';
import type { Tab } from '../support/browser.js';
import { axeProblems, webSuite } from '../support/web-suite.js';

/** The moderators' page at /admin, in headless Chromium against a real server. */
describe('moderation page (/admin) in headless Chromium', function () {
  this.timeout(45_000);
  const suite = webSuite();
  let server: TestServer;
  let mod: Member;

  before(async () => {
    server = suite.server;
    mod = await staff(server, 'moderator');
  });

  async function signIn(m: Member): Promise<Tab> {
    const t = await suite.tab();
    await t.page.goto('/admin');
    await t.page.getByLabel('E-mail or phone').fill(m.login_id);
    await t.page.getByLabel('Password').fill(m.password);
    await t.page.getByRole('button', { name: 'Sign in' }).click();
    return t;
  }

  /**
   * A reported room with a short conversation. The reported user is a member: banning an
   * anonymous one would also refuse anonymous logins from 127.0.0.1, every test's address.
   */
  async function reportedRoom(reason = 'harassment') {
    const a = await anonLogin(server, 'reporter');
    const m = await registerMember(server);
    const b = { uid: m.uid, token: m.access_token };
    await http(server, 'POST', '/api/v1/matchmaking/join', { token: a.token });
    const roomId = (await http(server, 'POST', '/api/v1/matchmaking/join', { token: b.token })).body.room_id as string;
    for (const [u, text] of [[b, 'you are pathetic'], [a, 'please stop'], [b, 'make me']] as const) {
      await http(server, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: u.token, body: { content: text, client_msg_id: randomUUID() } });
    }
    const r = await report(server, a.token, roomId, { reason, note: 'kept insulting me' });
    return { reporter: a, reported: b, member: m, reportId: r.body.report_id as string };
  }

  it('shows the queue and a report\'s evidence, and bans the reported user after a confirmation', async () => {
    const { reported, reportId } = await reportedRoom();
    const t = await signIn(mod);
    const item = t.page.locator(`[data-report="${reportId}"]`);
    await item.waitFor();
    expect(await item.textContent()).to.contain('Harassment').and.contain('kept insulting me');
    await item.click();
    await t.page.locator('#report-title').waitFor();
    const evidence = await t.page.locator('.evidence-msg').evaluateAll((els) => els.map((e) => [e.classList.contains('reported') ? 'reported' : 'reporter', e.querySelector('.evidence-text')?.textContent]));
    expect(evidence).to.deep.equal([['reported', 'you are pathetic'], ['reporter', 'please stop'], ['reported', 'make me']]);

    await t.page.getByLabel('Note').fill('repeated insults');
    await t.page.getByLabel('Ban for').selectOption('168');
    await t.page.getByRole('button', { name: 'Ban', exact: true }).click();
    await t.page.getByRole('button', { name: /Confirm ban \(7 days\)/ }).click();
    await t.page.locator('.facts dd', { hasText: 'Banned' }).waitFor();
    // The queue reloads after the decision is shown: wait for the report to leave it.
    await t.page.locator(`[data-report="${reportId}"]`).waitFor({ state: 'detached' });
    expect(await t.page.locator(`[data-report="${reportId}"]`).count()).to.equal(0);

    const api = await http(server, 'GET', `/api/v1/admin/reports/${reportId}`, { token: mod.access_token });
    expect(api.body).to.include({ status: 'resolved', action: 'ban', resolved_by: mod.uid, resolution_note: 'repeated insults' });
    const me = await http(server, 'GET', '/api/v1/user/me', { token: reported.token });
    expect(me.status).to.equal(403);
    expect(Date.parse(me.body.error.until) - Date.now()).to.be.within(167 * 3_600_000, 169 * 3_600_000);
    expect(t.errors).to.deep.equal([]);
  });

  it('finds a banned user among the resolved reports and lifts the ban after a confirmation, with no axe findings', async () => {
    const { member, reportId } = await reportedRoom('hate');
    const banned = await http(server, 'POST', `/api/v1/admin/reports/${reportId}/resolve`, { token: mod.access_token, body: { action: 'ban', note: 'slur' } });
    expect(banned.status).to.equal(200);
    expect((await login(server, credentialsReq(member.login_id, member.password))).status).to.equal(403);

    const t = await signIn(mod);
    await t.page.getByRole('tab', { name: 'Resolved' }).click();
    const item = t.page.locator(`[data-report="${reportId}"]`);
    await item.waitFor();
    expect(await item.textContent()).to.contain('Banned');
    await item.click();
    await t.page.getByRole('heading', { name: 'Lift the ban' }).waitFor();
    expect(await axeProblems(t.page), 'report with a ban').to.deep.equal([]);

    await t.page.getByRole('button', { name: 'Unban', exact: true }).click();
    const confirm = t.page.getByRole('button', { name: `Confirm unban of ${member.uid.slice(0, 8)}` });
    expect(await t.page.evaluate('document.activeElement?.id')).to.equal('confirm-unban');
    expect((await login(server, credentialsReq(member.login_id, member.password))).status, 'still banned before the confirmation').to.equal(403);
    await confirm.click();
    await t.page.locator('#unban-done', { hasText: 'Ban lifted' }).waitFor();
    expect(await axeProblems(t.page), 'after the unban').to.deep.equal([]);

    expect((await login(server, credentialsReq(member.login_id, member.password))).status).to.equal(200);
    expect(t.errors).to.deep.equal([]);
  });

  it('dismisses a report and lists it among the resolved', async () => {
    const { reportId } = await reportedRoom('spam');
    const t = await signIn(mod);
    await t.page.locator(`[data-report="${reportId}"]`).click();
    await t.page.getByRole('button', { name: 'Dismiss' }).click();
    await t.page.locator('.facts dd', { hasText: 'Dismissed' }).waitFor();
    await t.page.getByRole('tab', { name: 'Resolved' }).click();
    const resolved = t.page.locator(`[data-report="${reportId}"]`);
    await resolved.waitFor();
    expect(await resolved.textContent()).to.contain('Dismissed');
    expect(t.errors).to.deep.equal([]);
  });

  it('turns away an account without a staff role, and a wrong password', async () => {
    const member = await registerMember(server);
    const t = await signIn(member);
    await t.page.locator('#denied-title').waitFor();
    expect(await t.page.locator('#desk-view').isHidden()).to.equal(true);

    const wrong = await signIn({ ...mod, password: 'not the password' });
    await wrong.page.locator('#login-error', { hasText: 'Wrong login id or password.' }).waitFor();
  });

  it('is served with the same strict Content-Security-Policy as the other pages', async () => {
    const r = await fetch(`${server.url}/admin`);
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-security-policy')).to.contain("script-src 'self'");
    expect(await r.text()).to.not.match(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
