import { RoomFeed } from './feed.js';
import type { SavedRoom } from './storage.js';
import type { CatchUp, MatchedEvent, Message, Partner } from './types.js';

export interface RoomHooks {
  matched(e: MatchedEvent): void;
  message(m: Message): void;
  opened(roomId: string): void;
  closed(e: { room_id: string; by: string | null }): void;
  persist(): void;
  catchUp(roomId: string, after: string | undefined): Promise<CatchUp>;
  online(): boolean;
}

/** How long a join answered "matched" waits for the `matched` event that names the partner. */
const PARTNER_WAIT_MS = 1500;

/** The one room the user is in (or was last in): who the partner is, its message feed, its end. */
export class CurrentRoom {
  private room: SavedRoom | null = null;
  private feed: RoomFeed | null = null;
  private announce: { room: string; timer: ReturnType<typeof setTimeout> } | null = null;

  constructor(private readonly hooks: RoomHooks) {}

  get id(): string | undefined {
    return this.room?.id;
  }
  get isOpen(): boolean {
    return this.room !== null && this.room.closed !== true;
  }
  get partner(): Partner | undefined {
    return this.room?.partner;
  }
  get info(): { id: string; partner: Partner; closed: boolean } | null {
    return this.room ? { id: this.room.id, partner: { ...this.room.partner }, closed: this.room.closed === true } : null;
  }
  /** What to persist: the room and the catch-up cursor. */
  get saved(): SavedRoom | undefined {
    if (!this.room) return undefined;
    return this.feed ? { ...this.room, lastId: this.feed.lastId, lastSeq: this.feed.lastSeq } : { ...this.room };
  }

  restore(saved: SavedRoom): void {
    this.reset();
    this.room = { ...saved, partner: { ...saved.partner } };
    if (saved.closed) return;
    const id = saved.id;
    this.feed = new RoomFeed(
      id,
      {
        deliver: (m) => this.hooks.message(m),
        catchUp: (after) => this.hooks.catchUp(id, after),
        closed: () => this.close(id, null),
        moved: () => this.hooks.persist(),
      },
      saved,
    );
    this.hooks.opened(id);
  }

  /** From the `matched` event (partner known) or a join/status answer (then the event names the partner, if it comes). */
  enter(roomId: string, partner: Partner | null): void {
    if (this.room?.id === roomId) {
      if (partner && this.announce?.room === roomId) {
        clearTimeout(this.announce.timer);
        this.announce = null;
        this.room.partner = partner;
        this.hooks.persist();
        this.hooks.matched({ room_id: roomId, partner });
      }
      return;
    }
    this.restore({ id: roomId, partner: partner ?? { uid: '', name: '' } });
    this.hooks.persist();
    if (partner) this.hooks.matched({ room_id: roomId, partner });
    else {
      const timer = setTimeout(() => {
        this.announce = null;
        if (this.room?.id === roomId) this.hooks.matched({ room_id: roomId, partner: this.room.partner });
      }, PARTNER_WAIT_MS);
      this.announce = { room: roomId, timer };
    }
    void this.sync();
  }

  close(roomId: string, by: string | null): void {
    const room = this.room;
    if (!room || room.id !== roomId || room.closed) return;
    room.closed = true;
    this.feed?.stop();
    this.feed = null;
    this.hooks.closed({ room_id: roomId, by });
  }

  accept(m: Message): void {
    if (this.feed && m.room_id === this.feed.roomId) this.feed.accept(m);
  }

  /** Catch up (failures are left to the next reconnection, which syncs again). */
  async sync(): Promise<void> {
    if (!this.feed || !this.hooks.online()) return;
    await this.feed.sync().catch(() => undefined);
  }

  /** Runs `fn` (our own send) with live messages held back, so its message takes its place in order. */
  async holding<T>(roomId: string, fn: () => Promise<Message>): Promise<Message> {
    const feed = this.feed?.roomId === roomId ? this.feed : null;
    feed?.hold();
    try {
      const m = await fn();
      feed?.accept(m);
      return m;
    } finally {
      feed?.release();
    }
  }

  reset(): void {
    this.feed?.stop();
    this.feed = null;
    this.room = null;
    if (this.announce) clearTimeout(this.announce.timer);
    this.announce = null;
  }
}
