import type { Clock, PresenceStore } from '../ports.js';
import type { RoomsRepo } from '../../store/rooms.repo.js';
import type { RoomsService } from './rooms.service.js';
import type { Logger } from '../../logger.js';

export interface PresenceOptions {
  /** How long one heartbeat of an open socket keeps its user here (a few heartbeats). */
  socketTtlMs: number;
  /** How long a REST call keeps its caller here (the contract: 30 s). */
  restTtlMs: number;
  /** ROOM_AWAY_CLOSE_MS: a room closes once a member has been away this long. */
  awayCloseMs: number;
}

/** Room members read per query of the away sweep (which pages through all open rooms). */
const SWEEP_BATCH = 2000;

/**
 * Who is here, for the whole cluster: each node marks the users of its open /rooms sockets on
 * every heartbeat, and REST callers (coalesced into the next heartbeat, so a burst of calls is one
 * write). A user is here while its "here until" time has not passed.
 */
export class PresenceService {
  private restSeen = new Set<string>();
  /** Since when this node's heartbeats have been reaching the store without a failure. */
  private beatingSince: number | null = null;

  constructor(
    private readonly store: PresenceStore,
    private readonly rooms: Pick<RoomsRepo, 'openMembersSince'>,
    private readonly roomService: Pick<RoomsService, 'close'>,
    private readonly clock: Clock,
    private readonly opts: PresenceOptions,
    private readonly log: Logger,
  ) {}

  seenOverRest(uid: string): void {
    this.restSeen.add(uid);
  }

  /** One heartbeat: `socketUids` have an open socket on this node right now. */
  async beat(socketUids: readonly string[]): Promise<void> {
    const now = this.clock.now();
    const rest = [...this.restSeen];
    this.restSeen = new Set();
    try {
      await Promise.all([this.store.markHere(socketUids, now + this.opts.socketTtlMs), this.store.markHere(rest, now + this.opts.restTtlMs)]);
      this.beatingSince ??= now;
    } catch (e) {
      this.beatingSince = null;
      throw e;
    }
  }

  /** Whether each of `uids` is here now. */
  async here(uids: readonly string[]): Promise<Map<string, boolean>> {
    const now = this.clock.now();
    const until = await this.store.hereUntil(uids);
    return new Map(uids.map((u) => [u, (until.get(u) ?? 0) > now]));
  }

  /**
   * Closes every open room one of whose members has been away for `awayCloseMs`, by that member
   * (the one away longest when both are). A member never seen counts from when it joined. Any
   * node may run this at any time: closing is a single conditional statement, so a room is
   * closed, and announced, once.
   */
  async closeAwayRooms(): Promise<number> {
    // After a store outage every "here until" is stale: wait until the nodes have marked their
    // users again (a few heartbeats) before calling anyone away, or present users would be.
    if (this.beatingSince === null || this.clock.now() - this.beatingSince < 2 * this.opts.socketTtlMs) return 0;
    let closed = 0;
    let after = '';
    for (;;) {
      const batch = await this.rooms.openMembersSince(new Date(this.clock.now() - this.opts.awayCloseMs), SWEEP_BATCH, after);
      // A batch may end in the middle of a room: leave that room to the next batch.
      const last = batch.length === SWEEP_BATCH ? batch[batch.length - 1]!.room_id : null;
      const whole = last === null ? batch : batch.filter((m) => m.room_id !== last);
      closed += await this.closeAwayIn(whole);
      if (last === null || whole.length === 0) break;
      after = whole[whole.length - 1]!.room_id;
    }
    if (closed) this.log.info({ closed }, 'closed rooms whose member went away');
    return closed;
  }

  private async closeAwayIn(members: ReadonlyArray<{ room_id: string; user_id: string; joined_at: Date }>): Promise<number> {
    if (members.length === 0) return 0;
    const now = this.clock.now();
    const cutoff = now - this.opts.awayCloseMs;
    const until = await this.store.hereUntil([...new Set(members.map((m) => m.user_id))]);
    const away = new Map<string, { uid: string; since: number }>();
    for (const m of members) {
      const since = Math.max(until.get(m.user_id) ?? 0, new Date(m.joined_at).getTime());
      if (since >= cutoff) continue;
      const prev = away.get(m.room_id);
      if (!prev || since < prev.since) away.set(m.room_id, { uid: m.user_id, since });
    }
    let closed = 0;
    for (const [roomId, { uid }] of away) if (await this.roomService.close(roomId, uid)) closed++;
    return closed;
  }

  /** Forgets users gone for long enough that no rule can still ask about them. */
  async housekeeping(): Promise<void> {
    await this.store.forget(this.clock.now() - Math.max(2 * this.opts.awayCloseMs, 3_600_000));
  }
}
