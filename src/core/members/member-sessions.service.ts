import type { Actor, Ctx } from '../context.js';
import type { SessionService, TokenPair } from '../auth/sessions.service.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { SessionRefreshInput } from '../../schemas/members.schemas.js';
import { RESP_OK, type RespOK } from '../chat/rooms.service.js';

export interface LoginResp {
  uid: string;
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
}

export type RefreshTokenResp = Omit<LoginResp, 'uid'>;

export const toLoginResp = (p: TokenPair): LoginResp => ({
  uid: p.uid,
  access_token: p.accessToken,
  refresh_token: p.refreshToken,
  token_type: 'Bearer',
});

/** Refresh and logout for member (and anonymous) sessions. */
export class MemberSessionsService {
  constructor(
    private readonly sessions: SessionService,
    private readonly audit: Pick<AuditLog, 'record'>,
  ) {}

  async refresh(_ctx: Ctx, input: SessionRefreshInput): Promise<RefreshTokenResp> {
    const p = await this.sessions.refreshPair(input.access_token.trim(), input.refresh_token.trim());
    return { access_token: p.accessToken, refresh_token: p.refreshToken, token_type: 'Bearer' };
  }

  /** Ends the caller's session: its access and refresh tokens stop working at once, its sockets drop. */
  async logout(ctx: Ctx, actor: Actor): Promise<RespOK> {
    await this.sessions.revoke(actor.sid, 'logout');
    await this.audit.record('session_logout', { userId: actor.uid, sessionId: actor.sid, ip: ctx.ip });
    ctx.log.info({ uid: actor.uid }, 'logged out');
    return RESP_OK;
  }
}
