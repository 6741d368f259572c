import type { Rest } from './rest.js';
import type { Tokens } from './session.js';
import type { ServerConfig, RespOK, UpdateUserInfo, UserInfo } from './types.js';

export type Identifier = { identifier: string; account_type: 'email' | 'phone' };

/** Member account calls (profile, password, verification); all but the reset flow need a session. */
export class Account {
  constructor(
    private readonly rest: Rest,
    private readonly tokens: Tokens,
  ) {}

  profile(): Promise<UserInfo> {
    return this.tokens.authed<UserInfo>(this.rest, 'GET', '/api/v1/user/me');
  }

  /** Only the fields given change; "" clears a field. */
  updateProfile(changes: UpdateUserInfo): Promise<UserInfo> {
    return this.tokens.authed<UserInfo>(this.rest, 'PUT', '/api/v1/user/me', changes);
  }

  /** Signs out the member's other sessions too. */
  changePassword(current: string, next: string): Promise<RespOK> {
    return this.tokens.authed<RespOK>(this.rest, 'PUT', '/api/v1/user/me/password', { current_password: current, new_password: next, new_password_confirm: next });
  }

  requestVerification(purpose: 'email_verification' | 'phone_verification'): Promise<RespOK> {
    return this.tokens.authed<RespOK>(this.rest, 'POST', '/api/v1/user/me/verifications', { purpose });
  }

  submitVerification(purpose: 'email_verification' | 'phone_verification', code: string): Promise<RespOK> {
    return this.tokens.authed<RespOK>(this.rest, 'PUT', '/api/v1/user/me/verifications', { purpose, verify_code: code });
  }

  /** Sends a reset code (the answer is the same for unknown accounts). */
  requestPasswordReset(who: Identifier): Promise<RespOK> {
    return this.rest.call<RespOK>('POST', '/api/v1/auth/password-resets/request', { body: who });
  }

  checkResetCode(identifier: string, code: string): Promise<RespOK> {
    return this.rest.call<RespOK>('POST', '/api/v1/auth/password-resets/verify', { body: { identifier, verify_code: code } });
  }

  resetPassword(identifier: string, code: string, password: string): Promise<RespOK> {
    return this.rest.call<RespOK>('PUT', '/api/v1/auth/password-resets', { body: { identifier, verify_code: code, password, password_confirm: password } });
  }

  /** Which platform sign-ins the server has configured (none when the server predates GET /config). */
  async serverConfig(): Promise<ServerConfig> {
    try {
      return await this.rest.call<ServerConfig>('GET', '/api/v1/config');
    } catch {
      return { platform_providers: [] };
    }
  }
}
