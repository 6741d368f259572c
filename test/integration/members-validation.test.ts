import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { http } from '../support/clients.js';
import { registerMember, type Member } from '../support/members.js';

type Row = [label: string, body: unknown, fields: string[]];

const cred = (over: Record<string, unknown> = {}, login_id: unknown = 'a@example.com') => ({
  auth_method: 'credentials',
  login_id,
  credentials: { password: 'password1', password_confirm: 'password1', account_type: 'any', ...over },
});
const plat = (over: Record<string, unknown> = {}) => ({ auth_method: 'platform', login_id: 'a@example.com', platform: { provider: 'google', token: 'x.y.z', ...over } });

/** LoginReq rules shared by register and login. */
const LOGIN_REQ: Row[] = [
  ['a missing auth_method', { login_id: 'a@example.com' }, ['auth_method']],
  ['an unknown auth_method', { ...cred(), auth_method: 'password' }, ['auth_method']],
  ['a missing login_id', { ...cred(), login_id: undefined }, ['login_id']],
  ['a login_id of 2 characters', cred({}, 'a@'), ['login_id']],
  ['a login_id over 50 characters', cred({}, `${'a'.repeat(40)}@example.com`), ['login_id']],
  ['a login_id that is a number', cred({}, 12345678), ['login_id']],
  ['a login_id that is neither an e-mail address nor a phone number', cred({}, 'alice'), ['login_id']],
  ['a phone number without the + of E.164', cred({ account_type: 'phone' }, '0912345678'), ['login_id']],
  ['a phone number of 7 digits', cred({ account_type: 'phone' }, '+1234567'), ['login_id']],
  ['a phone number of 16 digits', cred({ account_type: 'phone' }, '+1234567890123456'), ['login_id']],
  ['a phone number for account_type email', cred({ account_type: 'email' }, '+886912345678'), ['login_id']],
  ['an e-mail address for account_type phone', cred({ account_type: 'phone' }, 'a@example.com'), ['login_id']],
  ['credentials missing for auth_method credentials', { auth_method: 'credentials', login_id: 'a@example.com' }, ['credentials']],
  ['a password of 7 characters', cred({ password: 'seven77', password_confirm: 'seven77' }), ['credentials.password']],
  ['a password of 129 characters', cred({ password: 'x'.repeat(129), password_confirm: 'x'.repeat(129) }), ['credentials.password']],
  ['a password of 129 characters', cred({ password: 'x'.repeat(129), password_confirm: 'x'.repeat(129) }), ['credentials.password']],
  ['a password that is a number', cred({ password: 12345678, password_confirm: 12345678 }), ['credentials.password']],
  ['a missing account_type', cred({ account_type: undefined }), ['credentials.account_type']],
  ['an unknown account_type', cred({ account_type: 'username' }), ['credentials.account_type']],
  ['platform missing for auth_method platform', { auth_method: 'platform', login_id: 'a@example.com' }, ['platform']],
  ['an unknown provider', plat({ provider: 'facebook' }), ['platform.provider']],
  ['a missing platform token', plat({ token: undefined }), ['platform.token']],
  ['an empty platform token', plat({ token: '' }), ['platform.token']],
  ['a platform login_id that is neither an e-mail address nor a phone number', { ...plat(), login_id: 'alice' }, ['login_id']],
  ['an empty object (every bad field at once)', {}, ['auth_method', 'login_id']],
];

const REGISTER_ONLY: Row[] = [
  ['a password_confirm that differs', cred({ password_confirm: 'password2' }), ['credentials.password_confirm']],
  ['a missing password_confirm', cred({ password_confirm: undefined }), ['credentials.password_confirm']],
  ['a missing password and password_confirm', cred({ password: undefined, password_confirm: undefined }), ['credentials.password', 'credentials.password_confirm']],
  ['a missing password with a password_confirm (which then cannot match)', cred({ password: undefined }), ['credentials.password', 'credentials.password_confirm']],
];

const LOGIN_ONLY: Row[] = [['a missing password', cred({ password: undefined, password_confirm: undefined }), ['credentials.password']]];

const REFRESH: Row[] = [
  ['a missing access_token', { refresh_token: 'rt1.x.0.y' }, ['access_token']],
  ['a missing refresh_token', { access_token: 'a.b.c' }, ['refresh_token']],
  ['tokens that are not strings', { access_token: 1, refresh_token: {} }, ['access_token', 'refresh_token']],
];

const RESET_REQUEST: Row[] = [
  ['a missing identifier', { account_type: 'email' }, ['identifier']],
  ['a missing account_type', { identifier: 'a@example.com' }, ['account_type']],
  ['account_type any (reset takes email or phone only)', { identifier: 'a@example.com', account_type: 'any' }, ['account_type']],
  ['a phone identifier for account_type email', { identifier: '+886912345678', account_type: 'email' }, ['identifier']],
  ['an e-mail identifier for account_type phone', { identifier: 'a@example.com', account_type: 'phone' }, ['identifier']],
];

const RESET_VERIFY: Row[] = [
  ['a missing identifier', { verify_code: '123456' }, ['identifier']],
  ['an identifier that is no e-mail address or phone number', { identifier: 'alice', verify_code: '123456' }, ['identifier']],
  ['a missing verify_code', { identifier: 'a@example.com' }, ['verify_code']],
  ['a 5-digit verify_code', { identifier: 'a@example.com', verify_code: '12345' }, ['verify_code']],
  ['a 7-digit verify_code', { identifier: 'a@example.com', verify_code: '1234567' }, ['verify_code']],
  ['a verify_code with letters', { identifier: 'a@example.com', verify_code: '12a456' }, ['verify_code']],
];

const resetBody = (over: Record<string, unknown>) => ({ identifier: 'a@example.com', verify_code: '123456', password: 'password1', password_confirm: 'password1', ...over });
const RESET: Row[] = [
  ['a 5-digit verify_code', resetBody({ verify_code: '12345' }), ['verify_code']],
  ['a password of 7 characters', resetBody({ password: 'seven77', password_confirm: 'seven77' }), ['password']],
  ['a password of 129 characters', resetBody({ password: 'x'.repeat(129), password_confirm: 'x'.repeat(129) }), ['password']],
  ['a password_confirm that differs', resetBody({ password_confirm: 'password2' }), ['password_confirm']],
  ['a missing password_confirm', resetBody({ password_confirm: undefined }), ['password_confirm']],
];

const pw = (over: Record<string, unknown>) => ({ current_password: 'password1', new_password: 'password2', new_password_confirm: 'password2', ...over });
const CHANGE_PASSWORD: Row[] = [
  ['a missing current_password', pw({ current_password: undefined }), ['current_password']],
  ['a new_password of 7 characters', pw({ new_password: 'seven77', new_password_confirm: 'seven77' }), ['new_password']],
  ['a new_password of 129 characters', pw({ new_password: 'x'.repeat(129), new_password_confirm: 'x'.repeat(129) }), ['new_password']],
  ['a new_password of 129 characters', pw({ new_password: '€'.repeat(129), new_password_confirm: '€'.repeat(129) }), ['new_password']],
  ['a new_password_confirm that differs', pw({ new_password_confirm: 'password3' }), ['new_password_confirm']],
];

const UPDATE_ME: Row[] = [
  ['an unknown gender_code', { gender_code: 'other' }, ['gender_code']],
  ['a gender_code in capitals', { gender_code: 'MALE' }, ['gender_code']],
  ['an unknown preferred_language', { preferred_language: 'fr-fr' }, ['preferred_language']],
  ['an unknown currency', { currency: 'EUR' }, ['currency']],
  ['a lowercase currency', { currency: 'twd' }, ['currency']],
  ['a birthdate that is not YYYY-MM-DD', { birthdate: '17/04/1993' }, ['birthdate']],
  ['a birthdate that is not a real date', { birthdate: '1993-02-30' }, ['birthdate']],
  ['a birthdate in the future', { birthdate: `${new Date().getUTCFullYear() + 1}-01-01` }, ['birthdate']],
  ['an avatar_url that is not a URL', { avatar_url: 'not a url' }, ['avatar_url']],
  ['an avatar_url that is not http(s)', { avatar_url: 'javascript:alert(1)' }, ['avatar_url']],
  ['an avatar_url over 1024 characters', { avatar_url: `https://e.com/${'a'.repeat(1020)}` }, ['avatar_url']],
  ['a full_name over 100 characters', { full_name: 'x'.repeat(101) }, ['full_name']],
  ['a nickname over 32 characters', { nickname: 'x'.repeat(33) }, ['nickname']],
  ['a nickname with a newline', { nickname: 'two\nlines' }, ['nickname']],
  ['an address over 255 characters', { address: 'x'.repeat(256) }, ['address']],
  ['a national over 64 characters', { national: 'x'.repeat(65) }, ['national']],
  ['a post_code over 16 characters', { post_code: '1'.repeat(17) }, ['post_code']],
  ['a post_code with symbols', { post_code: '100#' }, ['post_code']],
  ['a carrier over 64 characters', { carrier: 'x'.repeat(65) }, ['carrier']],
  ['a field of the wrong type', { full_name: 42 }, ['full_name']],
  ['several bad fields (all reported at once)', { gender_code: 'x', currency: 'x', birthdate: 'x' }, ['birthdate', 'currency', 'gender_code']],
];

const VERIFICATIONS: Row[] = [
  ['a missing purpose', {}, ['purpose']],
  ['an unknown purpose', { purpose: 'password_reset' }, ['purpose']],
];
const SUBMIT: Row[] = [...VERIFICATIONS.map(([l, b, f]): Row => [l, { ...(b as object), verify_code: '123456' }, f]), ['a 7-digit verify_code', { purpose: 'email_verification', verify_code: '1234567' }, ['verify_code']]];

describe('member accounts: input validation', () => {
  let server: TestServer;
  let member: Member;
  before(async () => {
    server = await startServer();
    member = await registerMember(server);
  });
  after(async () => server?.close());

  const table: Array<[method: string, path: string, rows: Row[], auth: boolean]> = [
    ['POST', '/api/v1/auth/register', [...LOGIN_REQ, ...REGISTER_ONLY], false],
    ['POST', '/api/v1/auth/sessions', [...LOGIN_REQ, ...LOGIN_ONLY], false],
    ['POST', '/api/v1/auth/sessions/refresh', REFRESH, false],
    ['POST', '/api/v1/auth/password-resets/request', RESET_REQUEST, false],
    ['POST', '/api/v1/auth/password-resets/verify', RESET_VERIFY, false],
    ['PUT', '/api/v1/auth/password-resets', RESET, false],
    ['PUT', '/api/v1/user/me', UPDATE_ME, true],
    ['PUT', '/api/v1/user/me/password', CHANGE_PASSWORD, true],
    ['POST', '/api/v1/user/me/verifications', VERIFICATIONS, true],
    ['PUT', '/api/v1/user/me/verifications', SUBMIT, true],
  ];

  for (const [method, path, rows, auth] of table) {
    describe(`${method} ${path}`, () => {
      for (const [label, body, fields] of rows) {
        it(`rejects ${label} with 400 naming ${fields.join(', ')}`, async () => {
          const r = await http(server, method, path, { body, ...(auth ? { token: member.access_token } : {}) });
          expect(r.status, JSON.stringify(r.body)).to.equal(400);
          expect(r.body.code).to.equal('INVALID_ARGUMENT');
          const got = [...new Set((r.body.error as Array<{ field: string }>).map((e) => e.field))].sort();
          expect(got).to.deep.equal([...fields].sort());
          expect(r.body.message).to.be.a('string').and.not.match(/"|\[ref:/);
        });
      }

      it('rejects a body that is not a JSON object with 400', async () => {
        const r = await http(server, method, path, { raw: '[1,2]', ...(auth ? { token: member.access_token } : {}) });
        expect(r.status).to.equal(400);
        expect(r.body.code).to.equal('INVALID_ARGUMENT');
      });
    });
  }
});
