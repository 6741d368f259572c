import type { CatchUp, Message } from './types.js';

/** message_id sorts in send order within a room: shorter first, then lexicographically. */
export const compareIds = (a: string, b: string): number => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0);

const bySeqThenId = (a: Message, b: Message): number =>
  a.seq !== undefined && b.seq !== undefined && a.seq !== b.seq ? a.seq - b.seq : compareIds(a.message_id, b.message_id);

/** Ids remembered for dropping duplicates; older ones fall off (they are behind the cursor anyway). */
const SEEN_LIMIT = 5000;
/** A hole in `seq` is given this long to fill itself (live events reordered) before a catch-up. */
const GAP_WAIT_MS = 400;

export interface FeedDeps {
  deliver(m: Message): void;
  /** `join {room_id, after}`: messages after the cursor, oldest first. */
  catchUp(after: string | undefined): Promise<CatchUp>;
  /** The catch-up said the room is closed. */
  closed(): void;
  /** The cursor moved (to persist it). */
  moved(): void;
}

/**
 * The messages of one room as the app sees them: each exactly once, in order. Live messages pass
 * through here; a duplicate (by message_id, or a seq already delivered) is dropped; a hole in seq
 * holds later messages back until a catch-up from the cursor fills it. While a catch-up runs, or
 * while one of our own sends awaits its ack, live messages wait, so the order stays the server's.
 */
export class RoomFeed {
  lastId: string | undefined;
  lastSeq: number | undefined;
  private readonly seen = new Set<string>();
  private pending: Message[] = [];
  private holds = 0;
  private syncing: Promise<void> | null = null;
  private again = false;
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    readonly roomId: string,
    private readonly deps: FeedDeps,
    cursor: { lastId?: string; lastSeq?: number } = {},
  ) {
    this.lastId = cursor.lastId;
    // A room we saw from its start: its first message is seq 1.
    this.lastSeq = cursor.lastSeq ?? (cursor.lastId === undefined ? 0 : undefined);
  }

  accept(m: Message): void {
    if (this.stopped || this.isDuplicate(m)) return;
    this.pending.push(m);
    this.flush();
  }

  /** Holds live messages back (while our own send is in flight); release() lets them through. */
  hold(): void {
    this.holds++;
  }

  release(): void {
    this.holds = Math.max(0, this.holds - 1);
    this.flush();
  }

  /** Catch up from the cursor, page after page; concurrent calls share one run (plus one more if asked during it). */
  sync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.again = false;
        let more = true;
        while (more && !this.stopped) {
          const r = await this.deps.catchUp(this.lastId);
          for (const m of r.messages) if (!this.isDuplicate(m)) this.deliver({ ...m, room_id: this.roomId });
          more = r.has_more === true && r.messages.length > 0;
          if (r.closed) this.deps.closed();
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.syncing = null;
      this.flush();
    });
    return this.syncing;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.gapTimer);
    this.pending = [];
  }

  private isDuplicate(m: Message): boolean {
    if (this.seen.has(m.message_id)) return true;
    return m.seq !== undefined && this.lastSeq !== undefined && m.seq <= this.lastSeq;
  }

  private flush(): void {
    if (this.holds > 0 || this.syncing || this.stopped) return;
    this.pending.sort(bySeqThenId);
    while (this.pending.length) {
      const m = this.pending[0]!;
      if (this.isDuplicate(m)) {
        this.pending.shift();
        continue;
      }
      if (m.seq !== undefined && this.lastSeq !== undefined && m.seq > this.lastSeq + 1) {
        this.gapTimer ??= setTimeout(() => {
          this.gapTimer = undefined;
          void this.sync().catch(() => undefined);
        }, GAP_WAIT_MS);
        return;
      }
      this.pending.shift();
      this.deliver(m);
    }
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
  }

  private deliver(m: Message): void {
    this.seen.add(m.message_id);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
    if (this.lastId === undefined || compareIds(m.message_id, this.lastId) > 0) this.lastId = m.message_id;
    if (m.seq !== undefined) this.lastSeq = Math.max(this.lastSeq ?? 0, m.seq);
    this.deps.deliver(m);
    this.deps.moved();
  }
}
