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

  /**
   * Answers once the limits are taken, then looks the account up and sends the code in the
   * background: the answer and its timing are the same whether or not the account exists (an
   * inline lookup and send made real accounts measurably slower to answer).
   */
  async request(ctx: Ctx, input: PasswordResetRequestInput): Promise<RespOK> {
    await this.d.codes.cooldown('password_reset', input.identifier, ctx.ip);
    this.send(ctx, input.identifier).catch((err: unknown) => ctx.log.error({ err }, 'password reset code could not be issued'));
    return RESP_OK;
  }

  private async send(ctx: Ctx, identifier: string): Promise<void> {
    const account = await this.d.accounts.findByLoginId(identifier);
    // Unknown accounts and platform-only accounts (no password to reset): nothing is sent.
    if (!account?.password_hash) return;
    const channel = channelOf(account.login_type);
    await this.d.audit.record('password_reset_requested', { userId: account.user_id, ip: ctx.ip, detail: { channel } });
    await this.d.codes.issue('password_reset', account.login_id, account.user_id, channel);
  }

  /** Tells whether the code is right without using it up; wrong tries still count. */
  async verify(ctx: Ctx, input: VerifyCodeInput): Promise<RespOK> {
    await this.d.codes.check('password_reset', input.identifier, input.verify_code, ctx.ip);
    return RESP_OK;
  }

  /** Uses the code up, sets the password and ends every session of the account. */
  async reset(ctx: Ctx, input: ResetPasswordInput): Promise<RespOK> {
    const userId = await this.d.codes.consume('password_reset', input.identifier, input.verify_code, ctx.ip);
    const account = await this.d.accounts.findByUserId(userId);
    if (!account?.password_hash) throw invalidCode();
    const hash = await this.d.passwords.hash(input.password, ctx.ip);
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
