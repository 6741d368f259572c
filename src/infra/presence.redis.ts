import type { PresenceStore } from '../core/ports.js';
import { luaScript, runScript, type RedisScriptClient } from './redis-script.js';

/** KEYS: presence. ARGV: untilMs, uid... GT: a later "here until" is never moved back by a slower node. */
const MARK = luaScript(`
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[i]) end
return 0
`);

/** KEYS: presence. ARGV: uid... Returns the scores in order (false when absent). */
const READ = luaScript(`
local out = {}
for i = 1, #ARGV do out[i] = redis.call('ZSCORE', KEYS[1], ARGV[i]) or '' end
return out
`);

/** KEYS: presence. ARGV: cutoffMs. */
const FORGET = luaScript(`
return redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
`);

/**
 * Presence shared by every node: one sorted set, uid scored by "here until" (unix ms). Every
 * call is one short script, so concurrent nodes never move a time back.
 */
export class RedisPresenceStore implements PresenceStore {
  private readonly key: string;

  constructor(private readonly client: RedisScriptClient, prefix: string) {
    this.key = `${prefix}presence`;
  }

  async markHere(uids: readonly string[], untilMs: number): Promise<void> {
    if (uids.length === 0) return;
    await runScript(this.client, MARK, [this.key], [String(untilMs), ...uids]);
  }

  async hereUntil(uids: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (uids.length === 0) return out;
    const reply = (await runScript(this.client, READ, [this.key], [...uids])) as unknown[];
    uids.forEach((uid, i) => {
      const v = reply[i];
      const s = Buffer.isBuffer(v) ? v.toString('utf8') : String(v ?? '');
      if (s !== '') out.set(uid, Number(s));
    });
    return out;
  }

  async forget(cutoffMs: number): Promise<void> {
    await runScript(this.client, FORGET, [this.key], [String(cutoffMs)]);
  }
}
