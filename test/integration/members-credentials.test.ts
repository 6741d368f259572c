import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, emit, http, waitFor } from '../support/clients.js';
import { decode } from '../support/tokens.js';
import { auditEvents, credentialsReq, login, PASSWORD, register, registerMember, uniqueEmail, uniquePhone } from '../support/members.js';

describe('member accounts: register and log in with credentials', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  describe('POST /api/v1/auth/register', () => {
    it('registers an e-mail login id and answers LoginResp with member tokens', async () => {
      const r = await register(server, credentialsReq(uniqueEmail(), PASSWORD, 'email'));
      expect(r.status).to.equal(200);
      expect(r.body).to.have.all.keys('uid', 'access_token', 'refresh_token', 'token_type');
      expect(r.body.token_type).to.equal('Bearer');
      const claims = decode(r.body.access_token);
      expect(claims.sub).to.equal(r.body.uid);
      expect(claims.knd).to.equal('member');
    });

    it('registers a phone login id with account_type phone', async () => {
      const r = await register(server, credentialsReq(uniquePhone(), PASSWORD, 'phone'));
      expect(r.status).to.equal(200);
      expect(r.body.token_type).to.equal('Bearer');
    });

    it('accepts both an e-mail address and a phone number with account_type any', async () => {
      expect((await register(server, credentialsReq(uniqueEmail(), PASSWORD, 'any'))).status).to.equal(200);
      expect((await register(server, credentialsReq(uniquePhone(), PASSWORD, 'any'))).status).to.equal(200);
    });

    it('stores the e-mail address lowercased and trimmed', async () => {
      const id = uniqueEmail();
      const r = await register(server, credentialsReq(`  ${id.toUpperCase()}  `));
      expect(r.status).to.equal(200);
      const me = await http(server, 'GET', '/api/v1/user/me', { token: r.body.access_token });
      expect(me.body.email).to.equal(id);
    });

    it('stores the phone number in canonical E.164 without spaces, dashes or parentheses', async () => {
      const phone = uniquePhone(); // +8869xxxxxxxx
      const typed = `${phone.slice(0, 4)} (${phone.slice(4, 7)}) ${phone.slice(7, 10)}-${phone.slice(10)}`;
      const r = await register(server, credentialsReq(typed, PASSWORD, 'phone'));
      expect(r.status).to.equal(200);
      const me = await http(server, 'GET', '/api/v1/user/me', { token: r.body.access_token });
      expect(me.body.phone_number).to.equal(phone);
    });

    it('answers 409 CONFLICT for a login id that is already registered, whatever its case', async () => {
      const id = uniqueEmail();
      await registerMember(server, id);
      const r = await register(server, credentialsReq(id.toUpperCase(), 'another password'));
      expect(r.status).to.equal(409);
      expect(r.body.code).to.equal('CONFLICT');
      expect(r.body.message).to.match(/already registered/);
    });

    it('answers 409 CONFLICT for a phone number already registered in another format', async () => {
      const phone = uniquePhone();
      await registerMember(server, phone);
      const r = await register(server, credentialsReq(`${phone.slice(0, 4)}-${phone.slice(4)}`, PASSWORD, 'phone'));
      expect(r.status).to.equal(409);
    });

    it('lets exactly one of several concurrent registrations of one login id win (unique in the database)', async () => {
      const id = uniqueEmail();
      const results = await Promise.all(Array.from({ length: 5 }, () => register(server, credentialsReq(id))));
      expect(results.map((r) => r.status).sort()).to.deep.equal([200, 409, 409, 409, 409]);
      const rows = await server.app.db.knex('member_accounts').where({ login_id: id }).count({ n: '*' });
      expect(Number(rows[0]!.n)).to.equal(1);
    });

    it('refuses a duplicate login id even when written straight into the database', async () => {
      const m = await registerMember(server);
      let err: unknown = null;
      try {
        await server.app.db.knex.transaction(async (trx) => {
          await trx('users').insert({ id: 'dup-user', kind: 'member', platform: 'credentials', name: '' });
          await trx('member_accounts').insert({ user_id: 'dup-user', login_id: m.login_id, login_type: 'email' });
        });
      } catch (e) {
        err = e;
      }
      expect((err as { code?: string } | null)?.code).to.equal('23505');
    });

    it('requires password_confirm to equal password', async () => {
      const r = await register(server, credentialsReq(uniqueEmail(), PASSWORD, 'any', 'something else'));
      expect(r.status).to.equal(400);
      expect(r.body.code).to.equal('INVALID_ARGUMENT');
      expect(r.body.error.map((e: { field: string }) => e.field)).to.deep.equal(['credentials.password_confirm']);
      expect(r.body.message).to.match(/password_confirm must equal password/);
    });

    it('refuses a password over 128 characters with a message that says so, and creates nothing', async () => {
      const id = uniqueEmail();
      const r = await register(server, credentialsReq(id, 'ü'.repeat(129)));
      expect(r.status).to.equal(400);
      expect(r.body.message).to.match(/at most 128 characters/);
      expect((await register(server, credentialsReq(id))).status).to.equal(200);
    });

    it('stores a versioned bcrypt hash of the pre-hashed password, never the password', async () => {
      const m = await registerMember(server);
      const row = await server.app.db.knex('member_accounts').where({ user_id: m.uid }).first();
      expect(row.password_hash).to.match(/^\$gby1\$\$2[aby]\$04\$/); // BCRYPT_COST=4 in tests
      expect(row.password_hash).to.not.include(PASSWORD);
    });
  });

  describe('POST /api/v1/auth/sessions', () => {
    it('logs in with the right password and answers a new session', async () => {
      const m = await registerMember(server);
      const r = await login(server, credentialsReq(m.login_id));
      expect(r.status).to.equal(200);
      expect(r.body).to.have.all.keys('uid', 'access_token', 'refresh_token', 'token_type');
      expect(r.body.uid).to.equal(m.uid);
      expect(decode(r.body.access_token).sid).to.not.equal(decode(m.access_token).sid);
    });

    it('logs in with a differently written form of the same login id', async () => {
      const phone = uniquePhone();
      await registerMember(server, phone);
      const r = await login(server, credentialsReq(`${phone.slice(0, 4)} ${phone.slice(4, 8)} ${phone.slice(8)}`, PASSWORD, 'phone'));
      expect(r.status).to.equal(200);
    });

    it('ignores password_confirm on login', async () => {
      const m = await registerMember(server);
      const r = await login(server, credentialsReq(m.login_id, PASSWORD, 'any', 'does not match'));
      expect(r.status).to.equal(200);
    });

    it('answers a wrong password and an unknown login id with the same 401 body', async () => {
      const m = await registerMember(server);
      const wrong = await login(server, credentialsReq(m.login_id, 'wrong password'));
      const unknown = await login(server, credentialsReq(uniqueEmail(), PASSWORD));
      expect(wrong.status).to.equal(401);
      expect(unknown.status).to.equal(401);
      expect(wrong.body).to.deep.equal(unknown.body);
      expect(wrong.body).to.deep.equal({ code: 'UNAUTHENTICATED', message: 'wrong login_id or password' });
    });

    it('refuses a password that only matches in its first 72 bytes (no bcrypt truncation)', async () => {
      const long = 'p'.repeat(72);
      const m = await registerMember(server, uniqueEmail(), `${long}extra`);
      const r = await login(server, credentialsReq(m.login_id, `${long}other`));
      expect(r.status).to.equal(401);
      expect((await login(server, credentialsReq(m.login_id, `${long}extra`))).status).to.equal(200);
    });

    it('checks the login id against account_type', async () => {
      const m = await registerMember(server);
      const r = await login(server, credentialsReq(m.login_id, PASSWORD, 'phone'));
      expect(r.status).to.equal(400);
      expect(r.body.error.map((e: { field: string }) => e.field)).to.deep.equal(['login_id']);
    });

    it('records failed logins in the audit log', async () => {
      const m = await registerMember(server);
      await login(server, credentialsReq(m.login_id, 'wrong password'));
      expect(await auditEvents(server, m.uid)).to.deep.equal(['login_failed']);
      const unknownId = uniqueEmail();
      await login(server, credentialsReq(unknownId, PASSWORD));
      const row = await server.app.db.knex('audit_events').where({ event: 'login_failed' }).whereRaw("detail->>'login_id' = ?", [unknownId]).first();
      expect(row).to.not.equal(undefined);
      expect(row.user_id).to.equal(null);
      expect(row.ip).to.be.a('string');
    });
  });

  describe('member tokens on the chat API', () => {
    it('joins matchmaking, gets matched with an anonymous user and sends a message over REST', async () => {
      const m = await registerMember(server);
      const anon = await anonLogin(server);
      expect((await http(server, 'POST', '/api/v1/matchmaking/join', { token: anon.token })).body.status).to.equal('waiting');
      const joined = await http(server, 'POST', '/api/v1/matchmaking/join', { token: m.access_token });
      expect(joined.status).to.equal(201);
      expect(joined.body.status).to.equal('matched');
      const sent = await http(server, 'POST', `/api/v1/rooms/${joined.body.room_id}/messages`, {
        token: m.access_token,
        body: { content: 'hello from a member', client_msg_id: 'm-1' },
      });
      expect(sent.status).to.equal(201);
      expect(sent.body.uid).to.equal(m.uid);
      const listed = await http(server, 'GET', `/api/v1/rooms/${joined.body.room_id}/messages`, { token: anon.token });
      expect(listed.body.data.map((x: { content: string }) => x.content)).to.deep.equal(['hello from a member']);
    });

    it('opens /matchmaking and /rooms sockets with a member access token and chats in real time', async () => {
      const m = await registerMember(server);
      const anon = await anonLogin(server);
      const mm = await connect(server, '/matchmaking', m.access_token);
      const rooms = await connect(server, '/rooms', m.access_token);
      try {
        const matched = waitFor(mm, 'matched');
        await http(server, 'POST', '/api/v1/matchmaking/join', { token: anon.token });
        const ack = await emit(mm, 'join');
        expect(ack.ok).to.equal(true);
        const { room_id } = await matched;
        const incoming = waitFor(rooms, 'message');
        await http(server, 'POST', `/api/v1/rooms/${room_id}/messages`, { token: anon.token, body: { content: 'hi member', client_msg_id: 'a-1' } });
        expect((await incoming).content).to.equal('hi member');
        const sent = await emit(rooms, 'send', { room_id, content: 'hi anon', client_msg_id: 'm-1' });
        expect(sent.ok).to.equal(true);
        expect(sent.data.uid).to.equal(m.uid);
      } finally {
        mm.close();
        rooms.close();
      }
    });
  });
});

describe('member accounts: rate limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ RATE_AUTH_LOGIN: '2/60', RATE_AUTH_REGISTER: '2/3600' });
  });
  after(async () => server?.close());

  it('limits logins per client address and login id, answering 429 with Retry-After', async () => {
    const m = await registerMember(server);
    for (let i = 0; i < 2; i++) expect((await login(server, credentialsReq(m.login_id, 'wrong password'))).status).to.equal(401);
    const r = await login(server, credentialsReq(m.login_id, PASSWORD));
    expect(r.status).to.equal(429);
    expect(r.body.code).to.equal('RATE_LIMITED');
    expect(Number(r.headers.get('retry-after'))).to.be.within(1, 60);
  });

  it('keeps other login ids from the same address usable while one is throttled', async () => {
    const r = await login(server, credentialsReq(uniqueEmail(), 'wrong password'));
    expect(r.status).to.equal(401);
  });

  it('limits registrations per client address, answering 429 with Retry-After', async () => {
    // The first test's registration used one point of this address's budget of two.
    expect((await register(server, credentialsReq(uniqueEmail()))).status).to.equal(200);
    const r = await register(server, credentialsReq(uniqueEmail()));
    expect(r.status).to.equal(429);
    expect(r.body.code).to.equal('RATE_LIMITED');
    expect(Number(r.headers.get('retry-after'))).to.be.within(1, 3600);
  });
});
