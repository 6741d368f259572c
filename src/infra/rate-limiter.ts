import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../core/errors.js';
import type { RateBucket, RateLimiter } from '../core/ports.js';
import type { AppConfig, RateRule } from '../config.js';

/** A bucket without a rule (or with a zero rule) is not limited. */
export type RateRules = Partial<Record<RateBucket, RateRule>>;

export function rateRules(c: AppConfig): Record<RateBucket, RateRule> {
  return {
    anon_login: c.rates.anonLogin,
    match_join: c.rates.matchJoin,
    message_send: c.rates.messageSend,
    auth_login: c.rates.authLogin,
    auth_register: c.rates.authRegister,
    // One code per identifier and purpose per cooldown window.
    code_request: { points: 1, duration: c.codeCooldownSec },
    auth_client: c.rates.authClient,
    code_request_client: c.rates.codeRequestClient,
    code_verify_client: c.rates.codeVerifyClient,
    code_daily: { points: c.codeDailyMax, duration: 24 * 3600 },
    room_read: c.rates.roomRead,
    typing: c.rates.typing,
    socket_connect: c.rates.socketConnect,
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
interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}
interface PendingKey {
  limiter: RateLimiterAbstract;
  points: number;
  key: string;
  waiters: Waiter[];
}

export class FlexibleRateLimiter implements RateLimiter {
  private readonly limiters = new Map<RateBucket, { limiter: RateLimiterAbstract; points: number }>();
  /** Consumes asked for in this turn of the event loop, by bucket and key (see `consume`). */
  private pending = new Map<string, PendingKey>();
  private scheduled = false;

  constructor(rules: RateRules, redis?: unknown, prefix = 'gby:rl') {
    for (const [bucket, rule] of Object.entries(rules) as Array<[RateBucket, RateRule]>) {
      if (rule.duration <= 0 || rule.points <= 0) continue; // a zero rule disables the limit
      const opts = { points: rule.points, duration: rule.duration, keyPrefix: `${prefix}:${bucket}` };
      const limiter = redis
        ? new RateLimiterRedis({ ...opts, storeClient: redis, useRedisPackage: true, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(opts) })
        : new RateLimiterMemory(opts);
      this.limiters.set(bucket, { limiter, points: rule.points });
    }
  }

  /**
   * The consumes of one key that arrive in the same turn of the event loop (a burst of messages
   * from one user, read from one socket) go to Redis as ONE increment by their number instead of
   * one round trip each. The answer is exactly what one-by-one consumes would give: the counter
   * says how many points were used before the burst, so the first `points - before` callers pass
   * and the rest get RATE_LIMITED. The limit is still one counter shared by every node.
   */
  consume(bucket: RateBucket, key: string): Promise<void> {
    const entry = this.limiters.get(bucket);
    if (!entry) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const id = `${bucket}\u0000${key}`;
      let p = this.pending.get(id);
      if (!p) {
        p = { limiter: entry.limiter, points: entry.points, key, waiters: [] };
        this.pending.set(id, p);
      }
      p.waiters.push({ resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    for (const p of batch.values()) void this.settle(p);
  };

  private async settle(p: PendingKey): Promise<void> {
    const n = p.waiters.length;
    try {
      await p.limiter.consume(p.key, n);
      for (const w of p.waiters) w.resolve();
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) {
        const err = new AppError('UNAVAILABLE', 'rate limiting store is unavailable, retry shortly', { retryAfter: 2, cause: e });
        for (const w of p.waiters) w.reject(err);
        return;
      }
      const allowed = Math.max(0, Math.min(n, p.points - (e.consumedPoints - n)));
      const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      p.waiters.forEach((w, i) => (i < allowed ? w.resolve() : w.reject(new AppError('RATE_LIMITED', `too many requests, retry in ${retryAfter} s`, { retryAfter }))));
    }
  }

  async reset(bucket: RateBucket, key: string): Promise<void> {
    await this.limiters.get(bucket)?.limiter.delete(key).catch(() => undefined);
  }
}
