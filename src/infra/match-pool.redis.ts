import { randomUUID } from 'node:crypto';
import type { MatchPool, Touched } from '../core/ports.js';
import { luaScript, runScript, type LuaScript, type RedisScriptClient } from './redis-script.js';

export interface RedisMatchPoolOptions {
  /** Namespaces every key (default `gby:mm:`); see `RedisMatchPool.key` for the hash tag. */
  prefix?: string;
  /**
   * How many waiting users, from the head of the queue, `enqueue` and `pairWaiting` look at in
   * one step (default 200). The memory pool looks at everyone; this bound keeps each script
   * short, because Redis runs nothing else while a script runs. It only matters when more than
   * `scanLimit` users wait and the first `scanLimit` of them are all blocked for the caller,
   * which mutual blocks between a few users cannot produce.
   */
  scanLimit?: number;
}

const script = (body: string): LuaScript => luaScript(`${LUA_PRELUDE}\n${body}`);

/**
 * Blocks are stored in both directions in one sorted set, scored by the end of the block.
 * A member is `<byte length of a>:<a><b>`, which is unambiguous for any uids and needs no
 * string ordering in Lua. An ended block is dropped when it is met, as the memory pool does.
 */
const LUA_PRELUDE = `
local function pair_member(a, b)
  return string.len(a) .. ':' .. a .. b
end
local function is_blocked(blocks, a, b, now)
  local till = redis.call('ZSCORE', blocks, pair_member(a, b))
  if not till then return false end
  if tonumber(till) <= now then
    redis.call('ZREM', blocks, pair_member(a, b), pair_member(b, a))
    return false
  end
  return true
end
`;

/** KEYS: queue, seen, blocks, seq. ARGV: uid, now, scanLimit. Returns the partner or nil. */
const ENQUEUE = script(`
local uid, now, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local head = redis.call('ZRANGE', KEYS[1], 0, limit - 1)
for _, other in ipairs(head) do
  if other ~= uid and not is_blocked(KEYS[3], uid, other, now) then
    redis.call('ZREM', KEYS[1], other, uid)
    redis.call('ZREM', KEYS[2], other, uid)
    return other
  end
end
if not redis.call('ZSCORE', KEYS[1], uid) then
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[4]), uid)
end
redis.call('ZADD', KEYS[2], ARGV[2], uid)
return false
`);

/**
 * KEYS: queue, seen, mark (this pool object's). ARGV: now, markTtlMs, uid... Returns
 * {forgot, waiting uids}: forgot is 1 when the mark is missing, i.e. Redis lost the pool since
 * this object's last touch (or this is its first).
 */
const TOUCH = script(`
local forgot = 0
if redis.call('EXISTS', KEYS[3]) == 0 then forgot = 1 end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
local waiting = {}
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[2], ARGV[1], ARGV[i])
    waiting[#waiting + 1] = ARGV[i]
  end
end
return {forgot, waiting}
`);

/** How long a pool object's mark outlives its last touch (nodes touch every few seconds). */
const MARK_TTL_MS = 3_600_000;

/** KEYS: queue, seen. ARGV: uid. Returns 1 when it was waiting. */
const REMOVE = script(`
local n = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return n
`);

/** KEYS: queue. ARGV: uid. */
const IS_WAITING = script(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
return 0
`);

/** KEYS: queue. */
const SIZE = script(`
return redis.call('ZCARD', KEYS[1])
`);

/** KEYS: blocks. ARGV: a, b, untilMs. GT: a block is never shortened (a cooldown must not end a user's block); GT still adds a new member. */
const BLOCK = script(`
redis.call('ZADD', KEYS[1], 'GT', ARGV[3], pair_member(ARGV[1], ARGV[2]), ARGV[3], pair_member(ARGV[2], ARGV[1]))
return 0
`);

/** KEYS: blocks. ARGV: a, b. */
const UNBLOCK = script(`
redis.call('ZREM', KEYS[1], pair_member(ARGV[1], ARGV[2]), pair_member(ARGV[2], ARGV[1]))
return 0
`);

/**
 * KEYS: queue, seen, blocks. ARGV: cutoffMs. Returns the removed uids in queue order, and drops
 * the blocks that ended at or before the cutoff (as the memory pool does).
 */
const EXPIRE = script(`
local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
local pos = {}
for _, uid in ipairs(stale) do
  pos[uid] = tonumber(redis.call('ZSCORE', KEYS[1], uid)) or math.huge
end
table.sort(stale, function(x, y) return pos[x] < pos[y] end)
for _, uid in ipairs(stale) do
  redis.call('ZREM', KEYS[1], uid)
  redis.call('ZREM', KEYS[2], uid)
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
return stale
`);

/** KEYS: queue, seen, blocks. ARGV: now, scanLimit. Returns the pairs flattened: a1, b1, a2, b2... */
const PAIR_WAITING = script(`
local now, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local queue = redis.call('ZRANGE', KEYS[1], 0, limit - 1)
local taken, out = {}, {}
for i = 1, #queue do
  local a = queue[i]
  if not taken[a] then
    for j = i + 1, #queue do
      local b = queue[j]
      if not taken[b] and not is_blocked(KEYS[3], a, b, now) then
        taken[a] = true
        taken[b] = true
        redis.call('ZREM', KEYS[1], a, b)
        redis.call('ZREM', KEYS[2], a, b)
        out[#out + 1] = a
        out[#out + 1] = b
        break
      end
    end
  end
end
return out
`);

const asString = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

const asStrings = (v: unknown): string[] => {
  if (!Array.isArray(v)) throw new TypeError(`RedisMatchPool: expected an array reply, got ${typeof v}`);
  return v.map(asString);
};

/** A caller-supplied time as a Redis score; Infinity is allowed (e.g. a block that never ends). */
const time = (name: string, ms: number): string => {
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    throw new RangeError(`RedisMatchPool: ${name} must be a number of milliseconds, got ${String(ms)}`);
  }
  if (ms === Infinity) return '+inf';
  if (ms === -Infinity) return '-inf';
  return String(ms);
};

/**
 * The matchmaking pool shared by every node through Redis. Each method is one Lua script, so
 * every read-then-write is atomic across nodes. Times always come from the caller (`now`,
 * `untilMs`, `cutoffMs`); neither the Redis clock nor `Date` is read here.
 *
 * Keys (under `prefix`, all in one Cluster slot, see `key`):
 * - `queue`  sorted set, uid scored by its join sequence (FIFO that holds across nodes);
 * - `seq`    the INCR counter that gives the join sequence;
 * - `seen`   sorted set, uid scored by its last-seen ms (same members as `queue`);
 * - `blocks` sorted set, one member per direction of a blocked pair, scored by the block's end.
 *
 * Scripts run with EVALSHA; when Redis answers NOSCRIPT (restart, SCRIPT FLUSH, failover) the
 * call is repeated with EVAL, which also loads the script again.
 */
export class RedisMatchPool implements MatchPool {
  private readonly queueKey: string;
  private readonly seenKey: string;
  private readonly blocksKey: string;
  private readonly seqKey: string;
  private readonly markKey: string;
  private touchedBefore = false;
  private readonly scanLimit: string;
  private readonly prefix: string;

  constructor(
    private readonly client: RedisScriptClient,
    opts: RedisMatchPoolOptions = {},
  ) {
    this.prefix = opts.prefix ?? 'gby:mm:';
    const scanLimit = opts.scanLimit ?? 200;
    if (!Number.isInteger(scanLimit) || scanLimit < 1) {
      throw new RangeError(`RedisMatchPool: scanLimit must be a positive integer, got ${scanLimit}`);
    }
    this.queueKey = this.key('queue');
    this.seenKey = this.key('seen');
    this.blocksKey = this.key('blocks');
    this.seqKey = this.key('seq');
    // Set by every touch of this object; gone when Redis loses the pool (see TOUCH).
    this.markKey = this.key(`mark:${randomUUID()}`);
    this.scanLimit = String(scanLimit);
  }

  /**
   * Every key of the pool, built here and only here. The `{pool}` hash tag puts all of them in one
   * Redis Cluster slot, which a script touching several keys needs (a Cluster refuses a script
   * whose keys span slots: CROSSSLOT); on a single Redis it is just part of the name. The prefix
   * stays in front so a deployment's keys are still found by `<prefix>*`.
   */
  protected key(name: string): string {
    return `${this.prefix}{pool}${name}`;
  }

  private run(s: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    return runScript(this.client, s, keys, args);
  }

  async enqueue(uid: string, now: number): Promise<string | null> {
    const reply = await this.run(
      ENQUEUE,
      [this.queueKey, this.seenKey, this.blocksKey, this.seqKey],
      [uid, time('now', now), this.scanLimit],
    );
    return reply === null || reply === undefined ? null : asString(reply);
  }

  async touch(uids: readonly string[], now: number): Promise<Touched> {
    const at = time('now', now);
    // Run with no uids too: the touch also renews this object's mark.
    const [missing, waiting] = (await this.run(TOUCH, [this.queueKey, this.seenKey, this.markKey], [at, String(MARK_TTL_MS), ...uids])) as unknown[];
    // The first touch finds no mark either: there was nothing to forget yet.
    const forgot = Number(missing) === 1 && this.touchedBefore;
    this.touchedBefore = true;
    return { waiting: asStrings(waiting), forgot };
  }

  async remove(uid: string): Promise<boolean> {
    return Number(await this.run(REMOVE, [this.queueKey, this.seenKey], [uid])) === 1;
  }

  async isWaiting(uid: string): Promise<boolean> {
    return Number(await this.run(IS_WAITING, [this.queueKey], [uid])) === 1;
  }

  async block(a: string, b: string, untilMs: number): Promise<void> {
    await this.run(BLOCK, [this.blocksKey], [a, b, time('untilMs', untilMs)]);
  }

  async unblock(a: string, b: string): Promise<void> {
    await this.run(UNBLOCK, [this.blocksKey], [a, b]);
  }

  async expire(cutoffMs: number): Promise<string[]> {
    const reply = await this.run(
      EXPIRE,
      [this.queueKey, this.seenKey, this.blocksKey],
      [time('cutoffMs', cutoffMs)],
    );
    return asStrings(reply);
  }

  async pairWaiting(now: number): Promise<Array<[string, string]>> {
    const flat = asStrings(
      await this.run(
        PAIR_WAITING,
        [this.queueKey, this.seenKey, this.blocksKey],
        [time('now', now), this.scanLimit],
      ),
    );
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
    return pairs;
  }

  async size(): Promise<number> {
    return Number(await this.run(SIZE, [this.queueKey], []));
  }
}
