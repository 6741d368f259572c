import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../core/errors.js';
import type { RateBucket, RateLimiter } from '../core/ports.js';
import type { AppConfig, RateRule } from '../config.js';
import { LocalAllowance } from './rate-allowance.js';

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

/** The buckets answered from a local allowance while far from the limit (see FlexibleRateLimiter). */
export const LOCALLY_ANSWERED: ReadonlySet<RateBucket> = new Set<RateBucket>(['message_send', 'typing']);

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
}
interface Bucket {
  limiter: RateLimiterAbstract;
  /** The same counter for increments nobody waits for (see the constructor). */
  counter: RateLimiterAbstract;
  points: number;
  /** Kept in this process (no Redis): answered at once, nothing to batch. */
  inMemory: boolean;
  allowance: LocalAllowance | null;
}
interface PendingKey {
  bucket: Bucket;
  key: string;
  waiters: Waiter[];
}

/**
 * Token-bucket-ish fixed windows from rate-limiter-flexible: in process memory on one node, in
 * Redis when nodes must agree (the same limits hold whichever node a request lands on).
 *
 * While Redis is unreachable the limits fail open to an in-memory insurance limiter with the same
 * rules: each node then enforces them on its own (so across N nodes a key gets at most N times its
 * allowance until Redis is back), instead of answering 503 to every login and message because
 * the limit store is away. See docs/deploy.md ("When Redis is unreachable").
 *
 * The busy buckets of `LOCALLY_ANSWERED` (a chat message, a typing notice) are answered from a
 * local allowance while the counter is far from the limit, and counted in Redis right after
 * (src/infra/rate-allowance.ts): most messages then skip the round trip, at the price of a small
 * bounded overshoot for a user who sends through several nodes at once. Logins, codes, reports
 * and every other bucket are always checked against Redis before the answer.
 */
export class FlexibleRateLimiter implements RateLimiter {
  private readonly buckets = new Map<RateBucket, Bucket>();
  /** Increments asked for in this turn of the event loop, by bucket and key (see `consume`). */
  private pending = new Map<string, PendingKey>();
  private scheduled = false;

  /**
   * `redis` is the command client (each command fails after its timeout, so nobody waits on a hung
   * Redis). `countClient`, when given, carries the increments of consumes already answered from
   * the local allowance: nobody waits for those, so it can be a client without the per-command
   * timer (the publisher), which was a measurable share of a message's CPU (docs/performance.md).
   * Both share one in-memory insurance limiter per bucket for when Redis is away.
   */
  constructor(rules: RateRules, redis?: unknown, prefix = 'gby:rl', countClient?: unknown) {
    for (const [name, rule] of Object.entries(rules) as Array<[RateBucket, RateRule]>) {
      if (rule.duration <= 0 || rule.points <= 0) continue; // a zero rule disables the limit
      const opts = { points: rule.points, duration: rule.duration, keyPrefix: `${prefix}:${name}` };
      if (!redis) {
        const limiter = new RateLimiterMemory(opts);
        this.buckets.set(name, { limiter, counter: limiter, points: rule.points, inMemory: true, allowance: null });
        continue;
      }
      const insuranceLimiter = new RateLimiterMemory(opts);
      const on = (storeClient: unknown) => new RateLimiterRedis({ ...opts, storeClient, useRedisPackage: true, rejectIfRedisNotReady: true, insuranceLimiter });
      const limiter = on(redis);
      const local = LOCALLY_ANSWERED.has(name);
      const counter = local && countClient ? on(countClient) : limiter;
      this.buckets.set(name, { limiter, counter, points: rule.points, inMemory: false, allowance: local ? new LocalAllowance(rule.points) : null });
    }
  }

  /**
   * In memory, a consume is answered at once. In Redis, the consumes of one key that arrive in
   * the same turn of the event loop (a burst of messages from one user, read from one socket) go
   * to Redis as ONE increment by their number instead of one round trip each. The answer is
   * exactly what one-by-one consumes would give: the counter says how many points were used
   * before the burst, so the first `points - before` callers pass and the rest get RATE_LIMITED.
   * The limit is still one counter shared by every node. A consume answered from the local
   * allowance joins the next increment the same way, already answered.
   */
  consume(name: RateBucket, key: string): Promise<void> {
    const bucket = this.buckets.get(name);
    if (!bucket) return Promise.resolve();
    if (bucket.inMemory) return new Promise<void>((resolve, reject) => void this.settle(name, { bucket, key, waiters: [{ resolve, reject }] }));
    const id = `${name}\u0000${key}`;
    if (bucket.allowance?.tryLocal(id)) {
      this.queue(id, bucket, key, null);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => this.queue(id, bucket, key, { resolve, reject }));
  }

  private queue(id: string, bucket: Bucket, key: string, waiter: Waiter | null): void {
    let p = this.pending.get(id);
    if (!p) {
      p = { bucket, key, waiters: [] };
      this.pending.set(id, p);
    }
    if (waiter) p.waiters.push(waiter);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    for (const [id, p] of batch) void this.settle(id, p);
  };

  private async settle(id: string, p: PendingKey): Promise<void> {
    const { points, allowance } = p.bucket;
    const n = p.waiters.length;
    const taken = allowance?.take(id, n) ?? 0; // answered locally already, counted first
    if (n + taken === 0) return;
    const sentAt = Date.now();
    try {
      const res = await (n === 0 ? p.bucket.counter : p.bucket.limiter).consume(p.key, n + taken);
      allowance?.counted(id, taken + n, res.consumedPoints, res.msBeforeNext, sentAt);
      for (const w of p.waiters) w.resolve();
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) {
        allowance?.failed(id, taken + n);
        const err = new AppError('UNAVAILABLE', 'rate limiting store is unavailable, retry shortly', { retryAfter: 2, cause: e });
        for (const w of p.waiters) w.reject(err);
        return;
      }
      allowance?.counted(id, taken + n, e.consumedPoints, e.msBeforeNext, sentAt);
      const allowed = Math.max(0, Math.min(n, points - (e.consumedPoints - n)));
      const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      p.waiters.forEach((w, i) => (i < allowed ? w.resolve() : w.reject(new AppError('RATE_LIMITED', `too many requests, retry in ${retryAfter} s`, { retryAfter }))));
    }
  }

  async reset(name: RateBucket, key: string): Promise<void> {
    const bucket = this.buckets.get(name);
    bucket?.allowance?.forget(`${name}\u0000${key}`);
    await bucket?.limiter.delete(key).catch(() => undefined);
  }
}
