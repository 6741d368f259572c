import type { Knex } from 'knex';
import type { LoginIdType } from '../core/members/login-id.js';

export interface MemberAccountRow {
  user_id: string;
  login_id: string;
  login_type: LoginIdType;
  password_hash: string | null;
  is_email_verified: boolean;
  is_phone_verified: boolean;
  created_at: Date;
  updated_at: Date;
}

export type NewMemberAccount = Pick<MemberAccountRow, 'user_id' | 'login_id' | 'login_type' | 'password_hash'> &
  Partial<Pick<MemberAccountRow, 'is_email_verified'>>;

export type VerifiedFlag = 'is_email_verified' | 'is_phone_verified';

/** True for Postgres' unique_violation (PGlite reports the same SQLSTATE). */
export const isUniqueViolation = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';

export class MembersRepo {
  constructor(private readonly db: Knex) {}

  async insert(row: NewMemberAccount, trx: Knex = this.db): Promise<void> {
    await trx('member_accounts').insert(row);
  }

  async findByLoginId(loginId: string, trx: Knex = this.db): Promise<MemberAccountRow | null> {
    return ((await trx('member_accounts').where({ login_id: loginId }).first()) as MemberAccountRow | undefined) ?? null;
  }

  async findByUserId(userId: string, trx: Knex = this.db): Promise<MemberAccountRow | null> {
    return ((await trx('member_accounts').where({ user_id: userId }).first()) as MemberAccountRow | undefined) ?? null;
  }

  async exists(loginId: string): Promise<boolean> {
    return !!(await this.db('member_accounts').where({ login_id: loginId }).first('user_id'));
  }

  /** Sets a new password hash; `verify` also marks the login id verified (a reset code proved it). */
  async setPassword(userId: string, hash: string, verify: VerifiedFlag | null, trx: Knex = this.db): Promise<void> {
    await trx('member_accounts')
      .where({ user_id: userId })
      .update({ password_hash: hash, updated_at: trx.fn.now(), ...(verify ? { [verify]: true } : {}) });
  }

  /**
   * Compare-and-set: replaces the password hash only while it is still `old`, so an upgrade
   * computed from the old hash never overwrites a password changed meanwhile. True when replaced.
   */
  async replacePasswordHash(userId: string, old: string, hash: string, trx: Knex = this.db): Promise<boolean> {
    const n = await trx('member_accounts').where({ user_id: userId, password_hash: old }).update({ password_hash: hash, updated_at: trx.fn.now() });
    return n > 0;
  }

  async markVerified(userId: string, flag: VerifiedFlag, trx: Knex = this.db): Promise<void> {
    await trx('member_accounts').where({ user_id: userId }).update({ [flag]: true, updated_at: trx.fn.now() });
  }
}
