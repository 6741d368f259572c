import { AppError } from '../errors.js';
import type { Ctx } from '../context.js';
import type { PlatformCodeExchanger, PlatformIdentity, PlatformProvider, PlatformVerifier, RateLimiter } from '../ports.js';
import type { MembersRepo } from '../../store/members.repo.js';
import type { IdentitiesRepo } from '../../store/identities.repo.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { LoginReq, PlatformSignInInput } from '../../schemas/members.schemas.js';
import { createMember, loginIdTaken, type NewMemberDeps } from './new-member.js';
import { normalizeEmail } from './login-id.js';
import { toLoginResp, type LoginResp } from './member-sessions.service.js';

export interface PlatformAuthDeps extends NewMemberDeps {
  accounts: Pick<MembersRepo, 'insert' | 'exists'>;
  identities: Pick<IdentitiesRepo, 'insert' | 'find'>;
  verifier: PlatformVerifier;
  /** Trades codes of the code flow (LINE) for ID tokens. */
  codes: PlatformCodeExchanger;
  limiter: RateLimiter;
  audit: Pick<AuditLog, 'record'>;
}

/** The token's e-mail address, normalised, when the provider says it has verified it; else null. */
function vouchedEmail(identity: PlatformIdentity): string | null {
  return identity.emailVerified === true && identity.email ? normalizeEmail(identity.email) : null;
}

function notVouched(provider: PlatformProvider, vouched: string | null): AppError {
  const message = 'with platform sign-in, login_id must be the e-mail address your provider verified';
  const hint = vouched === null ? `; this ${provider} token carries no verified e-mail address (ask for the email scope)` : '';
  return new AppError('INVALID_ARGUMENT', message + hint, { details: [{ field: 'login_id', message: message + hint }] });
}

/** A platform sign-in's answer: the session, and whether the account was created by this call. */
export interface PlatformSignInResp extends LoginResp {
  registered: boolean;
}

/**
 * Register and log in with a Google, Apple or LINE ID token. The verified (provider, subject) is
 * the identity; the login id is the account's contact address, unique, and must be the e-mail
 * address the provider vouches for: a login id also names who may register or reset a password
 * with it, so a platform account must not take an address (or phone number) nobody proved is theirs.
 */
export class PlatformAuthService {
  constructor(private readonly d: PlatformAuthDeps) {}

  /**
   * The web sign-in (a redirect to the provider and back): logs the member in, or registers them
   * with the e-mail address the provider verified when this (provider, subject) has no account.
   * The token's nonce must be the one the caller says it put in its authorization request. The
   * browser checks it against the nonce it kept, which is what refuses a token injected from
   * another sign-in; a thief holding a whole token can present it as they could at `login`, until
   * the token expires (one-time use of a nonce would need a shared store: not done).
   */
  async signIn(ctx: Ctx, input: PlatformSignInInput): Promise<PlatformSignInResp> {
    // One allowance per client address, as for the other platform logins (each call may fetch from the provider).
    await this.d.limiter.consume('auth_client', ctx.ip);
    const { provider } = input;
    const failed = (reason: string) => this.d.audit.record('login_failed', { ip: ctx.ip, detail: { method: 'platform', provider, reason } });
    let identity: PlatformIdentity;
    try {
      const token = input.code
        ? await this.d.codes.exchange(provider, { code: input.code, redirectUri: input.redirect_uri!, ...(input.code_verifier ? { codeVerifier: input.code_verifier } : {}) })
        : input.id_token!;
      identity = await this.d.verifier.verify(provider, token);
    } catch (e) {
      if (e instanceof AppError && e.code === 'UNAUTHENTICATED') await failed(input.code ? 'invalid_code' : 'invalid_token');
      throw e;
    }
    if (identity.nonce !== input.nonce) {
      await failed('nonce_mismatch');
      throw new AppError('UNAUTHENTICATED', `this ${provider} token was not issued for this sign-in (its nonce does not match); start the sign-in again`);
    }
    const link = await this.d.identities.find(provider, identity.subject);
    if (link) return { ...toLoginResp(await this.d.sessions.start(link.user_id, 'member')), registered: false };
    await this.d.limiter.consume('auth_register', ctx.ip);
    const vouched = vouchedEmail(identity);
    if (vouched === null) throw notVouched(provider, vouched);
    return { ...(await this.create(ctx, provider, vouched, identity)), registered: true };
  }

  async register(ctx: Ctx, input: LoginReq): Promise<LoginResp> {
    await this.d.limiter.consume('auth_register', ctx.ip);
    await this.d.limiter.consume('auth_client', ctx.ip);
    const { provider, token } = input.platform!;
    const identity = await this.d.verifier.verify(provider, token);
    if (await this.d.identities.find(provider, identity.subject)) {
      throw new AppError('CONFLICT', `this ${provider} account is already registered; log in instead`);
    }
    // Checked before the taken test, so this door cannot be used to ask whether an address is registered.
    const vouched = vouchedEmail(identity);
    if (vouched === null || vouched !== input.login_id) throw notVouched(provider, vouched);
    return this.create(ctx, provider, input.login_id, identity);
  }

  private async create(ctx: Ctx, provider: PlatformProvider, loginId: string, identity: PlatformIdentity): Promise<LoginResp> {
    if (await this.d.accounts.exists(loginId)) throw loginIdTaken();
    // The provider vouched for this very address, so it starts verified.
    const pair = await createMember(this.d, { platform: provider, loginId, passwordHash: null, emailVerified: true, identity });
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
