import type { Knex } from 'knex';
import type { Ctx } from '../context.js';
import type { SessionService } from '../auth/sessions.service.js';
import type { MembersRepo } from '../../store/members.repo.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { PasswordResetRequestInput, ResetPasswordInput, VerifyCodeInput } from '../../schemas/members.schemas.js';
import { RESP_OK, type RespOK } from '../chat/rooms.service.js';
import type { Passwords } from './passwords.js';
import { invalidCode, type CodesService } from './codes.service.js';
import { channelOf, verifiedFlagOf } from './member-rules.js';

export interface PasswordResetDeps {
  db: Knex;
  accounts: Pick<MembersRepo, 'findByLoginId' | 'findByUserId' | 'setPassword'>;
  codes: CodesService;
  passwords: Passwords;
  sessions: Pick<SessionService, 'revokeAllForUser'>;
  audit: Pick<AuditLog, 'record'>;
}

/**
 * Forgotten passwords: request a code, optionally check it, then spend it on a new password.
 * No answer depends on whether the account exists.
 */
export class PasswordResetService {
  constructor(private readonly d: PasswordResetDeps) {}

  async request(ctx: Ctx, input: PasswordResetRequestInput): Promise<RespOK> {
    await this.d.codes.cooldown('password_reset', input.identifier);
    const account = await this.d.accounts.findByLoginId(input.identifier);
    // Unknown accounts and platform-only accounts (no password to reset) get the same 200, and nothing is sent.
    if (account?.password_hash) {
      const channel = channelOf(account.login_type);
      await this.d.codes.issue('password_reset', account.login_id, account.user_id, channel);
      await this.d.audit.record('password_reset_requested', { userId: account.user_id, ip: ctx.ip, detail: { channel } });
    }
    return RESP_OK;
  }

  /** Tells whether the code is right without using it up; wrong tries still count. */
  async verify(_ctx: Ctx, input: VerifyCodeInput): Promise<RespOK> {
    await this.d.codes.check('password_reset', input.identifier, input.verify_code);
    return RESP_OK;
  }

  /** Uses the code up, sets the password and ends every session of the account. */
  async reset(ctx: Ctx, input: ResetPasswordInput): Promise<RespOK> {
    const userId = await this.d.codes.consume('password_reset', input.identifier, input.verify_code);
    const account = await this.d.accounts.findByUserId(userId);
    if (!account?.password_hash) throw invalidCode();
    const hash = await this.d.passwords.hash(input.password);
    await this.d.db.transaction(async (trx) => {
      // Receiving the code proved control of the address, so it counts as verified too.
      await this.d.accounts.setPassword(userId, hash, verifiedFlagOf(account.login_type), trx);
      await this.d.sessions.revokeAllForUser(userId, 'password_reset', undefined, trx);
    });
    await this.d.audit.record('password_reset_done', { userId, ip: ctx.ip });
    await this.d.audit.record('sessions_revoked', { userId, ip: ctx.ip, detail: { reason: 'password_reset', kept: null } });
    ctx.log.info({ uid: userId }, 'password reset');
    return RESP_OK;
  }
}
