import { expect } from 'chai';
import bcrypt from 'bcrypt';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, emit, http } from '../support/clients.js';
import { credentialsReq, login, platformReq, register, registerMember, uniqueEmail, PASSWORD } from '../support/members.js';

/** Each test's requests seem to come from their own address (TRUST_PROXY=1 in these servers). */
let n = 0;
const freshIp = () => `198.51.100.${(++n % 250) + 1}`;
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
const socketFrom = (ip: string) => ({ extraHeaders: { 'x-forwarded-for': ip } });

describe('security: one client cannot spray logins or stall everyone else\'s', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ TRUST_PROXY: '1', RATE_AUTH_CLIENT: '5/600' });
  });
  after(async () => server?.close());

  it('limits password checks per client address across login ids (spraying), with Retry-After, and leaves other addresses alone', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await http(server, 'POST', '/api/v1/auth/sessions', { body: credentialsReq(uniqueEmail(), 'wrong password'), ...from(ip) })).status);
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401]);
    const sixth = await http(server, 'POST', '/api/v1/auth/sessions', { body: credentialsReq(uniqueEmail(), 'wrong password'), ...from(ip) });
    expect(sixth.status).to.equal(429);
    expect(sixth.body.code).to.equal('RATE_LIMITED');
    expect(Number(sixth.headers.get('retry-after'))).to.be.greaterThan(0);
    const m = await registerMember(server);
    expect((await http(server, 'POST', '/api/v1/auth/sessions', { body: credentialsReq(m.login_id), ...from(freshIp()) })).status).to.equal(200);
  });

  it('shares that budget between REST and the /auth socket login, and counts registrations too', async () => {
    const ip = freshIp();
    const socket = await connect(server, '/auth', undefined, socketFrom(ip));
    try {
      expect((await http(server, 'POST', '/api/v1/auth/register', { body: credentialsReq(uniqueEmail()), ...from(ip) })).status).to.equal(200);
      expect((await emit(socket, 'login', credentialsReq(uniqueEmail(), 'wrong password'))).error!.code).to.equal('UNAUTHENTICATED');
      expect((await emit(socket, 'register', credentialsReq(uniqueEmail()))).ok).to.equal(true);
      expect((await http(server, 'POST', '/api/v1/auth/sessions', { body: credentialsReq(uniqueEmail(), 'wrong password'), ...from(ip) })).status).to.equal(401);
      expect((await emit(socket, 'login', credentialsReq(uniqueEmail(), 'wrong password'))).error!.code).to.equal('UNAUTHENTICATED');
      const sixth = await emit(socket, 'login', credentialsReq(uniqueEmail(), 'wrong password'));
      expect(sixth.error!.code).to.equal('RATE_LIMITED');
      expect(sixth.error!.retry_after).to.be.greaterThan(0);
      expect((await http(server, 'POST', '/api/v1/auth/register', { body: credentialsReq(uniqueEmail()), ...from(ip) })).status).to.equal(429);
    } finally {
      socket.close();
    }
  });

  it('keys platform logins on the address alone: made-up login ids buy no fresh allowance', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    // An unconfigured provider answers 400, after the limit is taken.
    for (let i = 0; i < 6; i++) statuses.push((await http(server, 'POST', '/api/v1/auth/sessions', { body: platformReq(uniqueEmail(), 'apple', 'a.b.c'), ...from(ip) })).status);
    expect(statuses).to.deep.equal([400, 400, 400, 400, 400, 429]);
  });

  it('counts password changes against the address too', async () => {
    const ip = freshIp();
    const m = await registerMember(server);
    const change = () =>
      http(server, 'PUT', '/api/v1/user/me/password', {
        token: m.access_token,
        body: { current_password: 'not it at all', new_password: 'another one 1', new_password_confirm: 'another one 1' },
        ...from(ip),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await change()).status);
    expect(statuses).to.deep.equal([403, 403, 403, 403, 403, 429]);
  });
});

describe('security: passwords of any script, in full', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  it('accepts 128 CJK characters and checks every one of them (no truncation at 72 bytes)', async () => {
    const pw = '密'.repeat(128);
    const m = await registerMember(server, uniqueEmail(), pw);
    expect((await login(server, credentialsReq(m.login_id, pw))).status).to.equal(200);
    expect((await login(server, credentialsReq(m.login_id, `${'密'.repeat(127)}碼`))).status).to.equal(401);
  });

  it('treats the NFD and NFC spellings of a password as the same password, through both doors', async () => {
    const nfc = 'Café Müller 1'.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    expect(nfd).to.not.equal(nfc);
    const m = await registerMember(server, uniqueEmail(), nfc);
    expect((await login(server, credentialsReq(m.login_id, nfd))).status).to.equal(200);
    const socket = await connect(server, '/auth');
    try {
      expect((await emit(socket, 'login', credentialsReq(m.login_id, nfd))).ok).to.equal(true);
    } finally {
      socket.close();
    }
  });

  it('still verifies a password hashed before the pre-hash scheme (plain bcrypt)', async () => {
    const m = await registerMember(server);
    await server.app.db.knex('member_accounts').where({ user_id: m.uid }).update({ password_hash: await bcrypt.hash(PASSWORD, 4) });
    expect((await login(server, credentialsReq(m.login_id))).status).to.equal(200);
    expect((await login(server, credentialsReq(m.login_id, 'wrong password'))).status).to.equal(401);
  });
});

describe('security: one client address for both doors behind a proxy (TRUST_PROXY)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ TRUST_PROXY: '1', RATE_ANON_LOGIN: '2/600' });
  });
  after(async () => server?.close());

  it('gives socket clients behind the proxy their own buckets, shared with their REST calls', async () => {
    const sockets = await Promise.all([freshIp(), freshIp(), freshIp()].map((ip) => connect(server, '/auth', undefined, socketFrom(ip))));
    const shared = freshIp();
    const twin = await connect(server, '/auth', undefined, socketFrom(shared));
    try {
      // Three clients behind one proxy, one login each: nobody shares a bucket.
      for (const s of sockets) expect((await emit(s, 'anon_login', { name: 'x' })).ok).to.equal(true);
      // One client, REST and socket: one bucket.
      expect((await http(server, 'POST', '/api/v1/auth/anon', { body: { name: 'x' }, ...from(shared) })).status).to.equal(200);
      expect((await emit(twin, 'anon_login', { name: 'x' })).ok).to.equal(true);
      expect((await emit(twin, 'anon_login', { name: 'x' })).error!.code).to.equal('RATE_LIMITED');
      expect((await http(server, 'POST', '/api/v1/auth/anon', { body: { name: 'x' }, ...from(shared) })).status).to.equal(429);
    } finally {
      for (const s of [...sockets, twin]) s.close();
    }
  });

  it('believes only the hops it was told to: an address the client wrote itself further left is ignored', async () => {
    const ip = freshIp();
    for (let i = 0; i < 2; i++) {
      const spoof = `10.0.0.${i + 1}, ${ip}`; // the client wrote 10.0.0.x, our proxy appended ip
      expect((await http(server, 'POST', '/api/v1/auth/anon', { body: { name: 'x' }, headers: { 'x-forwarded-for': spoof } })).status).to.equal(200);
    }
    expect((await http(server, 'POST', '/api/v1/auth/anon', { body: { name: 'x' }, headers: { 'x-forwarded-for': `10.9.9.9, ${ip}` } })).status).to.equal(429);
  });
});

describe('security: token answers are never cached', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  it('sends Cache-Control: no-store with every token response', async () => {
    const anon = await http(server, 'POST', '/api/v1/auth/anon', { body: { name: 'x' } });
    const refreshed = await http(server, 'POST', '/api/v1/auth/refresh', { body: { token: anon.body.refresh_token } });
    const reg = await register(server, credentialsReq(uniqueEmail()));
    const sessionRefresh = await http(server, 'POST', '/api/v1/auth/sessions/refresh', { body: { access_token: reg.body.access_token, refresh_token: reg.body.refresh_token } });
    for (const r of [anon, refreshed, reg, sessionRefresh]) {
      expect(r.status).to.equal(200);
      expect(r.headers.get('cache-control')).to.equal('no-store');
    }
    const user = await anonLogin(server);
    expect((await http(server, 'GET', '/api/v1/user/me', { token: user.token })).headers.get('cache-control')).to.equal('no-store');
  });
});
