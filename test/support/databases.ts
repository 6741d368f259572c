import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { createDatabase } from '../../src/store/db.js';

/**
 * Every test server gets a database of its own:
 * - with DATABASE_URL: a fresh Postgres database on that server, dropped afterwards;
 * - without: a PGlite data directory copied from a migrated template made once per process
 *   (initdb takes seconds, a copy takes milliseconds).
 */
export interface TestDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

let template: string | null = null;

/**
 * Test databases are named `gby_t_<host>_<pid>_<random>`: the machine and the test process that
 * made them. A run that is interrupted (Ctrl-C, a killed CI job) cannot drop its databases, so the
 * first test database a process makes first drops those of this machine's processes that are gone.
 * Databases of processes still running (another run at the same time) and of other machines are
 * left alone.
 */
const HOST = createHash('sha1').update(hostname()).digest('hex').slice(0, 6);
const NAME = /^gby_t_([0-9a-f]{6})_(\d+)_[0-9a-f]+$/;
let orphansDropped: Promise<void> | null = null;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** A fresh test database name for process `pid` on this machine. */
export const testDatabaseName = (pid: number = process.pid): string => `gby_t_${HOST}_${pid}_${randomBytes(4).toString('hex')}`;

/** The databases `dropOrphans` drops: this machine's, made by a process that no longer runs. */
export function isOrphan(name: string): boolean {
  const m = NAME.exec(name);
  return !!m && m[1] === HOST && !alive(Number(m[2]));
}

async function dropOrphans(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'gby\\_t\\_%'`);
  for (const { datname } of rows) if (isOrphan(datname)) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
}

async function pgliteTemplate(): Promise<string> {
  if (template) return template;
  const dir = mkdtempSync(path.join(tmpdir(), 'gby-template-'));
  const db = createDatabase({ dataDir: dir, log: pino({ level: 'silent' }) });
  await db.migrate();
  await db.close();
  template = dir;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gby-test-'));
  const base = process.env.DATABASE_URL;
  if (!base) {
    cpSync(path.join(await pgliteTemplate(), 'pgdata'), path.join(dataDir, 'pgdata'), { recursive: true });
    return { env: { DATA_DIR: dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = testDatabaseName();
  const admin = new pg.Client({ connectionString: base });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`DATABASE_URL is set but Postgres cannot be reached: ${(e as Error).message}`);
  }
  await (orphansDropped ??= dropOrphans(admin).catch(() => undefined));
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
