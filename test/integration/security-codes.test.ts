import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { http } from '../support/clients.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { registerMember, uniqueEmail, uniquePhone } from '../support/members.js';

let n = 0;
const freshIp = () => `203.0.113.${(++n % 250) + 1}`;
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

const requestReset = (s: TestServer, identifier: string, ip: string) =>
  http(s, 'POST', '/api/v1/auth/password-resets/request', { body: { identifier, account_type: identifier.includes('@') ? 'email' : 'phone' }, ...from(ip) });
const verify = (s: TestServer, identifier: string, ip: string) =>
  http(s, 'POST', '/api/v1/auth/password-resets/verify', { body: { identifier, verify_code: '000000' }, ...from(ip) });
const reset = (s: TestServer, identifier: string, ip: string) =>
  http(s, 'PUT', '/api/v1/auth/password-resets', { body: { identifier, verify_code: '000000', password: 'new password 1', password_confirm: 'new password 1' }, ...from(ip) });

describe('security: one-time codes cannot be sprayed or guessed without end', () => {
  let hook: WebhookReceiver;
  let server: TestServer;
  before(async () => {
    hook = await startWebhookReceiver();
    server = await startServer({
      NOTIFY_WEBHOOK_URL: hook.url,
      TRUST_PROXY: '1',
      RATE_CODE_REQUEST_CLIENT: '3/3600',
      RATE_CODE_VERIFY_CLIENT: '4/600',
      CODE_DAILY_MAX: '2',
      CODE_COOLDOWN: '0',
    });
  });
  after(async () => {
    await server?.close();
    await hook?.close();
  });

  it('limits code requests per client address across identifiers (SMS bombing), with Retry-After', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await requestReset(server, uniquePhone(), ip)).status);
    const fourth = await requestReset(server, uniquePhone(), ip);
    expect([...statuses, fourth.status]).to.deep.equal([200, 200, 200, 429]);
    expect(Number(fourth.headers.get('retry-after'))).to.be.greaterThan(0);
    expect((await requestReset(server, uniquePhone(), freshIp())).status).to.equal(200);
  });

  it('caps the codes sent to one identifier per day, whoever asks (so the 5-guess cap cannot be renewed without end)', async () => {
    const m = await registerMember(server);
    expect((await requestReset(server, m.login_id, freshIp())).status).to.equal(200);
    expect((await requestReset(server, m.login_id, freshIp())).status).to.equal(200);
    const third = await requestReset(server, m.login_id, freshIp());
    expect(third.status).to.equal(429);
    // Verification codes to the same address count against the same daily cap.
    const v = await http(server, 'POST', '/api/v1/user/me/verifications', { token: m.access_token, body: { purpose: 'email_verification' }, ...from(freshIp()) });
    expect(v.status).to.equal(429);
    // An unknown identifier is capped exactly the same way (the answer never tells).
    const unknown = uniqueEmail();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await requestReset(server, unknown, freshIp())).status);
    expect(answers).to.deep.equal([200, 200, 429]);
  });

  it('limits code checks per client address across identifiers and across verify, reset and submit', async () => {
    const ip = freshIp();
    const m = await registerMember(server);
    const statuses = [
      (await verify(server, uniqueEmail(), ip)).status,
      (await reset(server, uniqueEmail(), ip)).status,
      (await verify(server, uniqueEmail(), ip)).status,
      (await http(server, 'PUT', '/api/v1/user/me/verifications', { token: m.access_token, body: { purpose: 'email_verification', verify_code: '000000' }, ...from(ip) })).status,
    ];
    expect(statuses).to.deep.equal([400, 400, 400, 400]);
    const fifth = await verify(server, uniqueEmail(), ip);
    expect(fifth.status).to.equal(429);
    expect(fifth.body.code).to.equal('RATE_LIMITED');
    expect((await verify(server, uniqueEmail(), freshIp())).status).to.equal(400);
  });
});
