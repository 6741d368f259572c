import { expect } from 'chai';
import { FlexibleRateLimiter, type RateRules } from '../../src/infra/rate-limiter.js';
import { AppError } from '../../src/core/errors.js';

const off = { points: 0, duration: 0 };
const rules = (messageSend: { points: number; duration: number }): RateRules => ({
  anon_login: off, match_join: off, message_send: messageSend, auth_login: off, auth_register: off, code_request: off,
});

/** Settles every promise and answers 'ok' or the error code, in call order. */
const outcomes = (ps: Array<Promise<void>>) =>
  Promise.all(ps.map((p) => p.then(() => 'ok', (e: unknown) => (e instanceof AppError ? e.code : String(e)))));

describe('FlexibleRateLimiter: a burst of one key is one increment with one-by-one answers', () => {
  it('lets exactly the allowance of a same-tick burst through, first come first served', async () => {
    const limiter = new FlexibleRateLimiter(rules({ points: 5, duration: 60 }));
    const burst = Array.from({ length: 8 }, () => limiter.consume('message_send', 'u1'));
    expect(await outcomes(burst)).to.deep.equal(['ok', 'ok', 'ok', 'ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(await outcomes([limiter.consume('message_send', 'u1')])).to.deep.equal(['RATE_LIMITED']);
  });

  it('counts a burst after earlier consumes from where they left the counter', async () => {
    const limiter = new FlexibleRateLimiter(rules({ points: 5, duration: 60 }));
    expect(await outcomes([limiter.consume('message_send', 'u1'), limiter.consume('message_send', 'u1')])).to.deep.equal(['ok', 'ok']);
    const burst = Array.from({ length: 4 }, () => limiter.consume('message_send', 'u1'));
    expect(await outcomes(burst)).to.deep.equal(['ok', 'ok', 'ok', 'RATE_LIMITED']);
  });

  it('keeps keys apart inside one burst, and gives RATE_LIMITED a retry_after', async () => {
    const limiter = new FlexibleRateLimiter(rules({ points: 1, duration: 60 }));
    const ps = [limiter.consume('message_send', 'a'), limiter.consume('message_send', 'b'), limiter.consume('message_send', 'a')];
    expect(await outcomes(ps)).to.deep.equal(['ok', 'ok', 'RATE_LIMITED']);
    const err = await limiter.consume('message_send', 'b').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).retryAfter).to.be.at.least(1);
  });
});
