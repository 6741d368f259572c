import type { Knex } from 'knex';

export interface BlockView {
  uid: string;
  name: string;
  created_at: string;
}

/** Who blocked whom; one row per direction. */
export class BlocksRepo {
  constructor(private readonly db: Knex) {}

  /** Blocking again keeps the first row (and its date). */
  async add(blocker: string, blocked: string): Promise<void> {
    await this.db('blocks').insert({ blocker_id: blocker, blocked_id: blocked }).onConflict(['blocker_id', 'blocked_id']).ignore();
  }

  /** True when a block was removed. */
  async remove(blocker: string, blocked: string): Promise<boolean> {
    const rows = (await this.db('blocks').where({ blocker_id: blocker, blocked_id: blocked }).del().returning('blocker_id')) as unknown[];
    return rows.length > 0;
  }

  async has(blocker: string, blocked: string): Promise<boolean> {
    return !!(await this.db('blocks').where({ blocker_id: blocker, blocked_id: blocked }).first('blocker_id'));
  }

  /** Newest first, with the blocked user's display name. */
  async listBy(blocker: string): Promise<BlockView[]> {
    const rows = (await this.db('blocks as b')
      .join('users as u', 'u.id', 'b.blocked_id')
      .where('b.blocker_id', blocker)
      .orderBy([{ column: 'b.created_at', order: 'desc' }, { column: 'b.blocked_id', order: 'asc' }])
      .limit(1000)
      .select('b.blocked_id as uid', 'u.name as name', 'b.created_at as created_at')) as Array<{ uid: string; name: string; created_at: Date }>;
    return rows.map((r) => ({ uid: r.uid, name: r.name, created_at: new Date(r.created_at).toISOString() }));
  }

  /** Every blocked pair, for loading the matchmaking pool at start. */
  async *allPairs(batch = 1000): AsyncGenerator<Array<{ blocker_id: string; blocked_id: string }>> {
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = (await this.db('blocks')
        .whereRaw('(blocker_id, blocked_id) > (?, ?)', after)
        .orderBy(['blocker_id', 'blocked_id'])
        .limit(batch)
        .select('blocker_id', 'blocked_id')) as Array<{ blocker_id: string; blocked_id: string }>;
      if (rows.length === 0) return;
      yield rows;
      const last = rows[rows.length - 1]!;
      after = [last.blocker_id, last.blocked_id];
    }
  }
}
