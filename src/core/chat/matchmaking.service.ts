import { randomUUID } from 'node:crypto';
import type { Actor, Ctx } from '../context.js';
import type { Broadcaster, Clock, MatchPool, RateLimiter } from '../ports.js';
import type { RoomsRepo } from '../../store/rooms.repo.js';
import type { UsersRepo } from '../../store/users.repo.js';
import type { Logger } from '../../logger.js';
import type { RoomsService } from './rooms.service.js';
import { activeBan } from '../moderation/ban.js';

export type MatchState = { status: 'waiting' } | { status: 'matched'; room_id: string } | { status: 'idle' };

export interface MatchmakingOptions {
  idleTimeoutMs: number;
}

/**
 * First come, first served matchmaking. The pool (memory or Redis) owns who is waiting and pairs
 * atomically; the database owns who is in which room, and is the answer to "am I matched?".
 */
export class MatchmakingService {
  /** Users this node saw waiting: in its last heartbeat (sockets here), or queued by a join here since. */
  private seenWaiting = new Set<string>();
  /** Users to queue again because the pool forgot them (a Redis restarted empty); kept until that works. */
  private readonly requeue = new Set<string>();
  /** The heartbeat still running, if any: the next one is skipped rather than run beside it. */
  private beating: Promise<void> | null = null;

  constructor(
    private readonly pool: MatchPool,
    private readonly rooms: RoomsRepo,
    private readonly users: UsersRepo,
    private readonly roomService: RoomsService,
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
    private readonly opts: MatchmakingOptions,
    private readonly log: Logger,
    private readonly broadcaster: Broadcaster | null = null,
  ) {}


  async join(_ctx: Ctx, actor: Actor): Promise<MatchState> {
    await this.limiter.consume('match_join', actor.uid);
    const open = await this.rooms.openRoomOf(actor.uid);
    if (open) return { status: 'matched', room_id: open };
    const partner = await this.pool.enqueue(actor.uid, this.clock.now());
    if (!partner) {
      this.seenWaiting.add(actor.uid);
      return { status: 'waiting' };
    }
    const roomId = await this.createRoom(actor.uid, partner);
    if (roomId) return { status: 'matched', room_id: roomId };
    // One of the two was already in a room (a concurrent join on another node got there first):
    // the database says where the joiner stands now.
    const now = await this.rooms.openRoomOf(actor.uid);
    if (now) return { status: 'matched', room_id: now };
    return (await this.pool.isWaiting(actor.uid)) ? { status: 'waiting' } : { status: 'idle' };
  }

  /** A status poll also keeps a waiting entry alive. */
  async status(_ctx: Ctx, actor: Actor): Promise<MatchState> {
    const open = await this.rooms.openRoomOf(actor.uid);
    if (open) return { status: 'matched', room_id: open };
    const touched = await this.pool.touch([actor.uid], this.clock.now());
    if (touched.forgot) this.poolForgot();
    // A user this node is about to queue again (the pool forgot it) is still waiting.
    return touched.waiting.length || this.requeue.has(actor.uid) ? { status: 'waiting' } : { status: 'idle' };
  }

  /** Stops matchmaking altogether: leaves the queue and closes the user's open room, if any. */
  async leave(ctx: Ctx, actor: Actor): Promise<{ status: 'idle' }> {
    this.seenWaiting.delete(actor.uid);
    this.requeue.delete(actor.uid);
    await this.pool.remove(actor.uid);
    const open = await this.rooms.openRoomOf(actor.uid);
    if (open) await this.roomService.leave(ctx, actor, { room_id: open });
    return { status: 'idle' };
  }

  /**
   * Keeps entries alive for users with an open socket on this node (`uids`). When the pool has
   * forgotten everyone (a Redis restarted empty), the users this node saw waiting and that are
   * still connected here are queued again, and matched if someone waits: their clients, waiting
   * for `matched`, are never told that their place was lost, so the node keeps it for them.
   * A user who left through another node shortly before the loss, or while the pool loads its
   * blocks again, can be queued again too: the price of not losing everyone else's place.
   * Heartbeats do not overlap: one that comes while the last still runs waits for that one.
   */
  async heartbeat(uids: readonly string[]): Promise<void> {
    if (this.beating) return this.beating;
    this.beating = this.beat(uids).finally(() => (this.beating = null));
    return this.beating;
  }

  private async beat(uids: readonly string[]): Promise<void> {
    // Touched even with nobody here: the touch also keeps this node's mark in the pool alive.
    const touched = await this.pool.touch(uids, this.clock.now());
    if (touched.forgot) this.poolForgot();
    const here = new Set(uids);
    for (const uid of this.requeue) if (!here.has(uid)) this.requeue.delete(uid);
    this.seenWaiting = new Set([...touched.waiting, ...this.requeue]);
    if (this.requeue.size) await this.queueAgain();
  }

  private poolForgot(): void {
    for (const uid of this.seenWaiting) this.requeue.add(uid);
  }

  /**
   * Queues again the users the pool forgot, unless they are in a room or banned by now. One that
   * fails (the pool is still loading its blocks again) stops the round; the rest wait for the next
   * heartbeat. A user who leaves meanwhile is dropped from the set, and is not queued.
   */
  private async queueAgain(): Promise<void> {
    let queued = 0;
    for (const uid of [...this.requeue]) {
      const skip = (await this.rooms.openRoomOf(uid)) !== null || (await this.isBanned(uid));
      if (!this.requeue.has(uid)) continue; // left while we looked
      if (skip) {
        this.requeue.delete(uid);
        continue;
      }
      const partner = await this.pool.enqueue(uid, this.clock.now()); // throws: kept for the next round
      this.requeue.delete(uid);
      queued++;
      if (partner) await this.createRoom(uid, partner);
    }
    if (queued) this.log.warn({ count: queued }, 'the matchmaking pool had forgotten its waiting users (Redis restarted empty?); queued again those connected here');
  }

  /** A ban made on another node while Redis was away may not have reached this node's sockets yet. */
  private async isBanned(uid: string): Promise<boolean> {
    const user = await this.users.findById(uid);
    return !user || activeBan(user, this.clock.now()) !== null;
  }

  /** Periodic: drops entries nobody kept alive, then pairs users whose rematch block ran out. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    const gone = await this.pool.expire(now - this.opts.idleTimeoutMs);
    if (gone.length) this.log.info({ count: gone.length }, 'matchmaking entries expired');
    for (const [a, b] of await this.pool.pairWaiting(now)) await this.createRoom(a, b);
  }

  /**
   * Puts a pair the pool handed out into a new room. Returns null when the database refused
   * because one of them is already in an open room (the same user joined on two nodes at once):
   * the other goes back to the queue, and is paired again at once if someone is waiting.
   */
  private async createRoom(a: string, b: string): Promise<string | null> {
    const roomId = randomUUID();
    // If this throws (database down) both users are out of the queue: their next status call
    // answers idle and clients join again. Re-queueing here could pair them into a room that
    // nobody is told about, which is worse.
    if (!(await this.rooms.create(roomId, [a, b]))) {
      this.log.warn('a matched user was already in an open room; re-queueing the other');
      for (const u of [a, b]) {
        if (await this.rooms.openRoomOf(u)) continue;
        const partner = await this.pool.enqueue(u, this.clock.now());
        if (partner) await this.createRoom(u, partner);
      }
      return null;
    }
    // A join racing with the pairing could have queued one of them again; a matched user must not wait.
    await Promise.all([this.pool.remove(a), this.pool.remove(b)]);
    for (const u of [a, b]) this.seenWaiting.delete(u);
    const names = await this.users.namesByIds([a, b]);
    this.broadcaster?.matched(roomId, [
      { uid: a, name: names.get(a) ?? '' },
      { uid: b, name: names.get(b) ?? '' },
    ]);
    this.log.info({ roomId }, 'matched');
    return roomId;
  }
}
