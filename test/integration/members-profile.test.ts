import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, emit, http, sleep, waitFor } from '../support/clients.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { auditEvents, credentialsReq, login, loginMember, registerMember, uniquePhone } from '../support/members.js';

const USER_INFO_KEYS = [
  'platform', 'uid', 'avatar_url', 'full_name', 'nickname', 'gender_code', 'birthdate', 'phone_number', 'is_phone_verified',
  'email', 'is_email_verified', 'address', 'user_status', 'preferred_language', 'currency', 'national', 'post_code', 'carrier',
  'role', 'update_at', 'create_at', 'Authorization',
];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const OK = { code: 'OK', message: 'ok' };

describe('member accounts: profile, password change and verification', () => {
  let hook: WebhookReceiver;
  let server: TestServer;
  before(async () => {
    hook = await startWebhookReceiver();
    server = await startServer({ NOTIFY_WEBHOOK_URL: hook.url, SESSION_CACHE_MS: '60000' });
  });
  after(async () => {
    await server?.close();
    await hook?.close();
  });

  const getMe = (token?: string) => http(server, 'GET', '/api/v1/user/me', token ? { token } : {});
  const putMe = (token: string, body: unknown) => http(server, 'PUT', '/api/v1/user/me', { token, body });

  describe('GET /api/v1/user/me', () => {
    it('answers every UserInfoResp field for an e-mail member, unknown values empty and flags false', async () => {
      const m = await registerMember(server);
      const r = await getMe(m.access_token);
      expect(r.status).to.equal(200);
      expect(r.body).to.have.all.keys(...USER_INFO_KEYS);
      const { create_at, update_at, ...rest } = r.body;
      expect(create_at).to.match(ISO_UTC);
      expect(update_at).to.match(ISO_UTC);
      expect(Math.abs(Date.parse(create_at) - Date.now())).to.be.below(60_000);
      expect(rest).to.deep.equal({
        platform: 'credentials', uid: m.uid, avatar_url: '', full_name: '', nickname: '', gender_code: '', birthdate: '',
        phone_number: '', is_phone_verified: false, email: m.login_id, is_email_verified: false, address: '', user_status: 'active',
        preferred_language: '', currency: '', national: '', post_code: '', carrier: '', role: 'user', Authorization: '',
      });
    });

    it('shows a phone member’s number as phone_number and leaves email empty', async () => {
      const phone = uniquePhone();
      const m = await registerMember(server, phone);
      const r = await getMe(m.access_token);
      expect([r.body.phone_number, r.body.email]).to.deep.equal([phone, '']);
    });

    it('answers an anonymous user too, with platform and role anonymous and its name as nickname', async () => {
      const u = await anonLogin(server, 'Nemo');
      const r = await getMe(u.token);
      expect(r.status).to.equal(200);
      expect(r.body).to.have.all.keys(...USER_INFO_KEYS);
      expect([r.body.platform, r.body.role, r.body.nickname, r.body.uid, r.body.email]).to.deep.equal(['anonymous', 'user', 'Nemo', u.uid, '']);
    });

    it('answers 401 without a token or with a bad one', async () => {
      expect((await getMe()).status).to.equal(401);
      expect((await getMe('not-a-token')).status).to.equal(401);
    });

    it('answers 404 when the user no longer exists', async () => {
      const m = await registerMember(server);
      expect((await getMe(m.access_token)).status).to.equal(200); // session cached as active
      await server.app.db.knex('users').where({ id: m.uid }).del();
      const r = await getMe(m.access_token);
      expect(r.status).to.equal(404);
      expect(r.body.code).to.equal('NOT_FOUND');
    });
  });

  describe('PUT /api/v1/user/me', () => {
    const full = {
      avatar_url: 'https://cdn.example.com/a.png', full_name: 'Lin Mei', nickname: 'Mei', gender_code: 'female', birthdate: '1993-04-17',
      address: '1 Main Rd, Taipei', preferred_language: 'zh-tw', currency: 'TWD', national: 'TW', post_code: '100', carrier: '/ABC1234',
    };

    it('sets every updatable field and answers UserInfoResp', async () => {
      const m = await registerMember(server);
      const r = await putMe(m.access_token, full);
      expect(r.status).to.equal(200);
      expect(r.body).to.have.all.keys(...USER_INFO_KEYS);
      expect(r.body).to.include(full);
      expect((await getMe(m.access_token)).body).to.include(full);
    });

    it('changes only the fields present; null leaves a field alone and "" clears it', async () => {
      const m = await registerMember(server);
      await putMe(m.access_token, full);
      const r = await putMe(m.access_token, { nickname: 'Meimei', address: '', currency: null });
      expect(r.status).to.equal(200);
      expect(r.body).to.include({ ...full, nickname: 'Meimei', address: '' });
    });

    it('trims text fields', async () => {
      const m = await registerMember(server);
      const r = await putMe(m.access_token, { full_name: '  Lin Mei  ' });
      expect(r.body.full_name).to.equal('Lin Mei');
    });

    it('accepts every allowed value of the enumerated fields', async () => {
      const m = await registerMember(server);
      for (const [field, values] of [['gender_code', ['secret', 'male', 'female']], ['preferred_language', ['zh-tw', 'en-us']], ['currency', ['TWD', 'USD']]] as const) {
        for (const v of values) {
          const r = await putMe(m.access_token, { [field]: v });
          expect(r.status, `${field}=${v}`).to.equal(200);
          expect(r.body[field]).to.equal(v);
        }
      }
    });

    it('moves update_at forward and keeps create_at', async () => {
      const m = await registerMember(server);
      const before = (await getMe(m.access_token)).body;
      await sleep(20);
      const after = (await putMe(m.access_token, { full_name: 'New Name' })).body;
      expect(Date.parse(after.update_at)).to.be.greaterThan(Date.parse(before.update_at));
      expect(after.create_at).to.equal(before.create_at);
    });

    it('ignores fields that are not profile fields (e-mail, phone, flags, platform)', async () => {
      const m = await registerMember(server);
      const r = await putMe(m.access_token, { email: 'other@example.com', is_email_verified: true, platform: 'google', uid: 'x', role: 'admin' });
      expect(r.status).to.equal(200);
      expect([r.body.email, r.body.is_email_verified, r.body.platform, r.body.uid, r.body.role]).to.deep.equal([m.login_id, false, 'credentials', m.uid, 'user']);
    });

    it('lets an anonymous user update its profile, and the new nickname is the name a chat partner sees', async () => {
      const u = await anonLogin(server, 'Anon');
      const partner = await anonLogin(server, 'Partner');
      const r = await putMe(u.token, { nickname: 'Renamed', currency: 'USD' });
      expect(r.status).to.equal(200);
      expect(r.body).to.include({ nickname: 'Renamed', currency: 'USD', platform: 'anonymous' });
      const socket = await connect(server, '/matchmaking', partner.token);
      try {
        const matched = waitFor(socket, 'matched');
        await http(server, 'POST', '/api/v1/matchmaking/join', { token: u.token });
        await emit(socket, 'join');
        expect((await matched).partner).to.deep.equal({ uid: u.uid, name: 'Renamed' });
      } finally {
        socket.close();
      }
    });

    it('answers 401 without a token', async () => {
      expect((await http(server, 'PUT', '/api/v1/user/me', { body: { nickname: 'x' } })).status).to.equal(401);
    });
  });

  describe('PUT /api/v1/user/me/password', () => {
    const change = (token: string, current: string, next = 'the new password', confirm = next) =>
      http(server, 'PUT', '/api/v1/user/me/password', { token, body: { current_password: current, new_password: next, new_password_confirm: confirm } });

    it('changes the password and revokes the other sessions, keeping the caller’s', async () => {
      const m = await registerMember(server);
      const other = await loginMember(server, m);
      expect((await getMe(other.access_token)).status).to.equal(200);
      const r = await change(m.access_token, m.password);
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal(OK);
      expect((await getMe(m.access_token)).status).to.equal(200);
      expect((await getMe(other.access_token)).status).to.equal(401);
      expect((await login(server, credentialsReq(m.login_id, m.password))).status).to.equal(401);
      expect((await login(server, credentialsReq(m.login_id, 'the new password'))).status).to.equal(200);
      expect(await auditEvents(server, m.uid)).to.deep.equal(['password_changed', 'sessions_revoked', 'login_failed']);
    });

    it('answers 403 for a wrong current password and changes nothing', async () => {
      const m = await registerMember(server);
      const r = await change(m.access_token, 'not my password');
      expect(r.status).to.equal(403);
      expect(r.body).to.deep.equal({ code: 'FORBIDDEN', message: 'current_password is wrong' });
      expect((await login(server, credentialsReq(m.login_id, m.password))).status).to.equal(200);
    });

    it('answers 400 when new_password_confirm differs', async () => {
      const m = await registerMember(server);
      const r = await change(m.access_token, m.password, 'the new password', 'something else');
      expect(r.status).to.equal(400);
      expect(r.body.error.map((e: { field: string }) => e.field)).to.deep.equal(['new_password_confirm']);
    });

    it('answers 403 to an anonymous user', async () => {
      const u = await anonLogin(server);
      const r = await change(u.token, 'whatever1');
      expect(r.status).to.equal(403);
      expect(r.body.code).to.equal('FORBIDDEN');
    });
  });

  describe('e-mail and phone verification', () => {
    const requestCode = (token: string, purpose: string) => http(server, 'POST', '/api/v1/user/me/verifications', { token, body: { purpose } });
    const submitCode = (token: string, purpose: string, verify_code: string) =>
      http(server, 'PUT', '/api/v1/user/me/verifications', { token, body: { purpose, verify_code } });

    it('e-mails a code and marks the e-mail address verified when it comes back', async () => {
      const m = await registerMember(server);
      const r = await requestCode(m.access_token, 'email_verification');
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal(OK);
      const n = await hook.waitFor({ to: m.login_id, purpose: 'email_verification' });
      expect(n.channel).to.equal('email');
      const s = await submitCode(m.access_token, 'email_verification', n.code);
      expect(s.status).to.equal(200);
      expect((await getMe(m.access_token)).body.is_email_verified).to.equal(true);
    });

    it('texts a code and marks the phone number verified', async () => {
      const m = await registerMember(server, uniquePhone());
      expect((await requestCode(m.access_token, 'phone_verification')).status).to.equal(200);
      const n = await hook.waitFor({ to: m.login_id, purpose: 'phone_verification' });
      expect(n.channel).to.equal('sms');
      expect((await submitCode(m.access_token, 'phone_verification', n.code)).status).to.equal(200);
      const me = (await getMe(m.access_token)).body;
      expect([me.is_phone_verified, me.is_email_verified]).to.deep.equal([true, false]);
    });

    it('answers 400 when the account has no such identifier', async () => {
      const emailMember = await registerMember(server);
      const phoneMember = await registerMember(server, uniquePhone());
      const a = await requestCode(emailMember.access_token, 'phone_verification');
      const b = await requestCode(phoneMember.access_token, 'email_verification');
      expect([a.status, b.status]).to.deep.equal([400, 400]);
      expect(a.body.message).to.equal('this account has no phone number to verify');
      expect(b.body.message).to.equal('this account has no e-mail address to verify');
    });

    it('answers 429 with Retry-After to a second request within the cooldown', async () => {
      const m = await registerMember(server);
      expect((await requestCode(m.access_token, 'email_verification')).status).to.equal(200);
      const r = await requestCode(m.access_token, 'email_verification');
      expect(r.status).to.equal(429);
      expect(Number(r.headers.get('retry-after'))).to.be.within(1, 60);
    });

    it('answers 400 for a wrong code and leaves the flag false', async () => {
      const m = await registerMember(server);
      await requestCode(m.access_token, 'email_verification');
      const code = await hook.codeFor(m.login_id, 'email_verification');
      const r = await submitCode(m.access_token, 'email_verification', code === '000000' ? '000001' : '000000');
      expect(r.status).to.equal(400);
      expect(r.body.message).to.match(/invalid or has expired/);
      expect((await getMe(m.access_token)).body.is_email_verified).to.equal(false);
    });

    it('does not accept a password reset code as an e-mail verification code', async () => {
      const m = await registerMember(server);
      await http(server, 'POST', '/api/v1/auth/password-resets/request', { body: { identifier: m.login_id, account_type: 'email' } });
      const resetCode = await hook.codeFor(m.login_id, 'password_reset');
      expect((await submitCode(m.access_token, 'email_verification', resetCode)).status).to.equal(400);
    });

    it('uses the code up: it cannot verify twice', async () => {
      const m = await registerMember(server);
      await requestCode(m.access_token, 'email_verification');
      const code = await hook.codeFor(m.login_id, 'email_verification');
      expect((await submitCode(m.access_token, 'email_verification', code)).status).to.equal(200);
      expect((await submitCode(m.access_token, 'email_verification', code)).status).to.equal(400);
    });

    it('answers 400 to a request for an address that is already verified', async () => {
      const m = await registerMember(server);
      await requestCode(m.access_token, 'email_verification');
      await submitCode(m.access_token, 'email_verification', await hook.codeFor(m.login_id, 'email_verification'));
      const r = await requestCode(m.access_token, 'email_verification');
      expect(r.status).to.equal(400);
      expect(r.body.message).to.match(/already verified/);
    });

    it('answers 403 to an anonymous user, for requests and submissions', async () => {
      const u = await anonLogin(server);
      expect((await requestCode(u.token, 'email_verification')).status).to.equal(403);
      expect((await submitCode(u.token, 'phone_verification', '123456')).status).to.equal(403);
    });

    it('answers 401 without a token', async () => {
      expect((await http(server, 'POST', '/api/v1/user/me/verifications', { body: { purpose: 'email_verification' } })).status).to.equal(401);
    });
  });
});
