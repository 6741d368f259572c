import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createClient, createCluster } from 'redis';
import { createTestDatabase, type TestDatabase } from '../../support/databases.js';
import { TEST_DEFAULTS } from '../../support/server.js';
import { freePort } from '../../support/free-port.js';
import { phaseRedisCluster } from './redis-mode.js';
import { watchdog } from './watchdog.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The in-process harness's generous test limits, plus what separate processes need. */
const CLUSTER_DEFAULTS: Record<string, string> = {
  ...TEST_DEFAULTS,
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  SHUTDOWN_TIMEOUT_MS: '5000',
};

const STARTUP_TIMEOUT_MS = 45_000;
const OUTPUT_KEEP = 16_000;

export interface ClusterNode {
  index: number;
  url: string;
  port: number;
  readonly alive: boolean;
  /** The tail of the process's stdout and stderr, for failure messages. */
  output(): string;
  /** Sends `signal` and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Cluster {
  nodes: ClusterNode[];
  /** The environment every node shares (DATABASE_URL, REDIS_URL, REDIS_PREFIX, JWT_SECRET...). */
  env: Record<string, string>;
  /** A client on the cluster's database, for assertions on what is stored. */
  db: pg.Pool;
  /** A client on the nodes' Redis (a Cluster client on a Cluster), for assertions on the shared state (keys under `env.REDIS_PREFIX`). */
  redis: SharedRedis;
  /** SIGTERM to every live node (SIGKILL after a grace period), then drops the database and the Redis keys. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  nodes: number;
  /** Extra configuration for every node (e.g. a tight RATE_MESSAGE_SEND). */
  env?: Record<string, string>;
  /**
   * Run the nodes on this Redis Cluster (REDIS_CLUSTER_NODES) instead of REDIS_URL. Defaults to
   * the phase's Cluster when MULTINODE_REDIS=cluster (support/redis-mode.ts).
   */
  redisCluster?: string[];
}

/** What the tests read of the shared Redis state, the same on one server and on a Cluster. */
export interface SharedRedis {
  zScore(key: string, member: string): Promise<number | null>;
  zRange(key: string, start: number, stop: number): Promise<string[]>;
  /** Deletes every key that starts with `prefix`, on every master of a Cluster. */
  deleteKeys(prefix: string): Promise<void>;
  close(): Promise<void>;
}

const newRedisClient = (url: string) => createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
export type TestRedis = ReturnType<typeof newRedisClient>;

/** Throws a clear error when REDIS_URL is set but nobody answers there. */
export async function connectRedisOrFail(url: string): Promise<TestRedis> {
  const client = newRedisClient(url);
  client.on('error', () => undefined); // connect() rejects with the error itself
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`REDIS_URL is set but Redis cannot be reached: ${(e as Error).message}`);
  }
  return client;
}

async function deleteKeys(client: TestRedis, prefix: string): Promise<void> {
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
    // One DEL per key: on a Cluster master the keys of one SCAN page may sit in different slots.
    for (const key of keys) await client.del(key);
  }
}

/** A client of one Redis, or of a Cluster (keys routed to their slot's master, SCAN on each master). */
export async function connectSharedRedis(target: string | string[]): Promise<SharedRedis> {
  if (typeof target === 'string') {
    const one = await connectRedisOrFail(target);
    return { zScore: (k, m) => one.zScore(k, m), zRange: (k, a, b) => one.zRange(k, a, b), deleteKeys: (p) => deleteKeys(one, p), close: () => one.close() };
  }
  const cluster = createCluster({ rootNodes: target.map((url) => ({ url })), defaults: { socket: { connectTimeout: 3000 } } });
  cluster.on('error', () => undefined); // a restarted master: the commands themselves report it
  await cluster.connect();
  return {
    zScore: (k, m) => cluster.zScore(k, m),
    zRange: (k, a, b) => cluster.zRange(k, a, b),
    async deleteKeys(prefix) {
      for (const master of cluster.masters) await deleteKeys((await cluster.nodeClient(master)) as unknown as TestRedis, prefix);
    },
    close: () => cluster.close(),
  };
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

function spawnNode(index: number, port: number, env: Record<string, string>): ClusterNode {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  if (proc.pid) watchdog([proc.pid], 'src/main.ts');
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-OUTPUT_KEEP);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let alive = true;
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', (code, signal) => {
      alive = false;
      children.delete(proc);
      keep(Buffer.from(`\n[node ${index} exited: code ${code}, signal ${signal}]\n`));
      resolve();
    });
  });
  return {
    index,
    port,
    url: `http://127.0.0.1:${port}`,
    get alive() {
      return alive;
    },
    output: () => out,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (!alive) return;
      proc.kill(signal);
      if (signal === 'SIGKILL') return exited;
      const grace = setTimeout(() => proc.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(grace);
    },
  };
}

async function waitReady(node: ClusterNode, deadline: number): Promise<void> {
  for (;;) {
    if (!node.alive) throw new Error(`node ${node.index} exited during startup:\n${node.output()}`);
    try {
      const res = await fetch(`${node.url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`node ${node.index} not ready within ${STARTUP_TIMEOUT_MS} ms:\n${node.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts `nodes` real server processes (`node --import tsx src/main.ts`) sharing one fresh
 * Postgres database, one Redis namespace and one JWT secret, and waits until each answers
 * /readyz. Needs DATABASE_URL and REDIS_URL; an unreachable one fails here with a clear message.
 */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) throw new Error('the multinode suite needs DATABASE_URL and REDIS_URL');
  const redisCluster = opts.redisCluster ?? (await phaseRedisCluster())?.urls;
  const redisUrl = process.env.REDIS_URL;
  const redis = await connectSharedRedis(redisCluster ?? redisUrl);
  let database: TestDatabase;
  try {
    database = await createTestDatabase();
  } catch (e) {
    await redis.close();
    throw e;
  }
  const env: Record<string, string> = {
    ...CLUSTER_DEFAULTS,
    ...database.env,
    ...(redisCluster ? { REDIS_CLUSTER_NODES: redisCluster.join(',') } : { REDIS_URL: redisUrl }),
    REDIS_PREFIX: `gbymn${randomBytes(4).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('hex'),
    ...(opts.env ?? {}),
  };
  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 4 });
  // An idle connection ended by the server (the drop at teardown) must not surface as an uncaught error.
  db.on('error', () => undefined);
  const nodes: ClusterNode[] = [];

  const stop = async () => {
    await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
    await db.end().catch(() => undefined);
    await redis.deleteKeys(`${env.REDIS_PREFIX}:`).catch(() => undefined);
    await redis.close().catch(() => undefined);
    await database.drop();
  };

  try {
    for (let i = 0; i < opts.nodes; i++) nodes.push(spawnNode(i, await freePort(), env));
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    await Promise.all(nodes.map((n) => waitReady(n, deadline)));
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  return { nodes, env, db, redis, stop };
}

/** Polls `probe` until it returns a value other than undefined, at most `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Rejects when `p` takes longer than `ms`: "answers, and does not hang". */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}
