import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { Actor, Ctx } from '../context.js';
import type { RateLimiter } from '../ports.js';
import type { SessionService } from '../auth/sessions.service.js';
import type { MembersRepo } from '../../store/members.repo.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { ChangePasswordInput } from '../../schemas/members.schemas.js';
import { RESP_OK, type RespOK } from '../chat/rooms.service.js';
import type { Passwords } from './passwords.js';
import { requireMember } from './member-rules.js';

export interface PasswordChangeDeps {
  db: Knex;
  accounts: Pick<MembersRepo, 'findByUserId' | 'setPassword'>;
  passwords: Passwords;
  sessions: Pick<SessionService, 'revokeAllForUser'>;
  limiter: RateLimiter;
  audit: Pick<AuditLog, 'record'>;
}

/** A signed-in member changes the password, proving the current one; other sessions end. */
export class PasswordChangeService {
  constructor(private readonly d: PasswordChangeDeps) {}

  async change(ctx: Ctx, actor: Actor, input: ChangePasswordInput): Promise<RespOK> {
    requireMember(actor, 'change a password');
    const account = await this.d.accounts.findByUserId(actor.uid);
    if (!account?.password_hash) throw new AppError('FORBIDDEN', 'this account signs in with a platform and has no password to change');
    // A stolen access token must not become an unlimited password-guessing oracle.
    const limitKey = `password_change|${actor.uid}`;
    await this.d.limiter.consume('auth_client', ctx.ip);
    await this.d.limiter.consume('auth_login', limitKey);
    if (!(await this.d.passwords.verify(input.current_password, account.password_hash, ctx.ip))) {
      throw new AppError('FORBIDDEN', 'current_password is wrong');
    }
    await this.d.limiter.reset('auth_login', limitKey);
    const hash = await this.d.passwords.hash(input.new_password, ctx.ip);
    await this.d.db.transaction(async (trx) => {
      await this.d.accounts.setPassword(actor.uid, hash, null, trx);
      await this.d.sessions.revokeAllForUser(actor.uid, 'password_change', actor.sid, trx);
    });
    await this.d.audit.record('password_changed', { userId: actor.uid, sessionId: actor.sid, ip: ctx.ip });
    await this.d.audit.record('sessions_revoked', { userId: actor.uid, sessionId: actor.sid, ip: ctx.ip, detail: { reason: 'password_change', kept: actor.sid } });
    return RESP_OK;
  }
}
