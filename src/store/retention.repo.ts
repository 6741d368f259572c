import type { Knex } from 'knex';

/** An arbitrary constant naming the retention job's advisory lock (one job cluster-wide). */
const RETENTION_LOCK = 905_001;

export class RetentionRepo {
  constructor(private readonly db: Knex) {}

  /**
   * Deletes up to `batch` messages of rooms closed before `cutoff`, holding a transaction-scoped
   * advisory lock so that only one node deletes at a time. Returns null when another node holds
   * the lock, else how many were deleted. Report evidence lives in `reports` and is not touched.
   */
  async deleteBatch(cutoff: Date, batch: number): Promise<number | null> {
    return this.db.transaction(async (trx) => {
      const lock = await trx.raw('SELECT pg_try_advisory_xact_lock(?) AS ok', [RETENTION_LOCK]);
      if (!(lock.rows as Array<{ ok: boolean }>)[0]?.ok) return null;
      const res = await trx.raw(
        `DELETE FROM messages WHERE id IN (
           SELECT m.id FROM rooms r JOIN messages m ON m.room_id = r.id
           WHERE r.closed_at IS NOT NULL AND r.closed_at < ? LIMIT ?)`,
        [cutoff, batch],
      );
      return Number(res.rowCount ?? res.affectedRows ?? 0);
    });
  }
}
