import { AppError } from '../errors.js';
import type { Ctx } from '../context.js';
import type { RateLimiter } from '../ports.js';
import type { MemberAccountRow, MembersRepo } from '../../store/members.repo.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { LoginReq } from '../../schemas/members.schemas.js';
import type { Passwords } from './passwords.js';
import { createMember, loginIdTaken, type NewMemberDeps } from './new-member.js';
import { toLoginResp, type LoginResp } from './member-sessions.service.js';

export interface CredentialsDeps extends NewMemberDeps {
  accounts: Pick<MembersRepo, 'insert' | 'findByLoginId' | 'exists' | 'replacePasswordHash'>;
  passwords: Passwords;
  limiter: RateLimiter;
  audit: Pick<AuditLog, 'record'>;
}

/** The one answer for an unknown login id, a wrong password and a password-less account alike. */
export const badCredentials = () => new AppError('UNAUTHENTICATED', 'wrong login_id or password');

/** Register and log in with a login id (e-mail or phone) and a password. */
export class CredentialsService {
  constructor(private readonly d: CredentialsDeps) {}

  async register(ctx: Ctx, input: LoginReq): Promise<LoginResp> {
    await this.d.limiter.consume('auth_register', ctx.ip);
    await this.d.limiter.consume('auth_client', ctx.ip);
    // Cheap early answer before the slow hash; the unique index still decides a race.
    if (await this.d.accounts.exists(input.login_id)) throw loginIdTaken();
    const passwordHash = await this.d.passwords.hash(input.credentials!.password, ctx.ip);
    const pair = await createMember(this.d, { platform: 'credentials', loginId: input.login_id, passwordHash });
    ctx.log.info({ uid: pair.uid }, 'member registered');
    return toLoginResp(pair);
  }

  async login(ctx: Ctx, input: LoginReq): Promise<LoginResp> {
    // Two budgets: one per (address, login id) against guessing one account, and one per address
    // whatever the login id, against spraying many accounts and against one client taking every
    // bcrypt slot (docs/security.md). Only the first is given back after a success.
    const limitKey = `${ctx.ip}|${input.login_id}`;
    await this.d.limiter.consume('auth_client', ctx.ip);
    await this.d.limiter.consume('auth_login', limitKey);
    const account = await this.d.accounts.findByLoginId(input.login_id);
    // Always exactly one bcrypt comparison (against a dummy hash when there is no account or no
    // password), so neither the answer nor its timing tells whether the login id exists.
    const ok = await this.d.passwords.verify(input.credentials!.password, account?.password_hash, ctx.ip);
    if (!account || !ok) {
      await this.d.audit.record('login_failed', {
        userId: account?.user_id ?? null,
        ip: ctx.ip,
        detail: { method: 'credentials', login_id: input.login_id, reason: account ? 'wrong_password' : 'unknown_login_id' },
      });
      throw badCredentials();
    }
    await this.d.limiter.reset('auth_login', limitKey);
    // The upgrade's one hash runs while the session starts: the answer waits for it at most once.
    const [pair] = await Promise.all([this.d.sessions.start(account.user_id, 'member'), this.upgradeHash(ctx, account, input.credentials!.password)]);
    return toLoginResp(pair);
  }

  /**
   * With the password in hand after a successful login, replaces a hash made with older settings
   * (no pepper, or a lower bcrypt cost) by a current one. Compare-and-set on the old hash: a
   * password changed meanwhile is never overwritten. A failure (say the hashing queue is full)
   * never fails the login; the next login tries again.
   */
  private async upgradeHash(ctx: Ctx, account: MemberAccountRow, password: string): Promise<void> {
    const old = account.password_hash;
    if (!old || !this.d.passwords.needsUpgrade(old)) return;
    try {
      const fresh = await this.d.passwords.hash(password, ctx.ip);
      const replaced = await this.d.accounts.replacePasswordHash(account.user_id, old, fresh);
      ctx.log.info({ uid: account.user_id, replaced }, replaced ? 'password hash upgraded' : 'password hash upgrade skipped: the password changed meanwhile');
    } catch (e) {
      ctx.log.warn({ uid: account.user_id, reason: e instanceof Error ? e.message : String(e) }, 'password hash upgrade failed; the next login tries again');
    }
  }
}
