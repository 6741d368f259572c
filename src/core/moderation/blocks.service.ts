import { AppError } from '../errors.js';
import type { Actor, Ctx } from '../context.js';
import type { MatchPool, RateLimiter } from '../ports.js';
import type { BlocksRepo, BlockView } from '../../store/blocks.repo.js';
import type { UsersRepo } from '../../store/users.repo.js';
import type { RoomsRepo } from '../../store/rooms.repo.js';
import type { AuditLog } from '../../store/audit.repo.js';
import type { Logger } from '../../logger.js';
import { RESP_OK, type RespOK, type RoomsService } from '../chat/rooms.service.js';
import type { UidRef } from '../../schemas/moderation.schemas.js';

export interface BlocksDeps {
  blocks: BlocksRepo;
  users: Pick<UsersRepo, 'findById'>;
  rooms: Pick<RoomsRepo, 'openRoomOf' | 'findForMember'>;
  roomService: Pick<RoomsService, 'close'>;
  pool: MatchPool;
  limiter: RateLimiter;
  audit: Pick<AuditLog, 'record'>;
}

/**
 * Blocks: a row per direction in the database (the truth, listed to the user) and a lasting
 * block in the matchmaking pool, whose atomic pairing step is what keeps the pair apart.
 */
export class BlocksService {
  constructor(private readonly d: BlocksDeps) {}

  async block(ctx: Ctx, actor: Actor, input: UidRef): Promise<RespOK> {
    await this.d.limiter.consume('block', actor.uid);
    if (input.uid === actor.uid) {
      throw new AppError('INVALID_ARGUMENT', 'you cannot block yourself', { details: [{ field: 'uid', message: 'uid must not be your own' }] });
    }
    if (!(await this.d.users.findById(input.uid))) throw new AppError('NOT_FOUND', 'no such user');
    await this.apply(actor.uid, input.uid);
    await this.d.audit.record('user_blocked', { userId: actor.uid, sessionId: actor.sid, ip: ctx.ip, detail: { actor: actor.uid, target: input.uid } });
    return RESP_OK;
  }

  /**
   * Records the block, keeps the pair apart in the pool and closes their open room if they share
   * one. Also the second half of a report. The pool is written before the room closes, so the
   * two can never be queued again as a free pair.
   */
  async apply(blocker: string, blocked: string): Promise<void> {
    await this.d.blocks.add(blocker, blocked);
    await this.d.pool.block(blocker, blocked, Infinity);
    const open = await this.d.rooms.openRoomOf(blocker);
    if (open && (await this.d.rooms.findForMember(open, blocked))?.is_member) await this.d.roomService.close(open, blocker);
  }

  async list(_ctx: Ctx, actor: Actor): Promise<{ data: BlockView[] }> {
    return { data: await this.d.blocks.listBy(actor.uid) };
  }

  /** Ends this user's block; the pair stays apart while the other one's block (if any) stands. */
  async unblock(ctx: Ctx, actor: Actor, input: UidRef): Promise<RespOK> {
    if (!(await this.d.blocks.remove(actor.uid, input.uid))) return RESP_OK;
    if (!(await this.d.blocks.has(input.uid, actor.uid))) await this.d.pool.unblock(actor.uid, input.uid);
    await this.d.audit.record('user_unblocked', { userId: actor.uid, sessionId: actor.sid, ip: ctx.ip, detail: { actor: actor.uid, target: input.uid } });
    return RESP_OK;
  }
}

/** Loads every block into the pool, so a pool that lost its state (restart, flushed Redis) keeps them. */
export async function loadBlocksIntoPool(blocks: Pick<BlocksRepo, 'allPairs'>, pool: MatchPool, log: Logger): Promise<void> {
  let n = 0;
  for await (const batch of blocks.allPairs()) {
    for (const b of batch) await pool.block(b.blocker_id, b.blocked_id, Infinity);
    n += batch.length;
  }
  if (n) log.info({ blocks: n }, 'blocks loaded into the matchmaking pool');
}
