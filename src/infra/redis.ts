import { createClient, createCluster } from 'redis';
import type { Logger } from '../logger.js';

/**
 * What the service uses of a node-redis client, met by both a single-server client and a
 * Cluster client: Lua scripts (match pool, rate limits; a Cluster routes them by their first
 * key), sharded pub/sub (adapter, revocations; a Cluster routes a channel to its shard) and the
 * connection events. Typing the two node-redis classes as one interface keeps every caller free
 * of "which Redis is this".
 */
export interface RedisClient {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  sPublish(channel: string, message: string | Buffer): Promise<unknown>;
  sSubscribe(channels: string | string[], listener: (message: any, channel: any) => void, bufferMode?: boolean): Promise<void>;
  sUnsubscribe(channels: string | string[], listener?: (message: any, channel: any) => void, bufferMode?: boolean): Promise<void>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  close(): Promise<void>;
  destroy(): void;
}

/** Where Redis is: one server (REDIS_URL) or a Cluster (REDIS_CLUSTER_NODES, seed nodes). */
export type RedisTarget = { url: string } | { clusterNodes: readonly string[] };

export interface RedisConnections {
  /** Commands: match pool, rate limits. */
  client: RedisClient;
  /** Publisher and subscriber for the Socket.IO adapter and the revocation bus. */
  pub: RedisClient;
  sub: RedisClient;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A command that gets no answer (Redis hung, or a half-open connection) fails after this long. */
const COMMAND_TIMEOUT_MS = 2000;

/**
 * node-redis client options tuned for a service: commands fail at once while disconnected (no
 * offline queue, so callers answer 503 instead of hanging), a command without an answer fails
 * after COMMAND_TIMEOUT_MS (but see `optionsFor`), and the client reconnects by itself with a capped backoff when Redis
 * comes back (subscriptions are restored by node-redis on reconnect). A Cluster client applies
 * them to every node connection it opens.
 */
const CLIENT_OPTIONS = {
  disableOfflineQueue: true,
  socket: {
    connectTimeout: 2000,
    reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
  },
};

/**
 * The per-command timeout is an AbortSignal.timeout per command (a timer and an abort listener),
 * a measurable share of the CPU when every message is published (docs/performance.md). The
 * publisher does without: nothing waits for a publish (the adapter and the revocation bus fire
 * and forget), so a hung Redis cannot hang a request through it, and the command client's
 * timeouts (and /readyz) still report the hang. The publisher also carries the rate-limit counts
 * of sends already answered (src/infra/rate-limiter.ts), which nobody waits for either.
 *
 * node-redis (6.x here) gives every command a 5 s timeout unless told otherwise; a falsy `timeout`
 * means no timer. Leaving `commandOptions` out, as the publisher once did, no longer turns it off.
 */
const NO_TIMEOUT = 0;
const optionsFor = (role: string) => ({ ...CLIENT_OPTIONS, commandOptions: { timeout: role === 'pub' ? NO_TIMEOUT : COMMAND_TIMEOUT_MS } });

/**
 * Calls `restored` each time a connection of `c` is ready again after an error (for a Cluster:
 * any node connection, including its sharded pub/sub ones).
 */
export function onLinkRestored(c: RedisClient, restored: () => void, lost: () => void = () => undefined): void {
  let down = false;
  const onLost = () => {
    if (!down) lost();
    down = true;
  };
  const onReady = () => {
    if (!down) return;
    down = false;
    restored();
  };
  c.on('error', onLost);
  c.on('node-error', onLost);
  c.on('ready', onReady);
  c.on('node-ready', onReady);
}

function client(target: RedisTarget, log: Logger, role: string): RedisClient {
  const options = optionsFor(role);
  const c = ('url' in target
    ? createClient({ url: target.url, ...options })
    : createCluster({ rootNodes: target.clusterNodes.map((url) => ({ url })), defaults: options })) as unknown as RedisClient;
  let lastErr = '';
  const remember = (err: Error) => void (lastErr = err?.message ?? String(err));
  // Registered first, so the message is known when the "lost" line is logged.
  c.on('error', remember);
  c.on('node-error', remember);
  onLinkRestored(
    c,
    () => log.info({ role }, 'redis reconnected'),
    () => log.warn({ role, err: lastErr }, 'redis connection error'),
  );
  return c;
}

const describe = (t: RedisTarget) => ('url' in t ? redact(t.url) : `the cluster at ${t.clusterNodes.map(redact).join(', ')}`);

export async function connectRedis(target: RedisTarget, log: Logger, timeoutMs = 5000): Promise<RedisConnections> {
  const main = client(target, log, 'main');
  const pub = client(target, log, 'pub');
  const sub = client(target, log, 'sub');
  const all = [main, pub, sub];
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(all.map((c) => (c as unknown as { connect(): Promise<unknown> }).connect())),
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`cannot reach Redis at ${describe(target)} within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } catch (e) {
    await Promise.all(all.map((c) => c.destroy?.()));
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const pingAll = async () => {
    if ('url' in target) {
      await (main as unknown as { ping(): Promise<unknown> }).ping();
      return;
    }
    // A Cluster is whole when every master answers.
    const cluster = main as unknown as { masters: unknown[]; nodeClient(n: unknown): Promise<{ ping(): Promise<unknown> }> };
    await Promise.all(cluster.masters.map(async (m) => (await cluster.nodeClient(m)).ping()));
  };
  return {
    client: main,
    pub,
    sub,
    async ping() {
      // The node is only whole when it can also publish and receive broadcasts.
      const down = ([['pub', pub], ['sub', sub]] as const).filter(([, c]) => !c.isReady).map(([r]) => r);
      if (down.length) throw new Error(`redis ${down.join(', ')} connection is down`);
      await pingAll();
    },
    async close() {
      await Promise.all(all.map(async (c) => (c.isOpen ? c.close().catch(() => c.destroy()) : undefined)));
    },
  };
}

/** Never log a password that rides in the URL. */
export const redact = (url: string): string => url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
