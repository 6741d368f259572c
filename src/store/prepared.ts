import type { Knex } from 'knex';

export interface QueryRows {
  rows: Array<Record<string, unknown>>;
}

interface PgConnection {
  query(q: { name: string; text: string; values: readonly unknown[] }): Promise<QueryRows>;
}

/** `?` placeholders (knex's) as `$1`, `$2`… (Postgres'). */
export function toPgPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/**
 * One fixed statement for a hot path, written with `?` placeholders. On node-postgres it runs as a
 * named (prepared) statement on a pooled connection: Postgres parses and plans it once per
 * connection, and knex's query building is skipped (measured here: 234 → 87 µs of Node CPU for a
 * one-row insert; docs/performance.md). Elsewhere (PGlite) it goes through `knex.raw`.
 * The text must not hold a `?` other than the placeholders.
 */
export function preparedStatement(db: Knex, name: string, text: string): (values: readonly unknown[]) => Promise<QueryRows> {
  if ((db.client as { config?: { client?: unknown } }).config?.client !== 'pg') {
    return async (values) => (await db.raw(text, values as readonly Knex.RawBinding[])) as QueryRows;
  }
  const pgText = toPgPlaceholders(text);
  const client = db.client as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<unknown> };
  return async (values) => {
    const conn = await client.acquireConnection();
    try {
      return await conn.query({ name, text: pgText, values });
    } finally {
      await client.releaseConnection(conn);
    }
  };
}
