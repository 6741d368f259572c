import type { Knex } from 'knex';
import type { Role } from './users.repo.js';

export interface SessionRow {
  id: string;
  user_id: string;
  refresh_gen: number;
  refresh_hash: string;
  rotated_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
  created_at: Date;
}

export class SessionsRepo {
  constructor(private readonly db: Knex) {}

  async insert(
    row: Pick<SessionRow, 'id' | 'user_id' | 'refresh_gen' | 'refresh_hash' | 'rotated_at' | 'expires_at'> & Partial<Pick<SessionRow, 'created_at'>>,
    trx: Knex = this.db,
  ): Promise<void> {
    await trx('sessions').insert(row);
  }

  async findById(id: string): Promise<SessionRow | null> {
    return ((await this.db('sessions').where({ id }).first()) as SessionRow | undefined) ?? null;
  }

  /** The session with its user's role and ban columns, in one query (authentication). */
  async findWithStanding(id: string): Promise<(SessionRow & { role: Role; banned_at: Date | null; banned_until: Date | null }) | null> {
    const row = await this.db('sessions as s')
      .join('users as u', 'u.id', 's.user_id')
      .where('s.id', id)
      .first('s.*', 'u.role', 'u.banned_at', 'u.banned_until');
    return (row as (SessionRow & { role: Role; banned_at: Date | null; banned_until: Date | null }) | undefined) ?? null;
  }

  /**
   * Compare-and-set rotation: succeeds only for the generation the caller saw, so two concurrent
   * refreshes of one token cannot both mint a new generation.
   */
  async rotate(
    id: string,
    fromGen: number,
    next: Pick<SessionRow, 'refresh_hash' | 'rotated_at' | 'expires_at'>,
  ): Promise<SessionRow | null> {
    const rows = (await this.db('sessions')
      .where({ id, refresh_gen: fromGen })
      .whereNull('revoked_at')
      .update({ ...next, refresh_gen: fromGen + 1 })
      .returning('*')) as SessionRow[];
    return rows[0] ?? null;
  }

  /** Revokes one session; returns true when it was active. */
  async revoke(id: string, reason: string): Promise<boolean> {
    const n = await this.db('sessions').where({ id }).whereNull('revoked_at').update({ revoked_at: this.db.fn.now(), revoked_reason: reason });
    return Number(n) > 0;
  }

  /** The ids of a user's sessions that are not revoked (expired ones included: they are cheap to drop). */
  async liveIdsForUser(userId: string): Promise<string[]> {
    const rows = (await this.db('sessions').where({ user_id: userId }).whereNull('revoked_at').select('id')) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** Revokes every active session of a user except `keep`; returns the ids revoked. */
  async revokeAllForUser(userId: string, reason: string, keep?: string, trx: Knex = this.db): Promise<string[]> {
    const q = trx('sessions').where({ user_id: userId }).whereNull('revoked_at');
    if (keep) q.whereNot({ id: keep });
    const rows = (await q.update({ revoked_at: trx.fn.now(), revoked_reason: reason }).returning('id')) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }
}
