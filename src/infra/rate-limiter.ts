import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../core/errors.js';
import type { RateBucket, RateLimiter } from '../core/ports.js';
import type { AppConfig, RateRule } from '../config.js';

export type RateRules = Record<RateBucket, RateRule>;

export function rateRules(c: AppConfig): RateRules {
  return {
    anon_login: c.rates.anonLogin,
    match_join: c.rates.matchJoin,
    message_send: c.rates.messageSend,
    auth_login: c.rates.authLogin,
    auth_register: c.rates.authRegister,
    // One code per identifier and purpose per cooldown window.
    code_request: { points: 1, duration: c.codeCooldownSec },
    report: c.rates.report,
    block: c.rates.block,
  };
}

/**
 * Token-bucket-ish fixed windows from rate-limiter-flexible: in process memory on one node, in
 * Redis when nodes must agree (the same limits hold whichever node a request lands on).
 *
 * While Redis is unreachable the limits fail open to an in-memory insurance limiter with the same
 * rules: each node then enforces them on its own (so across N nodes a key gets at most N times its
 * allowance until Redis is back), instead of answering 503 to every login and message because
 * the limit store is away. See docs/deploy.md ("When Redis is unreachable").
 */
export class FlexibleRateLimiter implements RateLimiter {
  private readonly limiters = new Map<RateBucket, RateLimiterAbstract>();

  constructor(rules: RateRules, redis?: unknown, prefix = 'gby:rl') {
    for (const [bucket, rule] of Object.entries(rules) as Array<[RateBucket, RateRule]>) {
      if (rule.duration <= 0 || rule.points <= 0) continue; // a zero rule disables the limit
      const opts = { points: rule.points, duration: rule.duration, keyPrefix: `${prefix}:${bucket}` };
      this.limiters.set(
        bucket,
        redis
          ? new RateLimiterRedis({ ...opts, storeClient: redis, useRedisPackage: true, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(opts) })
          : new RateLimiterMemory(opts),
      );
    }
  }

  async consume(bucket: RateBucket, key: string): Promise<void> {
    const limiter = this.limiters.get(bucket);
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (e) {
      if (e instanceof RateLimiterRes) {
        const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
        throw new AppError('RATE_LIMITED', `too many requests, retry in ${retryAfter} s`, { retryAfter });
      }
      throw new AppError('UNAVAILABLE', 'rate limiting store is unavailable, retry shortly', { retryAfter: 2, cause: e });
    }
  }

  async reset(bucket: RateBucket, key: string): Promise<void> {
    await this.limiters.get(bucket)?.delete(key).catch(() => undefined);
  }
}
