import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Ctx } from '../context.js';
import type { RateLimiter } from '../ports.js';
import type { UsersRepo } from '../../store/users.repo.js';
import type { AnonLoginInput, RefreshInput } from '../../schemas/chat.schemas.js';
import type { SessionService, TokenPair } from './sessions.service.js';

export interface AnonLoginResp {
  uid: string;
  token: string;
  centrifugo_token: string;
  refresh_token: string;
  expire_at: number;
}

export const toAnonLoginResp = (p: TokenPair): AnonLoginResp => ({
  uid: p.uid,
  token: p.accessToken,
  centrifugo_token: p.realtimeToken,
  refresh_token: p.refreshToken,
  expire_at: p.expireAt,
});

export class AnonAuthService {
  constructor(
    private readonly db: Knex,
    private readonly users: UsersRepo,
    private readonly sessions: SessionService,
    private readonly limiter: RateLimiter,
  ) {}

  async login(ctx: Ctx, input: AnonLoginInput): Promise<AnonLoginResp> {
    await this.limiter.consume('anon_login', ctx.ip);
    const uid = randomUUID();
    const pair = await this.db.transaction(async (trx) => {
      await this.users.insert({ id: uid, kind: 'anon', platform: 'anonymous', name: input.name }, trx);
      return this.sessions.start(uid, 'anon', trx);
    });
    ctx.log.info({ uid }, 'anonymous login');
    return toAnonLoginResp(pair);
  }

  /** Accepts a refresh token, or an anonymous session's genuine access token that may have expired. */
  async refresh(_ctx: Ctx, input: RefreshInput): Promise<AnonLoginResp> {
    // The schema trims and refuses an empty token, with the field list like any bad input.
    return toAnonLoginResp(await this.sessions.refreshAny(input.token));
  }
}
