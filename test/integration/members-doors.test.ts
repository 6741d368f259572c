import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { startServer, type TestServer } from '../support/server.js';
import { connect, emit, http, type AckResult, type HttpResult } from '../support/clients.js';
import { startOidcIssuer, type OidcIssuer } from '../support/oidc-issuer.js';
import { credentialsReq, PASSWORD, platformReq, registerMember, uniqueEmail, uniquePhone, verifiedEmail } from '../support/members.js';

/** The REST answer in the socket's shape, so both doors can be compared field by field. */
const asAck = (r: HttpResult): AckResult => (r.status < 300 ? { ok: true, data: r.body } : { ok: false, error: r.body });
const shape = (a: AckResult) => (a.ok ? { ok: true, keys: Object.keys(a.data).sort() } : { ok: false, error: a.error });

describe('member accounts through both doors (REST and the /auth socket)', () => {
  let server: TestServer;
  let idp: OidcIssuer;
  let socket: Socket;
  before(async () => {
    idp = await startOidcIssuer();
    server = await startServer({ GOOGLE_CLIENT_ID: idp.audience, GOOGLE_ISSUER: idp.issuer, GOOGLE_JWKS_URL: idp.jwksUrl });
    socket = await connect(server, '/auth');
  });
  after(async () => {
    socket?.close();
    await server?.close();
    await idp?.close();
  });

  const rest = async (path: string, body: unknown) => asAck(await http(server, 'POST', `/api/v1/auth${path}`, { body }));

  it('registers over the socket with the same LoginResp as over REST, and the tokens work on REST', async () => {
    const viaRest = await rest('/register', credentialsReq(uniqueEmail()));
    const viaSocket = await emit(socket, 'register', credentialsReq(uniqueEmail()));
    expect(shape(viaSocket)).to.deep.equal(shape(viaRest));
    expect(viaSocket.data.token_type).to.equal('Bearer');
    const me = await http(server, 'GET', '/api/v1/user/me', { token: viaSocket.data.access_token });
    expect(me.body.uid).to.equal(viaSocket.data.uid);
  });

  it('logs in over the socket with the same LoginResp as over REST', async () => {
    const m = await registerMember(server);
    const viaRest = await rest('/sessions', credentialsReq(m.login_id));
    const viaSocket = await emit(socket, 'login', credentialsReq(m.login_id));
    expect(shape(viaSocket)).to.deep.equal(shape(viaRest));
    expect(viaSocket.data.uid).to.equal(m.uid);
  });

  it('registers and logs in with a platform token over the socket', async () => {
    const sub = `sub-${uniqueEmail()}`;
    const email = uniqueEmail();
    const reg = await emit(socket, 'register', platformReq(email, 'google', await idp.sign({ sub, ...verifiedEmail(email) })));
    expect(reg.ok, JSON.stringify(reg)).to.equal(true);
    const viaSocket = await emit(socket, 'login', platformReq(uniqueEmail(), 'google', await idp.sign({ sub })));
    const viaRest = await rest('/sessions', platformReq(uniqueEmail(), 'google', await idp.sign({ sub })));
    expect(shape(viaSocket)).to.deep.equal(shape(viaRest));
    expect(viaSocket.data.uid).to.equal(reg.data.uid);
  });

  it('refreshes over the socket with the same RefreshTokenResp as over REST', async () => {
    const a = await registerMember(server);
    const b = await registerMember(server);
    const viaRest = await rest('/sessions/refresh', { access_token: a.access_token, refresh_token: a.refresh_token });
    const viaSocket = await emit(socket, 'session_refresh', { access_token: b.access_token, refresh_token: b.refresh_token });
    expect(shape(viaSocket)).to.deep.equal(shape(viaRest));
    expect(shape(viaSocket)).to.deep.equal({ ok: true, keys: ['access_token', 'refresh_token', 'token_type'] });
  });

  it('treats a retired refresh token the same way at both doors: refresh over REST, replay over the socket', async () => {
    const m = await registerMember(server);
    const r1 = await rest('/sessions/refresh', { access_token: m.access_token, refresh_token: m.refresh_token });
    await emit(socket, 'session_refresh', { access_token: r1.data.access_token, refresh_token: r1.data.refresh_token });
    const replay = await emit(socket, 'session_refresh', { access_token: m.access_token, refresh_token: m.refresh_token });
    expect(replay.ok).to.equal(false);
    expect(replay.error!.code).to.equal('UNAUTHENTICATED');
  });

  it('refuses over the socket a platform registration of an address the provider does not vouch for; its owner then registers it', async () => {
    for (const loginId of [uniqueEmail('victim'), uniquePhone()]) {
      const reg = await emit(socket, 'register', platformReq(loginId, 'google', await idp.sign({ sub: `sub-${uniqueEmail()}`, ...verifiedEmail(uniqueEmail()) })));
      expect(reg.ok).to.equal(false);
      expect(reg.error!.code).to.equal('INVALID_ARGUMENT');
      expect(reg.error!.error).to.deep.equal([{ field: 'login_id', message: reg.error!.message }]);
      const owner = await emit(socket, 'register', credentialsReq(loginId));
      expect(owner.ok, JSON.stringify(owner)).to.equal(true);
    }
  });

  const errorCases: Array<[string, string, string, () => Promise<unknown>]> = [
    ['a duplicate registration (409)', 'register', '/register', async () => credentialsReq((await registerMember(server)).login_id)],
    ['a wrong password (401)', 'login', '/sessions', async () => credentialsReq((await registerMember(server)).login_id, 'wrong password')],
    ['an unknown login id (401)', 'login', '/sessions', async () => credentialsReq(uniqueEmail(), PASSWORD)],
    ['an invalid payload (400 with the same field list)', 'register', '/register', async () => ({ auth_method: 'credentials', login_id: 'nope', credentials: { password: 'short' } })],
    ['a password over 128 characters (400)', 'login', '/sessions', async () => credentialsReq(uniqueEmail(), 'x'.repeat(129))],
    ['an unconfigured provider (400)', 'login', '/sessions', async () => platformReq(uniqueEmail(), 'apple', 'a.b.c')],
    ['a bad platform token (401)', 'register', '/register', async () => platformReq(uniqueEmail(), 'google', idp.unsigned({ sub: 'x' }))],
    ['a platform login id the provider did not verify (400 naming login_id)', 'register', '/register', async () =>
      platformReq(uniqueEmail(), 'google', await idp.sign({ sub: `sub-${uniqueEmail()}`, email_verified: false }))],
    ['a refresh pair of two sessions (401)', 'session_refresh', '/sessions/refresh', async () => {
      const [a, b] = [await registerMember(server), await registerMember(server)];
      return { access_token: a.access_token, refresh_token: b.refresh_token };
    }],
  ];
  for (const [label, event, path, make] of errorCases) {
    it(`answers ${label} with the same error at both doors`, async () => {
      const body = await make();
      const viaRest = await rest(path, body);
      const viaSocket = await emit(socket, event, body);
      expect(viaRest.ok).to.equal(false);
      expect(viaSocket).to.deep.equal(viaRest);
    });
  }

  it('answers a payload that is not an object with INVALID_ARGUMENT and keeps the socket connected', async () => {
    const r = await emit(socket, 'login', 'not an object');
    expect(r.ok).to.equal(false);
    expect(r.error!.code).to.equal('INVALID_ARGUMENT');
    expect(socket.connected).to.equal(true);
  });
});

describe('member rate limits through both doors', () => {
  let server: TestServer;
  let socket: Socket;
  before(async () => {
    server = await startServer({ RATE_AUTH_LOGIN: '1/60' });
    socket = await connect(server, '/auth');
  });
  after(async () => {
    socket?.close();
    await server?.close();
  });

  it('answers RATE_LIMITED with retry_after on the socket where REST answers 429 with Retry-After', async () => {
    const id = uniqueEmail();
    expect((await emit(socket, 'login', credentialsReq(id))).error!.code).to.equal('UNAUTHENTICATED');
    const viaSocket = await emit(socket, 'login', credentialsReq(id));
    const viaRest = await http(server, 'POST', '/api/v1/auth/sessions', { body: credentialsReq(id) });
    expect(viaRest.status).to.equal(429);
    expect(viaSocket.error!.code).to.equal('RATE_LIMITED');
    expect(viaSocket.error!.retry_after).to.be.within(1, 60);
    expect(Number(viaRest.headers.get('retry-after'))).to.be.within(1, 60);
  });
});
