import type { Knex } from 'knex';
import type { CodePurpose } from '../core/ports.js';

export interface NewCode {
  purpose: CodePurpose;
  identifier: string;
  user_id: string;
  code_hash: string;
  expires_at: Date;
}

/** The outcome of presenting a code: no live code at all, or a live one that did or did not match. */
export type CodeCheck = null | { userId: string; ok: boolean };

/**
 * One-time codes. Checking is one conditional UPDATE on the code's row: Postgres serialises
 * concurrent updates of a row and re-checks the WHERE clause, so parallel guesses cannot get
 * more than `maxAttempts` wrong tries, and a code can be consumed once only.
 */
export class CodesRepo {
  constructor(private readonly db: Knex) {}

  /** Stores a fresh code, replacing any earlier one for the same purpose and identifier. */
  async replace(row: NewCode): Promise<void> {
    await this.db('verification_codes')
      .insert({ ...row, attempts: 0, consumed_at: null, created_at: this.db.fn.now() })
      .onConflict(['purpose', 'identifier'])
      .merge(['user_id', 'code_hash', 'expires_at', 'attempts', 'consumed_at', 'created_at']);
  }

  /**
   * Presents `codeHash`: a match is consumed when `consume` is set (and left usable otherwise);
   * a mismatch counts one wrong try. Expired, consumed or exhausted codes are left untouched.
   */
  async present(q: { purpose: CodePurpose; identifier: string; codeHash: string; now: Date; maxAttempts: number; consume: boolean }): Promise<CodeCheck> {
    const res = await this.db.raw(
      `UPDATE verification_codes
          SET attempts = CASE WHEN code_hash = ? THEN attempts ELSE attempts + 1 END,
              consumed_at = CASE WHEN code_hash = ? AND ? THEN ?::timestamptz ELSE consumed_at END
        WHERE purpose = ? AND identifier = ? AND consumed_at IS NULL AND attempts < ? AND expires_at > ?::timestamptz
        RETURNING user_id, (code_hash = ?) AS ok`,
      [q.codeHash, q.codeHash, q.consume, q.now, q.purpose, q.identifier, q.maxAttempts, q.now, q.codeHash],
    );
    const row = (res.rows as Array<{ user_id: string; ok: boolean }>)[0];
    return row ? { userId: row.user_id, ok: row.ok === true } : null;
  }
}
