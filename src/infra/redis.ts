import { createClient } from 'redis';
import type { Logger } from '../logger.js';

export interface RedisConnections {
  /** Commands: match pool, rate limits. */
  client: RedisClient;
  /** Publisher and subscriber for the Socket.IO adapter. */
  pub: RedisClient;
  sub: RedisClient;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A command that gets no answer (Redis hung, or a half-open connection) fails after this long. */
const COMMAND_TIMEOUT_MS = 2000;

/**
 * node-redis clients tuned for a service: commands fail at once while disconnected (no offline
 * queue, so callers answer 503 instead of hanging), a command without an answer fails after
 * COMMAND_TIMEOUT_MS, and the client reconnects by itself with a capped backoff when Redis comes
 * back (subscriptions are restored by node-redis on reconnect).
 */
function client(url: string, log: Logger, role: string) {
  const c = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
    },
  });
  let down = false;
  c.on('error', (err: Error) => {
    if (!down) log.warn({ role, err: err.message }, 'redis connection error');
    down = true;
  });
  c.on('ready', () => {
    if (down) log.info({ role }, 'redis reconnected');
    down = false;
  });
  return c;
}

export type RedisClient = ReturnType<typeof client>;

export async function connectRedis(url: string, log: Logger, timeoutMs = 5000): Promise<RedisConnections> {
  const main = client(url, log, 'main');
  const pub = client(url, log, 'pub');
  const sub = client(url, log, 'sub');
  const all = [main, pub, sub];
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(all.map((c) => c.connect())),
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`cannot reach Redis at ${redact(url)} within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } catch (e) {
    await Promise.all(all.map((c) => c.destroy?.()));
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return {
    client: main,
    pub,
    sub,
    async ping() {
      // The node is only whole when it can also publish and receive broadcasts.
      const down = ([['pub', pub], ['sub', sub]] as const).filter(([, c]) => !c.isReady).map(([r]) => r);
      if (down.length) throw new Error(`redis ${down.join(', ')} connection is down`);
      await main.ping();
    },
    async close() {
      await Promise.all(all.map(async (c) => (c.isOpen ? c.close().catch(() => c.destroy()) : undefined)));
    },
  };
}

/** Never log a password that rides in the URL. */
export const redact = (url: string): string => url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
