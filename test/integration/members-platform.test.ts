import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startServer, type TestServer } from '../support/server.js';
import { http, sleep } from '../support/clients.js';
import { startOidcIssuer, type OidcIssuer } from '../support/oidc-issuer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { credentialsReq, login, platformReq, register, registerMember, uniqueEmail, uniquePhone, verifiedEmail } from '../support/members.js';

const PROVIDERS = ['google', 'apple', 'line'] as const;

describe('member accounts: platform login and registration', () => {
  let idp: OidcIssuer;
  let hook: WebhookReceiver;
  let server: TestServer;

  before(async () => {
    idp = await startOidcIssuer();
    hook = await startWebhookReceiver();
    const provider = (prefix: string, idVar: string) => ({ [idVar]: idp.audience, [`${prefix}_ISSUER`]: idp.issuer, [`${prefix}_JWKS_URL`]: idp.jwksUrl });
    server = await startServer({
      NOTIFY_WEBHOOK_URL: hook.url,
      ...provider('GOOGLE', 'GOOGLE_CLIENT_ID'),
      ...provider('APPLE', 'APPLE_CLIENT_ID'),
      // LINE goes through its verify endpoint, as in production.
      ...provider('LINE', 'LINE_CHANNEL_ID'),
      LINE_VERIFY_URL: idp.verifyUrl,
    });
  });
  after(async () => {
    await server?.close();
    await hook?.close();
    await idp?.close();
  });

  const subject = () => `sub-${randomUUID()}`;

  for (const provider of PROVIDERS) {
    it(`registers with ${provider === 'apple' ? 'an' : 'a'} ${provider} ID token, then logs in with a new token for the same subject`, async () => {
      const sub = subject();
      const loginId = uniqueEmail(provider);
      const reg = await register(server, platformReq(loginId, provider, await idp.sign({ sub, ...verifiedEmail(loginId) }, { alg: provider === 'apple' ? 'ES256' : 'RS256' })));
      expect(reg.status).to.equal(200);
      expect(reg.body).to.have.all.keys('uid', 'access_token', 'refresh_token', 'token_type');
      const me = await http(server, 'GET', '/api/v1/user/me', { token: reg.body.access_token });
      expect(me.body.platform).to.equal(provider);
      expect(me.body.email).to.equal(loginId);
      expect(me.body.is_email_verified).to.equal(true);
      const again = await login(server, platformReq(loginId, provider, await idp.sign({ sub })));
      expect(again.status).to.equal(200);
      expect(again.body.uid).to.equal(reg.body.uid);
    });
  }

  it('takes the e-mail of a LINE token as verified by LINE (LINE sends no email_verified flag)', async () => {
    const email = uniqueEmail('line');
    const r = await register(server, platformReq(email, 'line', await idp.sign({ sub: subject(), email })));
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    const other = await register(server, platformReq(uniqueEmail('victim'), 'line', await idp.sign({ sub: subject(), email: uniqueEmail('own') })));
    expect(other.status).to.equal(400);
  });

  it('checks LINE tokens through the configured verify endpoint', async () => {
    const before = idp.requests.verify;
    const email = uniqueEmail();
    const r = await register(server, platformReq(email, 'line', await idp.sign({ sub: subject(), ...verifiedEmail(email) })));
    expect(r.status).to.equal(200);
    expect(idp.requests.verify).to.equal(before + 1);
  });

  it('finds the member by provider and subject, not by the login_id sent with the login', async () => {
    const sub = subject();
    const email = uniqueEmail();
    const reg = await register(server, platformReq(email, 'google', await idp.sign({ sub, ...verifiedEmail(email) })));
    const r = await login(server, platformReq(uniqueEmail('other'), 'google', await idp.sign({ sub })));
    expect(r.status).to.equal(200);
    expect(r.body.uid).to.equal(reg.body.uid);
  });

  it('keeps the same subject at two providers apart', async () => {
    const sub = subject();
    const [ge, ae] = [uniqueEmail(), uniqueEmail()];
    const g = await register(server, platformReq(ge, 'google', await idp.sign({ sub, ...verifiedEmail(ge) })));
    const a = await register(server, platformReq(ae, 'apple', await idp.sign({ sub, ...verifiedEmail(ae) })));
    expect(g.status).to.equal(200);
    expect(a.status).to.equal(200);
    expect(a.body.uid).to.not.equal(g.body.uid);
  });

  it('answers 401 to a platform login whose subject was never registered, and audits it', async () => {
    const r = await login(server, platformReq(uniqueEmail(), 'google', await idp.sign({ sub: subject() })));
    expect(r.status).to.equal(401);
    expect(r.body.code).to.equal('UNAUTHENTICATED');
    expect(r.body.message).to.match(/register first/);
    const row = await server.app.db.knex('audit_events').where({ event: 'login_failed' }).whereRaw("detail->>'reason' = 'not_registered'").first();
    expect(row).to.not.equal(undefined);
  });

  it('answers 409 when the platform account is already registered', async () => {
    const sub = subject();
    const [first, second] = [uniqueEmail(), uniqueEmail()];
    expect((await register(server, platformReq(first, 'google', await idp.sign({ sub, ...verifiedEmail(first) })))).status).to.equal(200);
    const r = await register(server, platformReq(second, 'google', await idp.sign({ sub, ...verifiedEmail(second) })));
    expect(r.status).to.equal(409);
    expect(r.body.code).to.equal('CONFLICT');
  });

  it('answers 409 when the provider-verified login id is already registered (by any method)', async () => {
    const m = await registerMember(server);
    const r = await register(server, platformReq(m.login_id.toUpperCase(), 'google', await idp.sign({ sub: subject(), ...verifiedEmail(m.login_id) })));
    expect(r.status).to.equal(409);
    expect(r.body.message).to.match(/login_id is already registered/);
  });

  it('marks the e-mail verified when the provider vouches for that same address', async () => {
    const email = uniqueEmail();
    const r = await register(server, platformReq(email, 'google', await idp.sign({ sub: subject(), email: email.toUpperCase(), email_verified: true })));
    const me = await http(server, 'GET', '/api/v1/user/me', { token: r.body.access_token });
    expect(me.body.is_email_verified).to.equal(true);
  });

  describe('refuses a login id the provider does not vouch for, and leaves it to its owner', () => {
    // [label, the login id sent, claims about e-mail in the token (besides sub)]
    const cases: Array<[string, () => string, (loginId: string) => Record<string, unknown>]> = [
      ['an e-mail address the provider has not verified', () => uniqueEmail('unverified'), (id) => ({ email: id, email_verified: false })],
      ['an e-mail address without an email_verified claim', () => uniqueEmail('noclaim'), (id) => ({ email: id })],
      ["someone else's e-mail address (the token verifies another)", () => uniqueEmail('victim'), () => verifiedEmail(uniqueEmail('own'))],
      ['a phone number', uniquePhone, () => verifiedEmail(uniqueEmail('own'))],
      ['an address when the token carries no e-mail at all', () => uniqueEmail('bare'), () => ({})],
    ];
    for (const [label, makeId, claims] of cases) {
      it(`answers 400 naming login_id to ${label}; the owner can still register it`, async () => {
        const loginId = makeId();
        const sub = subject();
        const r = await register(server, platformReq(loginId, 'google', await idp.sign({ sub, ...claims(loginId) })));
        expect(r.status, JSON.stringify(r.body)).to.equal(400);
        expect(r.body.code).to.equal('INVALID_ARGUMENT');
        expect(r.body.message).to.match(/login_id must be the e-mail address your provider verified/);
        expect(r.body.error).to.deep.equal([{ field: 'login_id', message: r.body.message }]);
        expect(await server.app.db.knex('member_accounts').where({ login_id: loginId }).first()).to.equal(undefined);
        expect(await server.app.db.knex('platform_identities').where({ provider: 'google', subject: sub }).first()).to.equal(undefined);
        const owner = await register(server, credentialsReq(loginId));
        expect(owner.status, JSON.stringify(owner.body)).to.equal(200);
      });
    }

    it('says so when the token carries no verified e-mail address', async () => {
      const r = await register(server, platformReq(uniqueEmail(), 'apple', await idp.sign({ sub: subject() }, { alg: 'ES256' })));
      expect(r.status).to.equal(400);
      expect(r.body.message).to.match(/this apple token carries no verified e-mail address/);
    });

    it('does not tell whether an address it refuses is registered', async () => {
      const m = await registerMember(server);
      const r = await register(server, platformReq(m.login_id, 'google', await idp.sign({ sub: subject(), ...verifiedEmail(uniqueEmail()) })));
      expect(r.status).to.equal(400);
      expect(r.body.code).to.equal('INVALID_ARGUMENT');
    });
  });

  describe('refuses tokens that do not verify, through the HTTP endpoint', () => {
    before(async () => {
      // A genuine account for subject "x" at every provider, so a bad token's 401 is not just "not registered".
      for (const provider of PROVIDERS) {
        const email = uniqueEmail();
        const r = await register(server, platformReq(email, provider, await idp.sign({ sub: 'x', ...verifiedEmail(email) })));
        if (r.status !== 200) throw new Error(`setup failed for ${provider}: ${JSON.stringify(r.body)}`);
      }
    });

    const bad: Array<[string, () => Promise<string>]> = [
      ['a token for another audience', () => idp.sign({ sub: 'x' }, { audience: 'someone-else' })],
      ['a token from another issuer', () => idp.sign({ sub: 'x' }, { issuer: 'https://evil.example.com' })],
      ['an expired token', () => idp.sign({ sub: 'x' }, { expiresIn: -120 })],
      ['an unsigned token', async () => idp.unsigned({ sub: 'x' })],
      ['a token signed with a foreign key', () => idp.sign({ sub: 'x' }, { foreignKey: true })],
      ['a token that is not a JWT at all', async () => 'not-a-jwt'],
    ];
    for (const provider of PROVIDERS) {
      for (const [label, make] of bad) {
        it(`refuses ${label} for ${provider} on register and login with 401, creating nothing`, async () => {
          const loginId = uniqueEmail();
          const token = await make();
          // The subject of every bad token is "x": register it properly once so login *would* find it.
          const reg = await register(server, platformReq(loginId, provider, token));
          expect(reg.status, `register: ${JSON.stringify(reg.body)}`).to.equal(401);
          expect(reg.body.code).to.equal('UNAUTHENTICATED');
          const log = await login(server, platformReq(loginId, provider, token));
          expect(log.status).to.equal(401);
          expect(await server.app.db.knex('member_accounts').where({ login_id: loginId }).first()).to.equal(undefined);
        });
      }
    }
  });

  describe('platform-only accounts (no password)', () => {
    let loginId: string;
    let token: string;
    before(async () => {
      loginId = uniqueEmail('plat');
      const r = await register(server, platformReq(loginId, 'google', await idp.sign({ sub: subject(), ...verifiedEmail(loginId) })));
      token = r.body.access_token;
    });

    it('cannot log in with a password: the same 401 as a wrong password', async () => {
      const r = await login(server, credentialsReq(loginId, 'any password 1'));
      expect(r.status).to.equal(401);
      expect(r.body).to.deep.equal({ code: 'UNAUTHENTICATED', message: 'wrong login_id or password' });
    });

    it('gets 200 for a password reset request, but no code is sent', async () => {
      const r = await http(server, 'POST', '/api/v1/auth/password-resets/request', { body: { identifier: loginId, account_type: 'email' } });
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal({ code: 'OK', message: 'ok' });
      await sleep(300);
      expect(hook.received.filter((n) => n.to === loginId)).to.deep.equal([]);
    });

    it('fails the reset step with 400, like a wrong code', async () => {
      const r = await http(server, 'PUT', '/api/v1/auth/password-resets', {
        body: { identifier: loginId, verify_code: '123456', password: 'new password 1', password_confirm: 'new password 1' },
      });
      expect(r.status).to.equal(400);
      expect(r.body.message).to.match(/code is invalid or has expired/);
    });

    it('answers 403 to a password change', async () => {
      const r = await http(server, 'PUT', '/api/v1/user/me/password', {
        token,
        body: { current_password: 'whatever1', new_password: 'new password 1', new_password_confirm: 'new password 1' },
      });
      expect(r.status).to.equal(403);
      expect(r.body.code).to.equal('FORBIDDEN');
    });
  });
});

describe('member accounts: unconfigured platform providers', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  for (const provider of PROVIDERS) {
    it(`answers 400 with a clear message when ${provider} is not configured`, async () => {
      for (const send of [register, login]) {
        const r = await send(server, platformReq(uniqueEmail(), provider, 'a.b.c'));
        expect(r.status).to.equal(400);
        expect(r.body.code).to.equal('INVALID_ARGUMENT');
        expect(r.body.message).to.equal(`${provider} login is not configured on this server`);
      }
    });
  }
});
