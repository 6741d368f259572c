import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Ctx } from '../context.js';
import { systemClock, type Clock, type RateLimiter } from '../ports.js';
import type { StandingRepo } from '../../store/standing.repo.js';
import { bannedError } from '../moderation/ban.js';
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
    private readonly standing: Pick<StandingRepo, 'addressBan' | 'setLastIp'> | null = null,
    private readonly clock: Clock = systemClock,
  ) {}

  async login(ctx: Ctx, input: AnonLoginInput): Promise<AnonLoginResp> {
    await this.limiter.consume('anon_login', ctx.ip);
    // A banned anonymous user must not come back as a new identity from the same address.
    const ban = await this.standing?.addressBan(ctx.ip, new Date(this.clock.now()));
    if (ban) throw bannedError(ban);
    const uid = randomUUID();
    const pair = await this.db.transaction(async (trx) => {
      await this.users.insert({ id: uid, kind: 'anon', platform: 'anonymous', name: input.name }, trx);
      await this.standing?.setLastIp(uid, ctx.ip, trx);
      return this.sessions.start(uid, 'anon', trx);
    });
    ctx.log.info({ uid }, 'anonymous login');
    return toAnonLoginResp(pair);
  }

  /** Accepts a refresh token, or an anonymous session's genuine access token that may have expired. */
  async refresh(ctx: Ctx, input: RefreshInput): Promise<AnonLoginResp> {
    // The schema trims and refuses an empty token, with the field list like any bad input.
    const pair = await this.sessions.refreshAny(input.token);
    // "The address it last used": a ban on this user then also covers where it refreshes from.
    await this.standing?.setLastIp(pair.uid, ctx.ip);
    return toAnonLoginResp(pair);
  }
}
