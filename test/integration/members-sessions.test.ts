import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { connect, http } from '../support/clients.js';
import { decode, forgeWithServerKey, TEST_SECRET, unsignedToken } from '../support/tokens.js';
import { auditEvents, loginMember, registerMember, type Member } from '../support/members.js';

const refresh = (s: TestServer, body: unknown) => http(s, 'POST', '/api/v1/auth/sessions/refresh', { body });
const me = (s: TestServer, token: string) => http(s, 'GET', '/api/v1/user/me', { token });
const pairOf = (m: { access_token: string; refresh_token: string }) => ({ access_token: m.access_token, refresh_token: m.refresh_token });

describe('member sessions', () => {
  let server: TestServer;
  before(async () => {
    // A long session cache: revocation must still be immediate, because revoking clears it.
    server = await startServer({ JWT_SECRET: TEST_SECRET, SESSION_CACHE_MS: '60000' });
  });
  after(async () => server?.close());

  describe('POST /api/v1/auth/sessions/refresh', () => {
    it('answers RefreshTokenResp with a new pair that works', async () => {
      const m = await registerMember(server);
      const r = await refresh(server, pairOf(m));
      expect(r.status).to.equal(200);
      expect(r.body).to.have.all.keys('access_token', 'refresh_token', 'token_type');
      expect(r.body.token_type).to.equal('Bearer');
      expect(r.body.refresh_token).to.not.equal(m.refresh_token);
      expect(decode(r.body.access_token).gen).to.equal(1);
      expect((await me(server, r.body.access_token)).body.uid).to.equal(m.uid);
    });

    it('answers the same new pair to a retry inside the grace window, and the session lives on', async () => {
      const m = await registerMember(server);
      const first = await refresh(server, pairOf(m));
      const retry = await refresh(server, pairOf(m));
      expect(retry.status).to.equal(200);
      expect(retry.body).to.deep.equal(first.body);
      expect((await me(server, first.body.access_token)).status).to.equal(200);
      const next = await refresh(server, pairOf(first.body));
      expect(next.status).to.equal(200);
    });

    it('treats a retired refresh token shown again as theft: 401, the whole session revoked, and audited', async () => {
      const m = await registerMember(server);
      const r1 = await refresh(server, pairOf(m));
      const r2 = await refresh(server, pairOf(r1.body));
      expect(r2.status).to.equal(200);
      // m's refresh token is two generations old now: no grace for it.
      const stolen = await refresh(server, pairOf(m));
      expect(stolen.status).to.equal(401);
      expect(stolen.body.code).to.equal('UNAUTHENTICATED');
      expect((await me(server, r2.body.access_token)).status).to.equal(401);
      expect((await refresh(server, pairOf(r2.body))).status).to.equal(401);
      expect(await auditEvents(server, m.uid)).to.include('refresh_token_reuse');
    });

    it('accepts an expired access token as long as its signature is ours', async () => {
      const m = await registerMember(server);
      const c = decode(m.access_token);
      const now = Math.floor(Date.now() / 1000);
      const expired = forgeWithServerKey({ sub: c.sub, sid: c.sid, gen: c.gen, knd: 'member', typ: 'access', iat: now - 3600, exp: now - 1800 });
      expect((await me(server, expired)).status).to.equal(401);
      const r = await refresh(server, { access_token: expired, refresh_token: m.refresh_token });
      expect(r.status).to.equal(200);
    });

    it('refuses an access token of another session', async () => {
      const a = await registerMember(server);
      const b = await loginMember(server, a);
      const r = await refresh(server, { access_token: b.access_token, refresh_token: a.refresh_token });
      expect(r.status).to.equal(401);
      expect(r.body.message).to.match(/same session/);
      // Nothing rotated: the proper pair still refreshes.
      expect((await refresh(server, pairOf(a))).status).to.equal(200);
    });

    it('refuses forged, unsigned and malformed tokens', async () => {
      const m = await registerMember(server);
      const c = decode(m.access_token);
      const forged = forgeWithServerKey({ sub: c.sub, sid: c.sid, gen: 0, knd: 'member', typ: 'access', iat: c.iat, exp: c.exp }, 'another-secret-that-is-long-enough-000000');
      const cases = [
        { access_token: forged, refresh_token: m.refresh_token },
        { access_token: unsignedToken({ sub: c.sub, sid: c.sid, gen: 0, knd: 'member', typ: 'access', iat: c.iat, exp: c.exp }), refresh_token: m.refresh_token },
        { access_token: m.refresh_token, refresh_token: m.refresh_token },
        { access_token: m.access_token, refresh_token: `${m.refresh_token.slice(0, -2)}xx` },
        { access_token: m.access_token, refresh_token: m.access_token },
      ];
      for (const body of cases) {
        const r = await refresh(server, body);
        expect(r.status, JSON.stringify(r.body)).to.equal(401);
        expect(r.body.code).to.equal('UNAUTHENTICATED');
      }
      expect((await refresh(server, pairOf(m))).status).to.equal(200);
    });
  });

  describe('DELETE /api/v1/auth/sessions (log out)', () => {
    it('ends the caller’s session at once: its access and refresh tokens stop working', async () => {
      const m = await registerMember(server);
      expect((await me(server, m.access_token)).status).to.equal(200); // cached as active
      const r = await http(server, 'DELETE', '/api/v1/auth/sessions', { token: m.access_token });
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal({ code: 'OK', message: 'ok' });
      expect((await me(server, m.access_token)).status).to.equal(401);
      expect((await refresh(server, pairOf(m))).status).to.equal(401);
      expect(await auditEvents(server, m.uid)).to.include('session_logout');
    });

    it('leaves the user’s other sessions alone', async () => {
      const a = await registerMember(server);
      const b = await loginMember(server, a);
      await http(server, 'DELETE', '/api/v1/auth/sessions', { token: a.access_token });
      expect((await me(server, b.access_token)).status).to.equal(200);
    });

    it('disconnects the session’s sockets', async () => {
      const m = await registerMember(server);
      const socket = await connect(server, '/matchmaking', m.access_token);
      const gone = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
      await http(server, 'DELETE', '/api/v1/auth/sessions', { token: m.access_token });
      expect(await gone).to.equal('io server disconnect');
      let err: Error | null = null;
      await connect(server, '/matchmaking', m.access_token).catch((e: Error) => (err = e));
      expect(err!.message).to.equal('UNAUTHENTICATED');
    });

    it('needs a valid access token', async () => {
      expect((await http(server, 'DELETE', '/api/v1/auth/sessions')).status).to.equal(401);
    });
  });

  describe('revocation', () => {
    let a: Member;
    let b: Member;
    beforeEach(async () => {
      a = await registerMember(server);
      b = await loginMember(server, a);
      expect((await me(server, b.access_token)).status).to.equal(200); // b's session is now cached as active
    });

    it('stops a revoked session’s access token at once, despite the session cache (password change)', async () => {
      const r = await http(server, 'PUT', '/api/v1/user/me/password', {
        token: a.access_token,
        body: { current_password: a.password, new_password: 'brand new pw 1', new_password_confirm: 'brand new pw 1' },
      });
      expect(r.status).to.equal(200);
      const after = await me(server, b.access_token);
      expect(after.status).to.equal(401);
      expect(after.body.message).to.match(/session has ended/);
    });

    it('refuses to refresh a logged-out session, even with a genuine expired access token', async () => {
      await http(server, 'DELETE', '/api/v1/auth/sessions', { token: b.access_token });
      const c = decode(b.access_token);
      const now = Math.floor(Date.now() / 1000);
      const expired = forgeWithServerKey({ sub: c.sub, sid: c.sid, gen: c.gen, knd: 'member', typ: 'access', iat: now - 3600, exp: now - 1800 });
      expect((await refresh(server, { access_token: expired, refresh_token: b.refresh_token })).status).to.equal(401);
      expect((await refresh(server, pairOf(b))).status).to.equal(401);
      expect((await refresh(server, pairOf(a))).status).to.equal(200);
    });
  });
});
