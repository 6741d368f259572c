import { AppError } from '../errors.js';
import type { Ctx } from '../context.js';
import type { PlatformVerifier, RateLimiter } from '../ports.js';
import type { MembersRepo } from '../../store/members.repo.js';
import type { IdentitiesRepo } from '../../store/identities.repo.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { LoginReq } from '../../schemas/members.schemas.js';
import { createMember, loginIdTaken, type NewMemberDeps } from './new-member.js';
import { normalizeEmail } from './login-id.js';
import { toLoginResp, type LoginResp } from './member-sessions.service.js';

export interface PlatformAuthDeps extends NewMemberDeps {
  accounts: Pick<MembersRepo, 'insert' | 'exists'>;
  identities: Pick<IdentitiesRepo, 'insert' | 'find'>;
  verifier: PlatformVerifier;
  limiter: RateLimiter;
  audit: Pick<AuditLog, 'record'>;
}

/**
 * Register and log in with a Google, Apple or LINE ID token. The verified (provider, subject) is
 * the identity; the login id is only the account's contact address and must be unique.
 */
export class PlatformAuthService {
  constructor(private readonly d: PlatformAuthDeps) {}

  async register(ctx: Ctx, input: LoginReq): Promise<LoginResp> {
    await this.d.limiter.consume('auth_register', ctx.ip);
    await this.d.limiter.consume('auth_client', ctx.ip);
    const { provider, token } = input.platform!;
    const identity = await this.d.verifier.verify(provider, token);
    if (await this.d.identities.find(provider, identity.subject)) {
      throw new AppError('CONFLICT', `this ${provider} account is already registered; log in instead`);
    }
    if (await this.d.accounts.exists(input.login_id)) throw loginIdTaken();
    // The provider vouches for its own e-mail: when it is the login id, it counts as verified.
    const emailVerified = identity.emailVerified === true && !!identity.email && normalizeEmail(identity.email) === input.login_id;
    const pair = await createMember(this.d, { platform: provider, loginId: input.login_id, passwordHash: null, emailVerified, identity });
    ctx.log.info({ uid: pair.uid, provider }, 'member registered with a platform');
    return toLoginResp(pair);
  }

  /** Finds the member by the token's (provider, subject); the request's login_id is not used to look up. */
  async login(ctx: Ctx, input: LoginReq): Promise<LoginResp> {
    // Keyed on the address alone: the login id is not used to log in here, so keying on it
    // would let a client buy a fresh allowance (and an outbound verify call) per made-up id.
    await this.d.limiter.consume('auth_client', ctx.ip);
    const { provider, token } = input.platform!;
    const failed = (reason: string) =>
      this.d.audit.record('login_failed', { ip: ctx.ip, detail: { method: 'platform', provider, login_id: input.login_id, reason } });
    let identity;
    try {
      identity = await this.d.verifier.verify(provider, token);
    } catch (e) {
      if (e instanceof AppError && e.code === 'UNAUTHENTICATED') await failed('invalid_token');
      throw e;
    }
    const link = await this.d.identities.find(provider, identity.subject);
    if (!link) {
      await failed('not_registered');
      throw new AppError('UNAUTHENTICATED', `no account is registered for this ${provider} sign-in; register first`);
    }
    const pair = await this.d.sessions.start(link.user_id, 'member');
    return toLoginResp(pair);
  }
}
