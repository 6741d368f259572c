import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, emit, http } from '../support/clients.js';
import { decode, forgeWithServerKey, TEST_SECRET, unsignedToken } from '../support/tokens.js';

describe('anonymous login and tokens', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ JWT_SECRET: TEST_SECRET });
  });
  after(async () => server?.close());

  describe('POST /api/v1/auth/anon', () => {
    it('answers AnonLoginResp with an access token, a real-time token, a refresh token and expire_at in seconds', async () => {
      const r = await http(server, 'POST', '/api/v1/auth/anon', { body: { name: '  Ann  ' } });
      expect(r.status).to.equal(200);
      expect(r.body).to.have.all.keys('uid', 'token', 'centrifugo_token', 'refresh_token', 'expire_at');
      const now = Math.floor(Date.now() / 1000);
      expect(r.body.expire_at).to.be.within(now + 890, now + 910);
      expect(decode(r.body.token).exp).to.equal(r.body.expire_at);
      expect(r.body.token).to.not.equal(r.body.centrifugo_token);
    });

    it('uses the access token on REST', async () => {
      const u = await anonLogin(server);
      const r = await http(server, 'GET', '/api/v1/matchmaking/status', { token: u.token });
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal({ status: 'idle' });
    });

    for (const [label, body, field] of [
      ['a missing name', {}, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a name of only spaces', { name: '    ' }, 'name'],
      ['a name over 32 characters', { name: 'x'.repeat(33) }, 'name'],
      ['a number as name', { name: 42 }, 'name'],
      ['a name with control characters', { name: 'bad\u0007name' }, 'name'],
      ['a name with a newline', { name: 'two\nlines' }, 'name'],
    ] as const) {
      it(`rejects ${label} with 400 INVALID_ARGUMENT naming the field`, async () => {
        const r = await http(server, 'POST', '/api/v1/auth/anon', { body });
        expect(r.status).to.equal(400);
        expect(r.body.code).to.equal('INVALID_ARGUMENT');
        expect(r.body.error).to.be.an('array');
        expect(r.body.error.map((e: { field: string }) => e.field)).to.include(field);
      });
    }

    it('accepts a 32-character name counted in characters, not UTF-16 units', async () => {
      const r = await http(server, 'POST', '/api/v1/auth/anon', { body: { name: '😀'.repeat(32) } });
      expect(r.status).to.equal(200);
    });

    for (const raw of ['null', '[]', '"name"', '42']) {
      it(`rejects the body ${raw} with 400`, async () => {
        const r = await http(server, 'POST', '/api/v1/auth/anon', { raw });
        expect(r.status).to.equal(400);
        expect(r.body.code).to.equal('INVALID_ARGUMENT');
      });
    }
  });

  describe('POST /api/v1/auth/refresh', () => {
    it('rotates a refresh token: new tokens, and the old refresh token stops working', async () => {
      const u = await anonLogin(server);
      const r1 = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      expect(r1.status).to.equal(200);
      expect(r1.body.uid).to.equal(u.uid);
      expect(r1.body.refresh_token).to.not.equal(u.refresh_token);
      const r2 = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: r1.body.refresh_token } });
      expect(r2.status).to.equal(200);
      // r1's token is now two generations old: outside any grace, it is refused.
      const again = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      expect(again.status).to.equal(401);
      expect(again.body.code).to.equal('UNAUTHENTICATED');
    });

    it('rejects a retired refresh token and revokes its whole family', async () => {
      const u = await anonLogin(server);
      const r1 = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      const r2 = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: r1.body.refresh_token } });
      expect(r2.status).to.equal(200);
      const reuse = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      expect(reuse.status).to.equal(401);
      // The thief's reuse killed the session: the legitimate newest tokens are dead too.
      const newest = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: r2.body.refresh_token } });
      expect(newest.status).to.equal(401);
      const api = await http(server, 'GET', '/api/v1/matchmaking/status', { token: r2.body.token });
      expect(api.status).to.equal(401);
    });

    it('gives the same new pair to a retry of the same refresh inside the grace window', async () => {
      const u = await anonLogin(server);
      const r1 = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      const retry = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      expect(retry.status).to.equal(200);
      expect(retry.body).to.deep.equal(r1.body);
      const api = await http(server, 'GET', '/api/v1/matchmaking/status', { token: r1.body.token });
      expect(api.status).to.equal(200);
    });

    it('accepts an expired but genuine access token and issues fresh tokens', async () => {
      const u = await anonLogin(server);
      const c = decode(u.token);
      const expired = forgeWithServerKey({ ...c, iat: c.iat - 3600, exp: Math.floor(Date.now() / 1000) - 60 });
      const denied = await http(server, 'GET', '/api/v1/matchmaking/status', { token: expired });
      expect(denied.status).to.equal(401);
      expect(denied.body.message).to.match(/expired/);
      const r = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: expired } });
      expect(r.status).to.equal(200);
      expect(r.body.uid).to.equal(u.uid);
      expect(decode(r.body.token).exp).to.be.greaterThan(Math.floor(Date.now() / 1000));
    });

    it('accepts the current access token too, and the old refresh token stops working afterwards', async () => {
      const u = await anonLogin(server);
      const r = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.token } });
      expect(r.status).to.equal(200);
      const r2 = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: r.body.refresh_token } });
      expect(r2.status).to.equal(200);
      const old = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      expect(old.status).to.equal(401);
    });

    it('rejects a token signed with another key', async () => {
      const u = await anonLogin(server);
      const forged = jwt.sign({ ...decode(u.token) }, 'some-other-secret-of-sufficient-length!!', { algorithm: 'HS256' });
      const r = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: forged } });
      expect(r.status).to.equal(401);
      const api = await http(server, 'GET', '/api/v1/matchmaking/status', { token: forged });
      expect(api.status).to.equal(401);
    });

    it('rejects an alg:none token on refresh, REST and the socket handshake', async () => {
      const u = await anonLogin(server);
      const none = unsignedToken(decode(u.token));
      expect((await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: none } })).status).to.equal(401);
      expect((await http(server, 'GET', '/api/v1/matchmaking/status', { token: none })).status).to.equal(401);
      const err = await connect(server, '/rooms', none).then(() => null, (e: Error) => e);
      expect(err?.message).to.equal('UNAUTHENTICATED');
    });

    it('rejects a refresh token with a forged MAC or generation', async () => {
      const u = await anonLogin(server);
      const [p, sid, , mac] = u.refresh_token.split('.');
      for (const token of [`${p}.${sid}.5.${mac}`, `${p}.${sid}.0.${mac!.slice(0, -2)}AA`, 'rt1.x.y.z', 'garbage']) {
        const r = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token } });
        expect(r.status, token).to.equal(401);
      }
    });

    it('rejects a missing, empty or non-string token with 400', async () => {
      for (const body of [{}, { token: '' }, { token: 123 }, { token: null }]) {
        const r = await http(server, 'POST', '/api/v1/auth/refresh', { body });
        expect(r.status, JSON.stringify(body)).to.equal(400);
      }
    });
  });

  describe('the real-time token', () => {
    it('opens sockets with either centrifugo_token or token', async () => {
      const u = await anonLogin(server);
      for (const t of [u.centrifugo_token, u.token]) {
        const s = await connect(server, '/matchmaking', t);
        const ack = await emit(s, 'status');
        expect(ack).to.deep.equal({ ok: true, data: { status: 'idle' } });
        s.close();
      }
    });

    it('is not accepted as a REST access token', async () => {
      const u = await anonLogin(server);
      const r = await http(server, 'GET', '/api/v1/matchmaking/status', { token: u.centrifugo_token });
      expect(r.status).to.equal(401);
    });

    it('refuses a handshake without a token with connect_error UNAUTHENTICATED', async () => {
      for (const ns of ['/matchmaking', '/rooms']) {
        const err = await connect(server, ns).then(() => null, (e: Error) => e);
        expect(err?.message, ns).to.equal('UNAUTHENTICATED');
      }
    });

    it('re-checks the token on reconnect: a revoked session cannot connect again', async () => {
      const u = await anonLogin(server);
      const s = await connect(server, '/rooms', u.token);
      s.close();
      // Revoke by reusing a retired refresh token (theft detection).
      const r1 = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: r1.body.refresh_token } });
      await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      const err = await connect(server, '/rooms', u.token).then(() => null, (e: Error) => e);
      expect(err?.message).to.equal('UNAUTHENTICATED');
    });

    it('disconnects open sockets of a session when it is revoked', async () => {
      const u = await anonLogin(server);
      const s = await connect(server, '/rooms', u.token);
      const gone = new Promise<string>((resolve) => s.once('disconnect', (reason) => resolve(reason)));
      const r1 = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: r1.body.refresh_token } });
      await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: u.refresh_token } });
      expect(await gone).to.equal('io server disconnect');
    });
  });

  describe('the /auth namespace', () => {
    it('logs in and refreshes through socket events with the same shapes as REST', async () => {
      const s = await connect(server, '/auth');
      const login = await emit(s, 'anon_login', { name: 'sock' });
      expect(login.ok).to.equal(true);
      expect(login.data).to.have.all.keys('uid', 'token', 'centrifugo_token', 'refresh_token', 'expire_at');
      const ref = await emit(s, 'refresh', { token: login.data.refresh_token });
      expect(ref.ok).to.equal(true);
      expect(ref.data.uid).to.equal(login.data.uid);
      const bad = await emit(s, 'refresh', { token: 'nope' });
      expect(bad.ok).to.equal(false);
      expect(bad.error?.code).to.equal('UNAUTHENTICATED');
      const rest = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: 'nope' } });
      expect(rest.body).to.deep.equal(bad.error);
      s.close();
    });
  });
});
