import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, http, matchedPair } from '../support/clients.js';
import { registerMember } from '../support/members.js';
import { auditByActor, report, staff } from '../support/moderation.js';
import type { Member } from '../support/members.js';

describe('moderation API: roles, the report queue and resolutions', () => {
  let server: TestServer;
  let mod: Member;
  let admin: Member;
  before(async () => {
    server = await startServer();
    mod = await staff(server, 'moderator');
    admin = await staff(server, 'admin');
  });
  after(async () => server?.close());

  const get = (token: string, path: string) => http(server, 'GET', `/api/v1/admin${path}`, { token });
  const post = (token: string, path: string, body: unknown) => http(server, 'POST', `/api/v1/admin${path}`, { token, body });

  it('refuses everyone but moderators and admins with 403 (401 without a token)', async () => {
    const user = await anonLogin(server);
    const member = await registerMember(server);
    const id = randomUUID();
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/reports'],
      ['GET', `/reports/${id}`],
      ['POST', `/reports/${id}/resolve`, { action: 'dismiss' }],
      ['POST', `/users/${id}/ban`, { reason: 'x' }],
      ['DELETE', `/users/${id}/ban`],
      ['PUT', `/users/${id}/role`, { role: 'admin' }],
    ];
    for (const [method, path, body] of calls) {
      for (const token of [user.token, member.access_token]) {
        const r = await http(server, method, `/api/v1/admin${path}`, { token, body });
        expect(r.status, `${method} ${path}`).to.equal(403);
        expect(r.body.code).to.equal('FORBIDDEN');
      }
      expect((await http(server, method, `/api/v1/admin${path}`, { body })).status).to.equal(401);
    }
  });

  it('shows the role in GET /user/me', async () => {
    expect((await http(server, 'GET', '/api/v1/user/me', { token: mod.access_token })).body).to.include({ role: 'moderator', user_status: 'active' });
    expect((await http(server, 'GET', '/api/v1/user/me', { token: admin.access_token })).body.role).to.equal('admin');
  });

  it('lists open reports oldest first, paged, without evidence; one report has its evidence oldest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { a, roomId } = await matchedPair(server);
      await http(server, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: a.token, body: { content: `first ${i}`, client_msg_id: randomUUID() } });
      await http(server, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: a.token, body: { content: `second ${i}`, client_msg_id: randomUUID() } });
      ids.push((await report(server, a.token, roomId, { reason: 'spam', note: `n${i}` })).body.report_id);
    }
    const all = await get(mod.access_token, '/reports?page_size=100');
    const mine = all.body.data.filter((r: { report_id: string }) => ids.includes(r.report_id)).map((r: { report_id: string }) => r.report_id);
    expect(mine).to.deep.equal(ids);
    const created = all.body.data.map((r: { created_at: string }) => r.created_at);
    expect([...created].sort()).to.deep.equal(created);
    expect(all.body.data[0]).to.not.have.property('evidence');
    const page = await get(mod.access_token, '/reports?page_size=1&page_index=2');
    expect(page.body.pager).to.include({ page: 2, pageSize: 1, total: all.body.pager.total });
    expect(page.body.data).to.have.length(1);
    const one = await get(mod.access_token, `/reports/${ids[1]}`);
    expect(one.status).to.equal(200);
    expect(one.body).to.include({ report_id: ids[1], reason: 'spam', note: 'n1', status: 'open', action: null, resolved_at: null, resolved_by: null });
    expect(one.body.evidence.map((m: { content: string }) => m.content)).to.deep.equal(['first 1', 'second 1']);
    expect(one.body.evidence[0]).to.have.keys(['message_id', 'room_id', 'uid', 'content', 'timestamp', 'seq']);
  });

  it('answers 400 naming the fields for a bad queue query, 404 for an unknown report', async () => {
    const r = await get(mod.access_token, '/reports?status=closed&page_size=0');
    expect(r.status).to.equal(400);
    expect(r.body.error.map((e: { field: string }) => e.field).sort()).to.deep.equal(['page_size', 'status']);
    expect((await get(mod.access_token, `/reports/${randomUUID()}`)).status).to.equal(404);
  });

  it('dismisses a report once (409 after) and lists it among the resolved', async () => {
    const { a, roomId } = await matchedPair(server);
    const id = (await report(server, a.token, roomId)).body.report_id;
    const r = await post(mod.access_token, `/reports/${id}/resolve`, { action: 'dismiss', note: 'banter' });
    expect(r.status).to.equal(200);
    expect(r.body).to.include({ report_id: id, status: 'resolved', action: 'dismiss', resolved_by: mod.uid, resolution_note: 'banter' });
    expect(Date.parse(r.body.resolved_at)).to.be.a('number').and.not.NaN;
    expect((await post(mod.access_token, `/reports/${id}/resolve`, { action: 'dismiss' })).status).to.equal(409);
    const resolved = await get(mod.access_token, '/reports?status=resolved&page_size=100');
    expect(resolved.body.data.map((x: { report_id: string }) => x.report_id)).to.include(id);
    const open = await get(mod.access_token, '/reports?page_size=100');
    expect(open.body.data.map((x: { report_id: string }) => x.report_id)).to.not.include(id);
  });

  it('answers 400 naming the fields for a bad resolution, 404 for an unknown report', async () => {
    const { a, roomId } = await matchedPair(server);
    const id = (await report(server, a.token, roomId)).body.report_id;
    const r = await post(mod.access_token, `/reports/${id}/resolve`, { action: 'punish', duration_hours: 0 });
    expect(r.status).to.equal(400);
    expect(r.body.error.map((e: { field: string }) => e.field).sort()).to.deep.equal(['action', 'duration_hours']);
    expect((await post(mod.access_token, `/reports/${id}/resolve`, { action: 'ban', duration_hours: 8761 })).status).to.equal(400);
    expect((await post(mod.access_token, `/reports/${randomUUID()}/resolve`, { action: 'dismiss' })).status).to.equal(404);
  });

  it('resolving with ban bans the reported member for the given hours', async () => {
    const reported = await registerMember(server);
    const reporter = await anonLogin(server);
    await http(server, 'POST', '/api/v1/matchmaking/join', { token: reported.access_token });
    const roomId = (await http(server, 'POST', '/api/v1/matchmaking/join', { token: reporter.token })).body.room_id;
    const id = (await report(server, reporter.token, roomId, { reason: 'violence' })).body.report_id;
    const r = await post(mod.access_token, `/reports/${id}/resolve`, { action: 'ban', duration_hours: 24 });
    expect(r.body).to.include({ status: 'resolved', action: 'ban' });
    const login = await http(server, 'POST', '/api/v1/auth/sessions', {
      body: { auth_method: 'credentials', login_id: reported.login_id, credentials: { password: reported.password, account_type: 'any' } },
    });
    expect(login.status).to.equal(403);
    expect(login.body.error.reason).to.equal('banned');
    const hours = (Date.parse(login.body.error.until) - Date.now()) / 3_600_000;
    expect(hours).to.be.within(23.9, 24.1);
  });

  it('changes roles (admins only); a moderator gets 403; the new role works', async () => {
    const m = await registerMember(server);
    const byMod = await http(server, 'PUT', `/api/v1/admin/users/${m.uid}/role`, { token: mod.access_token, body: { role: 'moderator' } });
    expect(byMod.status).to.equal(403);
    const r = await http(server, 'PUT', `/api/v1/admin/users/${m.uid}/role`, { token: admin.access_token, body: { role: 'moderator' } });
    expect(r.body).to.deep.equal({ uid: m.uid, role: 'moderator' });
    const again = await http(server, 'POST', '/api/v1/auth/sessions', {
      body: { auth_method: 'credentials', login_id: m.login_id, credentials: { password: m.password, account_type: 'any' } },
    });
    expect((await get(again.body.access_token, '/reports')).status).to.equal(200);
    const bad = await http(server, 'PUT', `/api/v1/admin/users/${m.uid}/role`, { token: admin.access_token, body: { role: 'root' } });
    expect(bad.status).to.equal(400);
    expect(bad.body.error[0].field).to.equal('role');
    expect((await http(server, 'PUT', `/api/v1/admin/users/${randomUUID()}/role`, { token: admin.access_token, body: { role: 'user' } })).status).to.equal(404);
  });

  it('takes a role away at once: the demoted moderator\'s next call answers 403, inside the session cache window', async () => {
    const m = await staff(server, 'moderator');
    expect((await get(m.access_token, '/reports')).status).to.equal(200); // now cached as a moderator
    const r = await http(server, 'PUT', `/api/v1/admin/users/${m.uid}/role`, { token: admin.access_token, body: { role: 'user' } });
    expect(r.status).to.equal(200);
    const after = await get(m.access_token, '/reports');
    expect(after.status).to.equal(403);
    expect((await http(server, 'GET', '/api/v1/user/me', { token: m.access_token })).body).to.include({ role: 'user', user_status: 'active' });
  });

  it('records every moderation action in the audit log with who did it', async () => {
    const a2 = await staff(server, 'admin');
    const target = await registerMember(server);
    const { a, roomId } = await matchedPair(server);
    const id = (await report(server, a.token, roomId)).body.report_id;
    await http(server, 'PUT', `/api/v1/admin/users/${target.uid}/role`, { token: a2.access_token, body: { role: 'moderator' } });
    await http(server, 'PUT', `/api/v1/admin/users/${target.uid}/role`, { token: a2.access_token, body: { role: 'user' } });
    await post(a2.access_token, `/users/${target.uid}/ban`, { reason: 'test' });
    await http(server, 'DELETE', `/api/v1/admin/users/${target.uid}/ban`, { token: a2.access_token });
    await post(a2.access_token, `/reports/${id}/resolve`, { action: 'dismiss' });
    const events = (await auditByActor(server, a2.uid)).map((e) => e.event);
    expect(events).to.deep.equal(['role_changed', 'role_changed', 'user_banned', 'user_unbanned', 'report_resolved']);
    const cli = await auditByActor(server, 'cli');
    expect(cli.some((e) => e.event === 'role_changed' && e.detail.target === a2.uid && e.detail.role === 'admin')).to.equal(true);
  });
});
