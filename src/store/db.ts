import { mkdirSync } from 'node:fs';
import path from 'node:path';
import knexPkg, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import { migrationSource } from '../../db/migrations/index.js';
import type { Logger } from '../logger.js';

const { knex } = knexPkg;

// Postgres int8 (bigserial ids, counts) as strings, like PGlite's numbers normalised by the repos.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => v);

export interface Database {
  knex: Knex;
  kind: 'postgres' | 'pglite';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** An arbitrary but fixed key for the advisory lock that serialises migrations across nodes. */
const MIGRATION_LOCK_KEY = 7_246_001;

export function createDatabase(opts: { databaseUrl?: string | undefined; dataDir: string; log: Logger }): Database {
  if (opts.databaseUrl) return postgres(opts.databaseUrl, opts.log);
  return pglite(opts.dataDir, opts.log);
}

function postgres(url: string, log: Logger): Database {
  // Fail fast when Postgres is unreachable (the knex default waits 60 s for a connection), so
  // callers answer 503 instead of hanging.
  const k = knex({
    client: 'pg',
    connection: { connectionString: url, connectionTimeoutMillis: 3000 },
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: 5000,
  });
  return {
    knex: k,
    kind: 'postgres',
    async migrate() {
      // knex's own lock table makes a second node fail instead of wait, so two nodes starting at
      // once take a session-level advisory lock on a dedicated connection first.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        const [, applied] = (await k.migrate.latest({ migrationSource })) as [number, string[]];
        if (applied.length) log.info({ applied }, 'migrations applied');
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
        await client.end();
      }
    },
    async ping() {
      await k.raw('select 1');
    },
    async close() {
      await k.destroy();
    },
  };
}

function pglite(dataDir: string, log: Logger): Database {
  const dir = path.resolve(dataDir, 'pgdata');
  mkdirSync(dir, { recursive: true });
  // PGlite is one in-process Postgres with a single connection; knex-pglite pins the pool to 1.
  const k = knex({ client: ClientPgLite, dialect: 'postgres', connection: { filename: dir } } as Knex.Config);
  return {
    knex: k,
    kind: 'pglite',
    async migrate() {
      const [, applied] = (await k.migrate.latest({ migrationSource })) as [number, string[]];
      if (applied.length) log.info({ applied, dir }, 'migrations applied (embedded)');
    },
    async ping() {
      await k.raw('select 1');
    },
    async close() {
      await k.destroy();
    },
  };
}
