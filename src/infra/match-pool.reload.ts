import type { MatchPool } from '../core/ports.js';
import type { Logger } from '../logger.js';
import { onLinkRestored, type RedisClient } from './redis.js';
import { redisUnavailable } from './redis-errors.js';

/** How long to wait between two tries of the reload while Redis (or a Cluster) is not whole yet. */
const RETRY_MS = 500;

/**
 * A Redis that comes back after losing its connection may have lost its data too (a restart
 * without persistence, a Cluster master restarted empty, a flush): the pool's blocks, loaded once
 * at startup, would be gone, and a blocked pair could be matched. So from the moment the link is
 * lost until `reload` (the blocks loaded again from the database) has succeeded after it is back,
 * the calls that pair users (`enqueue`, `pairWaiting`) answer UNAVAILABLE (503, Retry-After) like
 * the rest of the outage; the others pass through. A reload after a blip that lost nothing is
 * harmless (a block is never shortened). `reloading()` is true meanwhile, so /readyz can say so.
 * A touch that finds the pool forgotten (see MatchPool.touch) starts the same reload.
 */
export function reloadAfterOutage(pool: MatchPool, client: RedisClient, reload: () => Promise<void>, log: Logger): MatchPool & { reloading(): boolean } {
  let stale = false;
  let generation = 0;
  const reloadUntilDone = async (mine: number): Promise<void> => {
    while (mine === generation) {
      try {
        await reload();
        if (mine === generation) stale = false;
        return;
      } catch (err) {
        log.debug({ err: (err as Error)?.message }, 'matchmaking blocks not reloaded yet, retrying');
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
  };
  onLinkRestored(
    client,
    () => void reloadUntilDone(++generation),
    () => {
      stale = true;
      generation++;
    },
  );
  const gated = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A): Promise<R> =>
    stale ? Promise.reject(redisUnavailable('matchmaking', new Error('the pool is reloading its blocks after a Redis outage'))) : call(...args);
  return {
    reloading: () => stale,
    enqueue: gated((uid: string, now: number) => pool.enqueue(uid, now)),
    pairWaiting: gated((now: number) => pool.pairWaiting(now)),
    // A pool that forgot everything without the link going down (a flush, a failover to an empty
    // replica) has lost the blocks too: load them again before pairing, as after an outage.
    touch: async (uids, now) => {
      const touched = await pool.touch(uids, now);
      if (touched.forgot) {
        stale = true;
        void reloadUntilDone(++generation);
      }
      return touched;
    },
    remove: (uid) => pool.remove(uid),
    isWaiting: (uid) => pool.isWaiting(uid),
    block: (a, b, untilMs) => pool.block(a, b, untilMs),
    unblock: (a, b) => pool.unblock(a, b),
    expire: (cutoffMs) => pool.expire(cutoffMs),
    size: () => pool.size(),
  };
}
