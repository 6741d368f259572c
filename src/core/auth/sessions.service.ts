import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { Actor, UserKind } from '../context.js';
import type { Broadcaster, Clock, RevocationBus } from '../ports.js';
import type { SessionRow, SessionsRepo } from '../../store/sessions.repo.js';
import type { UsersRepo } from '../../store/users.repo.js';
import { safeEqual, sha256, type TokenService, type TokenType } from './tokens.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { Role } from '../../store/users.repo.js';
import type { Ban } from '../../store/standing.repo.js';
import { activeBan, bannedError } from '../moderation/ban.js';

export interface TokenPair {
  uid: string;
  sid: string;
  accessToken: string;
  realtimeToken: string;
  refreshToken: string;
  /** Access-token expiry, unix seconds. */
  expireAt: number;
}

export interface SessionOptions {
  refreshTtlSec: number;
  /** Absolute lifetime: no refresh keeps a session alive longer than this after its login. */
  maxAgeSec: number;
  graceSec: number;
  cacheMs: number;
}

/** What authentication needs to know of a session, cached for `cacheMs`. */
interface SessionState {
  active: boolean;
  role: Role;
  ban: Ban | null;
  until: number;
}

const unauth = (m = 'invalid or expired refresh token') => new AppError('UNAUTHENTICATED', m);

/**
 * Sessions are refresh-token families. Each refresh moves the session to the next generation;
 * presenting an older generation's refresh token outside the grace window is treated as theft
 * and revokes the whole family. Access tokens are checked against the session on every call
 * (through a short cache), so revocation takes effect at once rather than at expiry: on this node
 * directly, on the others through the revocation bus (Redis), or after the cache TTL
 * (SESSION_CACHE_MS) when the bus is away.
 */
export class SessionService {
  private readonly activeCache = new Map<string, SessionState>();
  /** Grows with every revocation or role change; a lookup that raced one is not cached. */
  private cacheEpoch = 0;

  constructor(
    private readonly repo: SessionsRepo,
    private readonly users: UsersRepo,
    private readonly tokens: TokenService,
    private readonly clock: Clock,
    private readonly opts: SessionOptions,
    private readonly audit: AuditLog,
    private readonly broadcaster: Broadcaster | null = null,
    private readonly revocations: RevocationBus | null = null,
  ) {
    revocations?.listen(
      (sids) => this.markRevoked(sids),
      // Back from an outage: revocations published meanwhile were lost, so nothing cached as
      // active is trusted any more (each session is read again on its next use).
      () => {
        for (const [sid, e] of this.activeCache) if (e.active) this.activeCache.delete(sid);
      },
    );
  }


  async start(uid: string, kind: UserKind, trx?: Knex): Promise<TokenPair> {
    const now = this.clock.now();
    // Every login (credentials, platform, anonymous) comes through here: a banned user gets no session.
    const user = await this.users.findById(uid, trx);
    const ban = user ? activeBan(user, now) : null;
    if (ban) throw bannedError(ban);
    const sid = randomUUID();
    const rotatedAt = new Date(Math.floor(now / 1000) * 1000);
    await this.repo.insert(
      {
        id: sid,
        user_id: uid,
        refresh_gen: 0,
        refresh_hash: sha256(this.tokens.refreshToken(sid, 0)),
        rotated_at: rotatedAt,
        expires_at: new Date(now + Math.min(this.opts.refreshTtlSec, this.opts.maxAgeSec) * 1000),
        created_at: new Date(now),
      },
      trx,
    );
    return this.pairFor(uid, kind, sid, 0, rotatedAt);
  }

  /** The anonymous contract's refresh: a refresh token, or an anonymous session's access token. */
  refreshAny(token: string): Promise<TokenPair> {
    return this.tokens.isRefreshToken(token) ? this.refreshWithRefreshToken(token) : this.refreshWithAccessToken(token);
  }

  /** Refresh with a refresh token (rotation with reuse detection). */
  async refreshWithRefreshToken(token: string): Promise<TokenPair> {
    const parsed = this.tokens.parseRefresh(token);
    if (!parsed) throw unauth();
    const session = await this.liveSession(parsed.sid);
    if (parsed.gen === session.refresh_gen) {
      if (!safeEqual(session.refresh_hash, sha256(token))) throw unauth();
      return this.rotate(session);
    }
    if (this.inGrace(session, parsed.gen)) return this.currentPair(session);
    // An old generation shown again: someone holds a copy of a retired token.
    await this.revoke(session.id, 'refresh_reuse');
    await this.audit.record('refresh_token_reuse', { userId: session.user_id, sessionId: session.id });
    throw unauth('refresh token was already used; the session has been revoked, log in again');
  }

  /**
   * The member contract's refresh: both tokens of one session. The access token may have expired
   * but must be genuinely ours, and belong to the same session as the refresh token; the refresh
   * token then goes through the usual rotation with reuse detection.
   */
  async refreshPair(accessToken: string, refreshToken: string): Promise<TokenPair> {
    const claims = this.tokens.verifyAccess(accessToken, { allowExpired: true, types: ['access'] });
    const parsed = this.tokens.parseRefresh(refreshToken);
    if (!parsed) throw unauth();
    if (parsed.sid !== claims.sid) throw unauth('access_token and refresh_token do not belong to the same session');
    return this.refreshWithRefreshToken(refreshToken);
  }

  /**
   * Refresh with an access token that may have expired (the anonymous contract allows it). Only
   * the newest generation's token can be exchanged, and within the session's refresh lifetime.
   * Only anonymous sessions' REST access tokens: a member's access token alone must not outlive
   * its 15 minutes (members present their refresh token, /auth/sessions/refresh), and the
   * socket-only centrifugo_token must never buy a session.
   */
  async refreshWithAccessToken(token: string): Promise<TokenPair> {
    const claims = this.tokens.verifyAccess(token, { allowExpired: true, types: ['access'] });
    if (claims.knd !== 'anon') throw unauth('members refresh with their refresh token: POST /api/v1/auth/sessions/refresh');
    const session = await this.liveSession(claims.sid);
    if (session.user_id !== claims.sub) throw unauth('invalid token');
    if (claims.gen === session.refresh_gen) return this.rotate(session);
    if (this.inGrace(session, claims.gen)) return this.currentPair(session);
    throw unauth('token is no longer current; use the newest token or log in again');
  }

  /**
   * Checks an access (or real-time) token and that its session is still active. A banned user
   * (whose sessions the ban revoked) is told so: 403 with the ban's end, not a bare 401.
   */
  async authenticate(token: string, types: readonly TokenType[]): Promise<Actor> {
    const c = this.tokens.verifyAccess(token, { types });
    const state = await this.state(c.sid);
    if (state.ban && (!state.ban.until || state.ban.until.getTime() > this.clock.now())) throw bannedError(state.ban);
    if (!state.active) throw new AppError('UNAUTHENTICATED', 'session has ended, log in again');
    return { uid: c.sub, kind: c.knd, sid: c.sid, role: state.role, exp: c.exp };
  }

  async revoke(sid: string, reason: string): Promise<void> {
    await this.repo.revoke(sid, reason);
    this.forget([sid]);
  }

  /** Revokes every session of a user but `keep`; used by password reset and change. */
  async revokeAllForUser(uid: string, reason: string, keep?: string, trx?: Knex): Promise<void> {
    this.forget(await this.repo.revokeAllForUser(uid, reason, keep, trx));
  }

  /**
   * The user's standing changed (a new role): every node drops its cached copy of the user's sessions
   * at once, so the next call reads the new role. The sessions stay valid and their sockets stay up.
   */
  async refreshUser(uid: string): Promise<void> {
    this.dropCachedEverywhere(await this.repo.liveIdsForUser(uid));
  }

  /** Revoked here: drop it from every node's cache at once and disconnect its sockets everywhere. */
  private forget(sids: readonly string[]): void {
    this.dropCachedEverywhere(sids);
    for (const sid of sids) this.broadcaster?.sessionRevoked(sid);
  }

  /** This node's cache now, the other nodes' through the revocation bus. */
  private dropCachedEverywhere(sids: readonly string[]): void {
    this.markRevoked(sids);
    if (sids.length) this.revocations?.publish(sids);
  }

  // Dropped rather than cached as inactive: the next check reads the database, which says revoked
  // and why (a ban answers 403 with its end, not a bare 401).
  private markRevoked(sids: readonly string[]): void {
    this.cacheEpoch++;
    for (const sid of sids) this.activeCache.delete(sid);
  }

  private async state(sid: string): Promise<SessionState> {
    const now = this.clock.now();
    const hit = this.activeCache.get(sid);
    if (hit && hit.until > now) return hit;
    const epoch = this.cacheEpoch;
    const s = await this.repo.findWithStanding(sid);
    const state: SessionState = {
      active: !!s && this.alive(s, now),
      role: s?.role ?? 'user',
      ban: s ? activeBan(s, now) : null,
      // A session that can never come back (unknown, or revoked and not banned) is cached for good.
      until: !s || (s.revoked_at && !s.banned_at) ? Number.POSITIVE_INFINITY : now + this.opts.cacheMs,
    };
    // A revocation or role change while this read was on its way may have cleared an entry this
    // read is older than: answer with it, but do not cache it.
    if (epoch !== this.cacheEpoch) return state;
    if (this.activeCache.size > 100_000) this.activeCache.clear();
    this.activeCache.set(sid, state);
    return state;
  }

  private async liveSession(sid: string): Promise<SessionRow> {
    const s = await this.repo.findWithStanding(sid);
    if (!s) throw unauth();
    const ban = activeBan(s, this.clock.now());
    if (ban) throw bannedError(ban);
    if (!this.alive(s, this.clock.now())) throw unauth();
    return s;
  }

  /** Not revoked, within its refresh lifetime and within its absolute lifetime. */
  private alive(s: SessionRow, now: number): boolean {
    return !s.revoked_at && s.expires_at.getTime() > now && this.endOf(s) > now;
  }

  /** When the session ends whatever happens (SESSION_MAX_AGE after its login). */
  private endOf(s: SessionRow): number {
    return s.created_at.getTime() + this.opts.maxAgeSec * 1000;
  }

  private inGrace(s: SessionRow, gen: number): boolean {
    return gen === s.refresh_gen - 1 && this.clock.now() - s.rotated_at.getTime() <= this.opts.graceSec * 1000;
  }

  private async rotate(s: SessionRow): Promise<TokenPair> {
    const now = this.clock.now();
    const rotatedAt = new Date(Math.floor(now / 1000) * 1000);
    const next = await this.repo.rotate(s.id, s.refresh_gen, {
      refresh_hash: sha256(this.tokens.refreshToken(s.id, s.refresh_gen + 1)),
      rotated_at: rotatedAt,
      expires_at: new Date(Math.min(now + this.opts.refreshTtlSec * 1000, this.endOf(s))),
    });
    if (next) return this.currentPair(next);
    // Lost a race with a concurrent refresh of the same token: that is the grace case.
    const fresh = await this.liveSession(s.id);
    if (this.inGrace(fresh, s.refresh_gen)) return this.currentPair(fresh);
    throw unauth();
  }

  private async currentPair(s: SessionRow): Promise<TokenPair> {
    const user = await this.users.findById(s.user_id);
    if (!user) throw unauth();
    return this.pairFor(user.id, user.kind, s.id, s.refresh_gen, s.rotated_at);
  }

  private pairFor(uid: string, kind: UserKind, sid: string, gen: number, rotatedAt: Date): TokenPair {
    const iatSec = Math.floor(rotatedAt.getTime() / 1000);
    const access = this.tokens.signAccess({ uid, sid, gen, kind, iatSec }, 'access');
    const rt = this.tokens.signAccess({ uid, sid, gen, kind, iatSec }, 'rt');
    return { uid, sid, accessToken: access.token, realtimeToken: rt.token, refreshToken: this.tokens.refreshToken(sid, gen), expireAt: access.exp };
  }
}
