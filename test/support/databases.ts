import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
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
  const name = `gby_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  try {
    await admin.connect();
  } catch (e) {
    throw new Error(`DATABASE_URL is set but Postgres cannot be reached: ${(e as Error).message}`);
  }
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
