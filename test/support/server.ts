import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { createTestDatabase } from './databases.js';

export interface TestServer {
  url: string;
  port: number;
  app: App;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Generous limits so a suite's many logins from 127.0.0.1 are not throttled; limit tests set their own. */
export const TEST_DEFAULTS: Readonly<Record<string, string>> = {
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  BCRYPT_COST: '4',
  RATE_ANON_LOGIN: '100000/60',
  RATE_MATCH_JOIN: '100000/60',
  RATE_MESSAGE_SEND: '100000/60',
  RATE_AUTH_LOGIN: '100000/60',
  RATE_AUTH_REGISTER: '100000/60',
  RATE_REPORT: '100000/60',
  RATE_BLOCK: '100000/60',
  REMATCH_COOLDOWN_MS: '60000',
  RATE_AUTH_CLIENT: '100000/60',
  RATE_CODE_REQUEST_CLIENT: '100000/60',
  RATE_CODE_VERIFY_CLIENT: '100000/60',
  RATE_ROOM_READ: '100000/60',
  RATE_TYPING: '100000/60',
  RATE_SOCKET_CONNECT: '100000/60',
  CODE_DAILY_MAX: '100000',
  HASH_QUEUE_MAX: '100000',
  HASH_QUEUE_PER_CLIENT: '100000',
  MAX_SOCKETS_PER_ADDRESS: '100000',
};

/**
 * A real server on port 0 with its own database (and its own Redis namespace when REDIS_URL is
 * set), in this process. `env` overrides configuration variables.
 */
export async function startServer(env: Record<string, string> = {}, opts: AppOptions = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const fullEnv: Record<string, string> = {
    ...TEST_DEFAULTS,
    ...db.env,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: `gbyt${randomBytes(4).toString('hex')}` } : {}),
    ...env,
  };
  const config = loadConfig(fullEnv);
  const app = await createApp(config, { log: pino({ level: fullEnv.LOG_LEVEL ?? 'silent' }), defaultMetrics: false, ...opts });
  const addr = await app.listen();
  return {
    url: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    app,
    env: fullEnv,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
