import type { RevocationBus } from '../core/ports.js';
import type { Logger } from '../logger.js';
import { onLinkRestored, type RedisClient } from './redis.js';

/** Longest publish: a revocation is a handful of session ids, never an unbounded list. */
const MAX_SIDS_PER_MESSAGE = 1000;

/**
 * Revocations over one Redis sharded pub/sub channel (SPUBLISH/SSUBSCRIBE, Redis >= 7): the same
 * commands work on a single Redis and on a Cluster, where the channel lives on one shard.
 * A node hears its own publishes too; marking a session revoked twice is harmless.
 */
export class RedisRevocationBus implements RevocationBus {
  private readonly channel: string;

  constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    prefix: string,
    private readonly log: Logger,
  ) {
    this.channel = `${prefix}:revoked`;
  }

  publish(sids: readonly string[]): void {
    for (let i = 0; i < sids.length; i += MAX_SIDS_PER_MESSAGE) {
      const chunk = JSON.stringify(sids.slice(i, i + MAX_SIDS_PER_MESSAGE));
      // Fire and forget: the revocation is already in the database, and while Redis is away the
      // other nodes fall back to their cache TTL.
      this.pub.sPublish(this.channel, chunk).catch((err: unknown) => this.log.debug({ err: (err as Error)?.message }, 'could not publish a revocation'));
    }
  }

  listen(onRevoked: (sids: string[]) => void, onGap: () => void): void {
    const listener = (message: string) => {
      let sids: unknown;
      try {
        sids = JSON.parse(message);
      } catch {
        return;
      }
      if (Array.isArray(sids)) onRevoked(sids.filter((s): s is string => typeof s === 'string'));
    };
    this.sub.sSubscribe(this.channel, listener).catch((err: unknown) => this.log.warn({ err: (err as Error)?.message }, 'could not subscribe to revocations'));
    onLinkRestored(this.sub, onGap);
  }
}
