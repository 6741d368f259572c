import { createShardedAdapter } from '@socket.io/redis-adapter';
import { onLinkRestored, type RedisClient } from '../infra/redis.js';
import type { Logger } from '../logger.js';

type Listener = (message: Buffer, channel: Buffer) => void;
type ShardedAdapter = ReturnType<ReturnType<typeof createShardedAdapter>>;

/**
 * The Socket.IO adapter that makes several nodes one service: `to(room).emit`, `except`,
 * `socketsJoin` and `disconnectSockets` reach sockets on every node.
 *
 * Why the sharded adapter (Redis >= 7 SPUBLISH/SSUBSCRIBE) in "dynamic" mode, see docs/deploy.md:
 * every public room (`room:<id>`, `user:<uid>`, `session:<sid>`) gets its own channel, and a node
 * subscribes only to the channels of rooms it has a socket in. A message in a 1:1 room therefore
 * reaches the one or two nodes that hold its members instead of every node, and the channels
 * spread over the shards of a Redis Cluster. It is also built on socket.io-adapter's
 * ClusterAdapter, which catches a failed publish, so an emit while Redis is away still reaches
 * local sockets and never throws into a request (the classic adapter leaves the rejection of
 * `publish` unhandled, which ends a Node 20 process).
 *
 * Two gaps of the library are closed here:
 * - it does not handle the promise of SSUBSCRIBE/SUNSUBSCRIBE, which reject while Redis is away
 *   (a socket joining a new room during an outage would crash the process with an unhandled
 *   rejection): the subscriber is wrapped so those rejections are handled;
 * - a subscription that failed during an outage is not retried by node-redis (it restores only
 *   the subscriptions it had): when the subscriber is ready again, every local room's channel is
 *   subscribed again (a no-op for the ones node-redis already restored).
 *
 * And one cost: in dynamic mode a node that publishes to a room it also holds sockets in (the
 * usual case: the sender's own socket is in the room) receives its own publish back from Redis,
 * and the adapter decodes the whole message only to drop it ("ignore message from self"). Those
 * are recognised before decoding, by the exact JSON ending the adapter writes
 * (`…,"uid":"<this adapter's random id>","nsp":"<namespace>"}`; user content is JSON-escaped
 * and cannot contain it), and dropped; binary (msgpack) messages are passed on unchanged.
 *
 * Broadcasts published by other nodes while this node's subscriber was away are lost for good
 * (pub/sub keeps nothing). `onRestored` runs once the subscriptions are back, so the caller can
 * tell its clients to catch up (src/realtime/resync.ts).
 */
export function redisAdapter(pub: RedisClient, sub: RedisClient, channelPrefix: string, log: Logger, onRestored: () => void = () => undefined) {
  const quiet = (what: string, channels: string | string[]) => (err: unknown) =>
    log.debug({ err: (err as Error)?.message, channels }, `redis adapter: ${what} failed`);
  /** Subscriptions asked for and not yet answered, so a restore can wait for its own. */
  const pending = new Set<Promise<unknown>>();
  /** The exact JSON ending of a message published by one of this node's adapters (see `fromSelf`). */
  const ownSuffixes: Buffer[] = [];
  const fromSelf = (msg: Buffer): boolean => {
    for (const sfx of ownSuffixes) if (msg.length > sfx.length && msg.compare(sfx, 0, sfx.length, msg.length - sfx.length) === 0) return true;
    return false;
  };
  // One wrapper per listener: node-redis keeps listeners in a set, so subscribing the same
  // listener again (the restore below) must hand it the same function, or messages would double.
  const filtered = new WeakMap<Listener, Listener>();
  const skipOwn = (listener: Listener): Listener => {
    let f = filtered.get(listener);
    if (!f) {
      f = (message, channel) => {
        if (!fromSelf(message)) listener(message, channel);
      };
      filtered.set(listener, f);
    }
    return f;
  };
  const subscriber = {
    sSubscribe(channels: string | string[], listener: Listener, bufferMode?: boolean) {
      const p = sub.sSubscribe(channels, skipOwn(listener), bufferMode as true).catch(quiet('SSUBSCRIBE', channels));
      pending.add(p);
      void p.finally(() => pending.delete(p));
      return p;
    },
    sUnsubscribe(channels: string | string[], listener?: Listener, bufferMode?: boolean) {
      return sub.sUnsubscribe(channels, listener && filtered.get(listener), bufferMode as true).catch(quiet('SUNSUBSCRIBE', channels));
    },
  };
  const factory = createShardedAdapter(pub, subscriber, { channelPrefix, subscriptionMode: 'dynamic' });

  const adapters = new Set<ShardedAdapter>();
  onLinkRestored(sub, () => {
    let rooms = 0;
    for (const adapter of adapters) {
      for (const room of adapter.rooms.keys()) {
        if (adapter.sids.has(room)) continue; // a socket's own room rides on the namespace channel
        adapter.emit('create-room', room); // the adapter's own listener (re)subscribes its channel
        rooms++;
      }
    }
    // Only once the node listens again can its clients catch up without a new gap behind them.
    void Promise.all(pending).then(() => {
      log.info({ rooms }, 'redis adapter: room subscriptions restored after reconnect');
      onRestored();
    });
  });

  // Socket.IO calls this with `new`, so it must be a function, not an arrow.
  return function trackedAdapter(nsp: unknown): ShardedAdapter {
    const adapter = factory(nsp);
    adapters.add(adapter);
    const { uid } = adapter as unknown as { uid: string };
    ownSuffixes.push(Buffer.from(`,"uid":${JSON.stringify(uid)},"nsp":${JSON.stringify(adapter.nsp.name)}}`));
    return adapter;
  };
}
