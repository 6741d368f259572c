import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createApp, type App } from '../../src/app.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { TEST_DEFAULTS } from './server.js';
import { freePort } from './free-port.js';
import { ChatClient, type ChatClientOptions, type Message } from '../../client/src/index.js';
import { randomBytes } from 'node:crypto';

/** A server that can be stopped and started again on the same port and database (a restart). */
export interface RestartableServer {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function restartableServer(env: Record<string, string> = {}): Promise<RestartableServer> {
  const db: TestDatabase = await createTestDatabase();
  const port = await freePort();
  const fullEnv = {
    ...TEST_DEFAULTS,
    ...db.env,
    PORT: String(port),
    JWT_SECRET: randomBytes(32).toString('hex'),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: `gbys${randomBytes(4).toString('hex')}` } : {}),
    ...env,
  };
  let app: App | null = null;
  const self: RestartableServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    async start() {
      app = await createApp(loadConfig(fullEnv), { log: pino({ level: 'silent' }), defaultMetrics: false });
      await app.listen();
    },
    async stop() {
      await app?.close();
      app = null;
    },
    async close() {
      await self.stop();
      await db.drop();
    },
  };
  await self.start();
  return self;
}

/** A client plus everything it told the app, for assertions. */
export interface Recorded {
  client: ChatClient;
  messages: Message[];
  matched: string[];
  closed: string[];
  ended: string[];
  rateLimited: number;
}

export function recorded(baseUrl: string, opts: Partial<ChatClientOptions> = {}): Recorded {
  const client = new ChatClient({ baseUrl, transports: ['websocket'], ackTimeoutMs: 3000, ...opts });
  const r: Recorded = { client, messages: [], matched: [], closed: [], ended: [], rateLimited: 0 };
  client.on('message', (m) => r.messages.push(m));
  client.on('matched', (e) => r.matched.push(e.room_id));
  client.on('room_closed', (e) => r.closed.push(e.room_id));
  client.on('session_ended', (e) => r.ended.push(e.reason));
  client.on('rate_limited', () => r.rateLimited++);
  return r;
}

/** Waits for a condition the test is about to assert; fails with `what` if it never comes. */
export async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Signs both in and matches them; resolves when both know the room. */
export async function pair(a: Recorded, b: Recorded): Promise<string> {
  await Promise.all([a.client.signInAnonymously('Alice'), b.client.signInAnonymously('Bob')]);
  await until('both online', () => a.client.connection === 'online' && b.client.connection === 'online');
  await a.client.findMatch();
  await b.client.findMatch();
  await until('both matched', () => a.matched.length === 1 && b.matched.length === 1);
  return a.matched[0]!;
}

export const contents = (ms: Message[]) => ms.map((m) => m.content);
