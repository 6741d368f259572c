import { expect } from 'chai';
import { pino } from 'pino';
import type { Ctx } from '../../src/core/context.js';
import { PasswordResetService, type PasswordResetDeps } from '../../src/core/members/password-reset.service.js';

const ctx: Ctx = { requestId: 't', ip: '203.0.113.9', log: pino({ level: 'silent' }) };

describe('PasswordResetService.request (no timing oracle)', () => {
  it('answers before it looks the account up, so the answer takes the same time for known and unknown accounts', async () => {
    let looked = false;
    const taken: string[] = [];
    const deps = {
      db: null as never,
      // A lookup that never finishes: if the answer waited for it, request() would never resolve.
      accounts: { findByLoginId: () => ((looked = true), new Promise<never>(() => undefined)), findByUserId: async () => null, setPassword: async () => undefined },
      codes: { cooldown: async (purpose: string, id: string, client: string) => void taken.push(`${purpose}|${id}|${client}`) },
      passwords: null as never,
      sessions: { revokeAllForUser: async () => undefined },
      audit: { record: async () => undefined },
    } as unknown as PasswordResetDeps;
    const service = new PasswordResetService(deps);
    const answer = await Promise.race([
      service.request(ctx, { identifier: 'a@example.com', account_type: 'email' }),
      new Promise((resolve) => setTimeout(() => resolve('still waiting for the lookup'), 2000)),
    ]);
    expect(answer).to.deep.equal({ code: 'OK', message: 'ok' });
    expect(looked).to.equal(true); // the lookup was started, in the background
    expect(taken).to.deep.equal(['password_reset|a@example.com|203.0.113.9']); // limits first, for everyone
  });
});
