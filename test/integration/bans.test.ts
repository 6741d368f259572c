import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startServer, type TestServer } from '../support/server.js';
import { connect, http, waitFor, emit } from '../support/clients.js';
import { movableClock, registerMember, credentialsReq } from '../support/members.js';
import { ban, staff } from '../support/moderation.js';
import type { Member } from '../support/members.js';

/** Anonymous logins from a chosen address (TRUST_PROXY=1), so address bans stay within a test. */
const anonFrom = async (s: TestServer, ip: string, name = 'anon') => {
  const r = await http(s, 'POST', '/api/v1/auth/anon', { body: { name }, headers: { 'x-forwarded-for': ip } });
  return r;
};

describe('bans', () => {
  let server: TestServer;
  let mod: Member;
  let admin: Member;
  const clock = movableClock();
  before(async () => {
    server = await startServer({ TRUST_PROXY: '1' }, { clock });
    mod = await staff(server, 'moderator');
    admin = await staff(server, 'admin');
  });
  after(async () => server?.close());

  const loginAgain = (m: Member) => http(server, 'POST', '/api/v1/auth/sessions', { body: credentialsReq(m.login_id, m.password) });

  it('takes effect at once: sessions revoked (403 banned), sockets dropped, open room closed, queue left', async () => {
    const m = await registerMember(server);
    const partner = await anonFrom(server, '10.1.0.1');
    await http(server, 'POST', '/api/v1/matchmaking/join', { token: m.access_token });
    const roomId = (await http(server, 'POST', '/api/v1/matchmaking/join', { token: partner.body.token })).body.room_id as string;
    const sm = await connect(server, '/rooms', m.access_token);
    const sp = await connect(server, '/rooms', partner.body.token);
    const dropped = new Promise<string>((resolve) => sm.once('disconnect', resolve));
    const closed = waitFor(sp, 'room_closed');
    const r = await ban(server, mod.access_token, m.uid, { reason: 'threats' });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ uid: m.uid, user_status: 'banned', banned_until: null });
    expect(await dropped).to.equal('io server disconnect');
    expect(await closed).to.deep.equal({ room_id: roomId, by: m.uid });
    sp.close();
    const me = await http(server, 'GET', '/api/v1/user/me', { token: m.access_token });
    expect(me.status).to.equal(403);
    expect(me.body).to.deep.include({ code: 'FORBIDDEN', error: { reason: 'banned', until: null } });
  });

  it('refuses login, both refreshes and the socket handshake with 403 {reason: "banned", until}', async () => {
    const m = await registerMember(server);
    const r = await ban(server, mod.access_token, m.uid, { reason: 'spam', duration_hours: 2 });
    const until = r.body.banned_until as string;
    expect(Date.parse(until) - clock.now()).to.be.within(2 * 3_600_000 - 5000, 2 * 3_600_000 + 5000);
    const expectBanned = (res: { status: number; body: any }) => {
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('FORBIDDEN');
      expect(res.body.error).to.deep.equal({ reason: 'banned', until });
    };
    expectBanned(await loginAgain(m));
    expectBanned(await http(server, 'POST', '/api/v1/auth/sessions/refresh', { body: { access_token: m.access_token, refresh_token: m.refresh_token } }));
    expectBanned(await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: m.refresh_token } }));
    const err = await connect(server, '/rooms', m.access_token).then(
      () => null,
      (e: Error & { data?: any }) => e,
    );
    expect(err?.message).to.equal('FORBIDDEN');
    expect(err?.data).to.deep.include({ code: 'FORBIDDEN', error: { reason: 'banned', until } });
    const auth = await connect(server, '/auth');
    const ack = await emit(auth, 'login', credentialsReq(m.login_id, m.password));
    auth.close();
    expect(ack.ok).to.equal(false);
    expect(ack.error).to.deep.include({ code: 'FORBIDDEN', error: { reason: 'banned', until } });
  });

  it('ends when its hours are over: the member logs in again and is active', async () => {
    const m = await registerMember(server);
    await ban(server, mod.access_token, m.uid, { reason: 'cool off', duration_hours: 1 });
    expect((await loginAgain(m)).status).to.equal(403);
    clock.shift(3_600_000 + 1000);
    try {
      const again = await loginAgain(m);
      expect(again.status).to.equal(200);
      expect((await http(server, 'GET', '/api/v1/user/me', { token: again.body.access_token })).body.user_status).to.equal('active');
    } finally {
      clock.shift(-(3_600_000 + 1000));
    }
  });

  it('unban lets the member log in again; 404 for nobody', async () => {
    const m = await registerMember(server);
    await ban(server, mod.access_token, m.uid);
    const r = await http(server, 'DELETE', `/api/v1/admin/users/${m.uid}/ban`, { token: mod.access_token });
    expect(r.body).to.deep.equal({ uid: m.uid, user_status: 'active', banned_until: null });
    expect((await loginAgain(m)).status).to.equal(200);
    expect((await http(server, 'DELETE', `/api/v1/admin/users/${randomUUID()}/ban`, { token: mod.access_token })).status).to.equal(404);
  });

  it('a banned anonymous user\'s address gets no new anonymous identity until the ban ends; other addresses do', async () => {
    const u = await anonFrom(server, '10.2.0.9');
    await ban(server, mod.access_token, u.body.uid, { reason: 'abuse', duration_hours: 1 });
    const again = await anonFrom(server, '10.2.0.9');
    expect(again.status).to.equal(403);
    expect(again.body.error.reason).to.equal('banned');
    expect((await anonFrom(server, '10.2.0.10')).status).to.equal(200);
    clock.shift(3_600_000 + 1000);
    try {
      expect((await anonFrom(server, '10.2.0.9')).status).to.equal(200);
    } finally {
      clock.shift(-(3_600_000 + 1000));
    }
  });

  it('removes a waiting user from the matchmaking pool', async () => {
    const m = await registerMember(server);
    expect((await http(server, 'POST', '/api/v1/matchmaking/join', { token: m.access_token })).body.status).to.equal('waiting');
    await ban(server, mod.access_token, m.uid);
    const other = await anonFrom(server, '10.3.0.1');
    expect((await http(server, 'POST', '/api/v1/matchmaking/join', { token: other.body.token })).body.status).to.equal('waiting');
    await http(server, 'POST', '/api/v1/matchmaking/leave', { token: other.body.token });
  });

  it('answers 400 naming the fields for bad input, 400 for yourself, 404 for nobody, 403 for a moderator banning staff', async () => {
    const bad = await ban(server, mod.access_token, randomUUID(), { duration_hours: 'soon' });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.map((e: { field: string }) => e.field).sort()).to.deep.equal(['duration_hours', 'reason']);
    expect((await ban(server, mod.access_token, mod.uid)).status).to.equal(400);
    expect((await ban(server, mod.access_token, randomUUID())).status).to.equal(404);
    const forbidden = await ban(server, mod.access_token, admin.uid);
    expect(forbidden.status).to.equal(403);
    expect((await loginAgain(admin)).status).to.equal(200);
  });
});
