import { AppError } from '../errors.js';
import type { Ctx } from '../context.js';
import type { Broadcaster, Clock, MatchPool } from '../ports.js';
import type { StandingRepo } from '../../store/standing.repo.js';
import type { RoomsRepo } from '../../store/rooms.repo.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { Role } from '../../store/users.repo.js';
import type { SessionService } from '../auth/sessions.service.js';
import type { RoomsService } from '../chat/rooms.service.js';

/** Who acts: a moderator or admin (uid and role), or the server's own CLI. */
export interface Moderator {
  uid: string;
  role: Role;
}

export interface BanResp {
  uid: string;
  user_status: 'banned' | 'active';
  /** ISO-8601; null while banned means permanent. */
  banned_until: string | null;
}

export interface BansDeps {
  standing: StandingRepo;
  sessions: Pick<SessionService, 'revokeAllForUser'>;
  rooms: Pick<RoomsRepo, 'openRoomOf'>;
  roomService: Pick<RoomsService, 'close'>;
  pool: Pick<MatchPool, 'remove'>;
  broadcaster: Pick<Broadcaster, 'userDisconnected'> | null;
  clock: Clock;
  audit: Pick<AuditLog, 'record'>;
}

const RANK: Record<Role, number> = { user: 0, moderator: 1, admin: 2 };

/**
 * The one ban operation (both doors, report resolution). It takes effect at once on every node:
 * the ban is stored first (so no new login, refresh or handshake gets through), then sessions are
 * revoked (their sockets drop through the broadcaster), the open room closes and the user leaves
 * the matchmaking pool.
 */
export class BansService {
  constructor(private readonly d: BansDeps) {}

  async ban(ctx: Ctx, by: Moderator, uid: string, input: { reason: string; duration_hours?: number | undefined }): Promise<BanResp> {
    if (uid === by.uid) throw new AppError('INVALID_ARGUMENT', 'you cannot ban yourself', { details: [{ field: 'uid', message: 'uid must not be your own' }] });
    const now = this.d.clock.now();
    const target = await this.d.standing.find(uid, new Date(now));
    if (!target) throw new AppError('NOT_FOUND', 'no such user');
    if (RANK[target.role] >= RANK[by.role]) throw new AppError('FORBIDDEN', `a ${by.role} cannot ban a ${target.role}`);
    const until = input.duration_hours ? new Date(now + input.duration_hours * 3_600_000) : null;
    await this.d.standing.ban(uid, until, input.reason, new Date(now));
    await this.d.sessions.revokeAllForUser(uid, 'banned');
    this.d.broadcaster?.userDisconnected(uid);
    const open = await this.d.rooms.openRoomOf(uid);
    if (open) await this.d.roomService.close(open, uid);
    await this.d.pool.remove(uid).catch((err: unknown) => ctx.log.warn({ err }, 'ban: could not remove the user from the matchmaking pool'));
    await this.d.audit.record('user_banned', {
      userId: by.uid,
      ip: ctx.ip,
      detail: { actor: by.uid, target: uid, reason: input.reason, until: until?.toISOString() ?? null },
    });
    ctx.log.info({ target: uid, until }, 'user banned');
    return { uid, user_status: 'banned', banned_until: until ? until.toISOString() : null };
  }

  async unban(ctx: Ctx, by: Moderator, uid: string): Promise<BanResp> {
    if (!(await this.d.standing.unban(uid))) throw new AppError('NOT_FOUND', 'no such user');
    await this.d.audit.record('user_unbanned', { userId: by.uid, ip: ctx.ip, detail: { actor: by.uid, target: uid } });
    return { uid, user_status: 'active', banned_until: null };
  }
}
