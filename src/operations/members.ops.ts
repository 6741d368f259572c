import { publicOp, userOp } from '../core/operation.js';
import * as S from '../schemas/members.schemas.js';
import type { CredentialsService } from '../core/members/credentials.service.js';
import type { PlatformAuthService } from '../core/members/platform-auth.service.js';
import type { MemberSessionsService } from '../core/members/member-sessions.service.js';
import type { PasswordResetService } from '../core/members/password-reset.service.js';
import type { PasswordChangeService } from '../core/members/password-change.service.js';
import type { ProfileService } from '../core/members/profile.service.js';
import type { VerificationService } from '../core/members/verification.service.js';

export interface MemberServices {
  credentials: CredentialsService;
  platform: PlatformAuthService;
  sessions: MemberSessionsService;
  resets: PasswordResetService;
  passwords: PasswordChangeService;
  profile: ProfileService;
  verification: VerificationService;
}

/** Every operation of member.api (plus logout), once; both doors are built from this table. */
export function memberOperations(s: MemberServices) {
  const byMethod = (i: S.LoginReq) => (i.auth_method === 'platform' ? s.platform : s.credentials);
  return {
    register: publicOp('register', S.register, (ctx, i) => byMethod(i).register(ctx, i)),
    login: publicOp('login', S.login, (ctx, i) => byMethod(i).login(ctx, i)),
    platformSignIn: publicOp('platform_sign_in', S.platformSignIn, (ctx, i) => s.platform.signIn(ctx, i)),
    sessionRefresh: publicOp('session_refresh', S.sessionRefresh, (ctx, i) => s.sessions.refresh(ctx, i)),
    logout: userOp('logout', null, (ctx, a) => s.sessions.logout(ctx, a)),
    requestPasswordReset: publicOp('password_reset_request', S.passwordResetRequest, (ctx, i) => s.resets.request(ctx, i)),
    verifyPasswordReset: publicOp('password_reset_verify', S.verifyResetCode, (ctx, i) => s.resets.verify(ctx, i)),
    resetPassword: publicOp('password_reset', S.resetPassword, (ctx, i) => s.resets.reset(ctx, i)),
    getMe: userOp('get_user_info', null, (ctx, a) => s.profile.get(ctx, a)),
    updateMe: userOp('update_user_info', S.updateUserInfo, (ctx, a, i) => s.profile.update(ctx, a, i)),
    changePassword: userOp('change_password', S.changePassword, (ctx, a, i) => s.passwords.change(ctx, a, i)),
    requestVerification: userOp('request_verification', S.verificationRequest, (ctx, a, i) => s.verification.request(ctx, a, i)),
    submitVerification: userOp('submit_verification', S.verificationSubmit, (ctx, a, i) => s.verification.submit(ctx, a, i)),
  };
}

export type MemberOperations = ReturnType<typeof memberOperations>;

/** The /auth socket events of member.api, each the same operation as its REST route. */
export const memberAuthEvents = (ops: MemberOperations) => ({
  register: ops.register,
  login: ops.login,
  platform_sign_in: ops.platformSignIn,
  session_refresh: ops.sessionRefresh,
});
