import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { http, sleep } from '../support/clients.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { auditEvents, credentialsReq, login, loginMember, movableClock, registerMember, uniqueEmail, uniquePhone, type Member } from '../support/members.js';

const OK = { code: 'OK', message: 'ok' };
const NEW_PASSWORD = 'a new password 9';

const requestReset = (s: TestServer, identifier: string, account_type = identifier.includes('@') ? 'email' : 'phone') =>
  http(s, 'POST', '/api/v1/auth/password-resets/request', { body: { identifier, account_type } });
const verify = (s: TestServer, identifier: string, verify_code: string) =>
  http(s, 'POST', '/api/v1/auth/password-resets/verify', { body: { identifier, verify_code } });
const reset = (s: TestServer, identifier: string, verify_code: string, password = NEW_PASSWORD, password_confirm = password) =>
  http(s, 'PUT', '/api/v1/auth/password-resets', { body: { identifier, verify_code, password, password_confirm } });
/** A 6-digit code that is certainly not `code`. */
const wrong = (code: string) => (code === '000000' ? '000001' : '000000');

describe('member accounts: password resets', () => {
  let hook: WebhookReceiver;
  let server: TestServer;
  const clock = movableClock();

  before(async () => {
    hook = await startWebhookReceiver();
    server = await startServer({ NOTIFY_WEBHOOK_URL: hook.url, SESSION_CACHE_MS: '60000' }, { clock });
  });
  after(async () => {
    await server?.close();
    await hook?.close();
  });

  /** A member and the reset code just sent to it. */
  async function memberWithCode(loginId = uniqueEmail()): Promise<{ m: Member; code: string }> {
    const m = await registerMember(server, loginId);
    expect((await requestReset(server, loginId)).status).to.equal(200);
    return { m, code: await hook.codeFor(loginId, 'password_reset') };
  }

  describe('POST /password-resets/request', () => {
    it('answers RespOK and e-mails a 6-digit code to an e-mail login id', async () => {
      const m = await registerMember(server);
      const r = await requestReset(server, m.login_id);
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal(OK);
      const n = await hook.waitFor({ to: m.login_id, purpose: 'password_reset' });
      expect(n.channel).to.equal('email');
      expect(n.code).to.match(/^\d{6}$/);
    });

    it('texts the code to a phone login id, written in any format', async () => {
      const phone = uniquePhone();
      await registerMember(server, phone);
      const r = await requestReset(server, `${phone.slice(0, 4)} ${phone.slice(4, 7)}-${phone.slice(7)}`, 'phone');
      expect(r.status).to.equal(200);
      const n = await hook.waitFor({ to: phone, purpose: 'password_reset' });
      expect(n.channel).to.equal('sms');
    });

    it('answers the same RespOK for an unknown account, and sends nothing', async () => {
      const id = uniqueEmail('ghost');
      const r = await requestReset(server, id);
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal(OK);
      await sleep(300);
      expect(hook.received.filter((n) => n.to === id)).to.deep.equal([]);
    });

    it('answers 429 with Retry-After to a second request within the cooldown, for known and unknown accounts alike', async () => {
      const m = await registerMember(server);
      const ghost = uniqueEmail('ghost');
      for (const id of [m.login_id, ghost]) {
        expect((await requestReset(server, id)).status).to.equal(200);
        const again = await requestReset(server, id);
        expect(again.status).to.equal(429);
        expect(again.body.code).to.equal('RATE_LIMITED');
        expect(Number(again.headers.get('retry-after'))).to.be.within(1, 60);
      }
      // Only the first request of the known account sent anything.
      await sleep(200);
      expect(hook.received.filter((n) => n.to === m.login_id)).to.have.length(1);
    });

    it('keeps the cooldown per identifier: another identifier is not held up', async () => {
      const a = await registerMember(server);
      const b = await registerMember(server);
      expect((await requestReset(server, a.login_id)).status).to.equal(200);
      expect((await requestReset(server, b.login_id)).status).to.equal(200);
    });

    it('records the request in the audit log', async () => {
      const { m } = await memberWithCode();
      expect(await auditEvents(server, m.uid)).to.deep.equal(['password_reset_requested']);
    });

    it('stores only a keyed hash of the code', async () => {
      const { m, code } = await memberWithCode();
      const row = await server.app.db.knex('verification_codes').where({ purpose: 'password_reset', identifier: m.login_id }).first();
      expect(row.code_hash).to.be.a('string');
      expect(row.code_hash).to.not.include(code);
      expect(JSON.stringify(row)).to.not.include(code);
    });
  });

  describe('POST /password-resets/verify', () => {
    it('answers RespOK for the right code and does not use it up', async () => {
      const { m, code } = await memberWithCode();
      expect((await verify(server, m.login_id, code)).body).to.deep.equal(OK);
      expect((await verify(server, m.login_id, code)).status).to.equal(200);
      expect((await reset(server, m.login_id, code)).status).to.equal(200);
    });

    it('answers 400 with a clear message for a wrong code', async () => {
      const { m, code } = await memberWithCode();
      const r = await verify(server, m.login_id, wrong(code));
      expect(r.status).to.equal(400);
      expect(r.body).to.deep.equal({ code: 'INVALID_ARGUMENT', message: 'the verification code is invalid or has expired; request a new one' });
    });

    it('answers the same 400 for an identifier that never got a code', async () => {
      const r = await verify(server, uniqueEmail('ghost'), '123456');
      expect(r.status).to.equal(400);
      expect(r.body.message).to.match(/invalid or has expired/);
    });

    it('kills the code after five wrong tries, even when the sixth is right', async () => {
      const { m, code } = await memberWithCode();
      for (let i = 0; i < 5; i++) expect((await verify(server, m.login_id, wrong(code))).status).to.equal(400);
      expect((await verify(server, m.login_id, code)).status).to.equal(400);
      expect((await reset(server, m.login_id, code)).status).to.equal(400);
    });

    it('still accepts the right code after four wrong tries', async () => {
      const { m, code } = await memberWithCode();
      for (let i = 0; i < 4; i++) await verify(server, m.login_id, wrong(code));
      expect((await verify(server, m.login_id, code)).status).to.equal(200);
    });

    it('counts wrong tries made on the reset step too', async () => {
      const { m, code } = await memberWithCode();
      for (let i = 0; i < 3; i++) await verify(server, m.login_id, wrong(code));
      for (let i = 0; i < 2; i++) expect((await reset(server, m.login_id, wrong(code))).status).to.equal(400);
      expect((await reset(server, m.login_id, code)).status).to.equal(400);
    });

    it('refuses a code after its 10 minutes are over', async () => {
      const { m, code } = await memberWithCode();
      clock.shift(590_000);
      expect((await verify(server, m.login_id, code)).status).to.equal(200);
      clock.shift(11_000);
      expect((await verify(server, m.login_id, code)).status).to.equal(400);
      expect((await reset(server, m.login_id, code)).status).to.equal(400);
    });

    it('counts at most five wrong tries even when guesses arrive all at once', async () => {
      const { m, code } = await memberWithCode();
      const answers = await Promise.all(Array.from({ length: 12 }, () => verify(server, m.login_id, wrong(code))));
      expect(answers.map((r) => r.status)).to.deep.equal(Array(12).fill(400));
      const row = await server.app.db.knex('verification_codes').where({ purpose: 'password_reset', identifier: m.login_id }).first();
      expect(row.attempts).to.equal(5);
      expect((await verify(server, m.login_id, code)).status).to.equal(400);
    });

    it('does not accept one identifier’s code for another identifier', async () => {
      const a = await memberWithCode();
      const b = await memberWithCode();
      if (a.code === b.code) return; // one chance in a million: nothing to tell apart
      expect((await verify(server, b.m.login_id, a.code)).status).to.equal(400);
    });
  });

  describe('PUT /password-resets', () => {
    it('sets the new password: the old one stops working and the new one logs in', async () => {
      const { m, code } = await memberWithCode();
      const r = await reset(server, m.login_id, code);
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal(OK);
      expect((await login(server, credentialsReq(m.login_id, m.password))).status).to.equal(401);
      expect((await login(server, credentialsReq(m.login_id, NEW_PASSWORD))).status).to.equal(200);
    });

    it('uses the code up: the same code cannot reset twice', async () => {
      const { m, code } = await memberWithCode();
      expect((await reset(server, m.login_id, code)).status).to.equal(200);
      const again = await reset(server, m.login_id, code, 'yet another pw 1');
      expect(again.status).to.equal(400);
      expect((await verify(server, m.login_id, code)).status).to.equal(400);
    });

    it('lets only one of several concurrent resets with the same code succeed', async () => {
      const { m, code } = await memberWithCode();
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => reset(server, m.login_id, code, `new password ${i}`)));
      expect(answers.map((r) => r.status).sort()).to.deep.equal([200, 400, 400, 400, 400, 400]);
    });

    it('revokes every session of the account at once', async () => {
      const { m, code } = await memberWithCode();
      const other = await loginMember(server, m);
      for (const t of [m.access_token, other.access_token]) expect((await http(server, 'GET', '/api/v1/user/me', { token: t })).status).to.equal(200);
      expect((await reset(server, m.login_id, code)).status).to.equal(200);
      for (const s of [m, other]) {
        expect((await http(server, 'GET', '/api/v1/user/me', { token: s.access_token })).status).to.equal(401);
        const r = await http(server, 'POST', '/api/v1/auth/sessions/refresh', { body: { access_token: s.access_token, refresh_token: s.refresh_token } });
        expect(r.status).to.equal(401);
      }
    });

    it('leaves the code usable when password_confirm differs (validation first)', async () => {
      const { m, code } = await memberWithCode();
      const bad = await reset(server, m.login_id, code, NEW_PASSWORD, 'not the same');
      expect(bad.status).to.equal(400);
      expect(bad.body.error.map((e: { field: string }) => e.field)).to.deep.equal(['password_confirm']);
      expect((await reset(server, m.login_id, code)).status).to.equal(200);
    });

    it('holds the new password to the same rules (128 characters at most)', async () => {
      const { m, code } = await memberWithCode();
      const bad = await reset(server, m.login_id, code, '😀'.repeat(129));
      expect(bad.status).to.equal(400);
      expect(bad.body.message).to.match(/at most 128 characters/);
    });

    it('marks the e-mail address verified, since the code reached it', async () => {
      const { m, code } = await memberWithCode();
      await reset(server, m.login_id, code);
      const again = await login(server, credentialsReq(m.login_id, NEW_PASSWORD));
      const me = await http(server, 'GET', '/api/v1/user/me', { token: again.body.access_token });
      expect(me.body.is_email_verified).to.equal(true);
    });

    it('records the reset and the revocation in the audit log', async () => {
      const { m, code } = await memberWithCode();
      await reset(server, m.login_id, code);
      expect(await auditEvents(server, m.uid)).to.deep.equal(['password_reset_requested', 'password_reset_done', 'sessions_revoked']);
    });
  });
});

describe('member accounts: a new code replaces the old one', () => {
  let hook: WebhookReceiver;
  let server: TestServer;
  before(async () => {
    hook = await startWebhookReceiver();
    server = await startServer({ NOTIFY_WEBHOOK_URL: hook.url, CODE_COOLDOWN: '0' });
  });
  after(async () => {
    await server?.close();
    await hook?.close();
  });

  /** Requests a reset code and waits for that very notification (not an earlier one). */
  async function freshCode(identifier: string): Promise<string> {
    const seen = hook.received.length;
    expect((await requestReset(server, identifier)).status).to.equal(200);
    return (await hook.waitFor((n) => n.to === identifier && hook.received.indexOf(n) >= seen)).code;
  }

  it('keeps one live code per identifier and purpose: the earlier code stops working', async () => {
    const m = await registerMember(server);
    const first = await freshCode(m.login_id);
    let second = await freshCode(m.login_id);
    if (second === first) second = await freshCode(m.login_id); // a one-in-a-million repeat
    expect((await verify(server, m.login_id, first)).status).to.equal(400);
    expect((await verify(server, m.login_id, second)).status).to.equal(200);
    const rows = await server.app.db.knex('verification_codes').where({ identifier: m.login_id });
    expect(rows).to.have.length(1);
  });

  it('gives a replacement code a fresh set of five tries', async () => {
    const m = await registerMember(server);
    const first = await freshCode(m.login_id);
    for (let i = 0; i < 5; i++) await verify(server, m.login_id, wrong(first));
    const second = await freshCode(m.login_id);
    expect((await verify(server, m.login_id, second)).status).to.equal(200);
  });
});
