/**
 * A node's local allowance in front of a counter kept in Redis (docs/performance.md section 8).
 *
 * For a key whose counter this node read recently, a consume may be answered here, at once and
 * without a round trip, when the counter is far from the limit; the increment is sent to Redis
 * right after (write-behind, batched per key and turn of the event loop). The rules, with
 * `slack = floor(points / 10)`:
 * - a node answers at most `slack` consumes of a key locally before Redis has counted them;
 * - it answers locally only while `last read counter + everything of this node not yet counted
 *   (answered here, or sent to Redis and not answered yet) + 1 <= points - slack`, so the last
 *   `slack` points of every window are always checked against Redis, and one node alone never lets
 *   more than `points` through;
 * - answers from Redis may arrive out of order (two connections): inside a window the counter
 *   only grows, so the highest counter seen is kept;
 * - the allowance ends with the window Redis reported (measured from before the request was sent,
 *   so it never outlives the real window).
 *
 * The price: the counter a node read can be stale by what other nodes let through since, so a user
 * who sends through several nodes at the same moment can get up to `slack` extra per node in one
 * window (10 % of the limit per node); through one node, never more than the limit.
 */
export interface AllowanceState {
  /** The counter as Redis last answered it (points used in the current window). */
  counted: number;
  /** Consumes answered here and not yet sent to Redis. */
  uncounted: number;
  /** Consumes sent to Redis (answered here or waiting for Redis), answer not back yet. */
  sending: number;
  /** When something was last sent for this key (ms), so a key with a count on its way is kept. */
  touched: number;
  /** When the window Redis reported ends (ms, this node's clock). */
  windowEnds: number;
}

export class LocalAllowance {
  private readonly states = new Map<string, AllowanceState>();
  private lastSweep = 0;

  constructor(
    private readonly points: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many consumes one node may answer before Redis has counted them. */
  get slack(): number {
    return Math.floor(this.points / 10);
  }

  /** Answers a consume locally if the rules above allow it; the caller then sends `take` later. */
  tryLocal(id: string): boolean {
    const slack = this.slack;
    if (slack === 0) return false;
    const s = this.states.get(id);
    if (!s || this.now() >= s.windowEnds) return false;
    const pending = s.uncounted + s.sending;
    if (pending >= slack || s.counted + pending + 1 > this.points - slack) return false;
    s.uncounted++;
    return true;
  }

  /**
   * An increment is about to be sent for `waiting` consumes that wait for Redis: returns the
   * consumes answered locally and not yet sent (the caller adds them to the increment), and counts
   * both as on their way until `counted` or `failed` is called with their sum.
   */
  take(id: string, waiting = 0): number {
    let s = this.states.get(id);
    if (!s) {
      if (waiting === 0) return 0;
      s = { counted: 0, uncounted: 0, sending: 0, touched: 0, windowEnds: 0 };
      this.states.set(id, s);
    }
    const n = s.uncounted;
    s.uncounted = 0;
    s.sending += n + waiting;
    s.touched = this.now();
    return n;
  }

  /** Redis answered an increment of `sent` (what `take` returned plus the waiting consumes). */
  counted(id: string, sent: number, counter: number, msBeforeNext: number, sentAt: number): void {
    let s = this.states.get(id);
    if (!s) {
      s = { counted: 0, uncounted: 0, sending: 0, touched: 0, windowEnds: 0 };
      this.states.set(id, s);
    }
    s.sending = Math.max(0, s.sending - sent);
    // Sent inside the window we know of: an older answer (lower counter) must not lower it. If the
    // window turned meanwhile, keeping the higher counter only answers fewer consumes locally.
    s.counted = sentAt < s.windowEnds ? Math.max(s.counted, counter) : counter;
    s.windowEnds = Math.max(s.windowEnds, sentAt + msBeforeNext);
    this.sweep();
  }

  /** The increment of `sent` failed (store away): nothing is answered locally until Redis answers again. */
  failed(id: string, sent = 0): void {
    const s = this.states.get(id);
    if (!s) return;
    s.sending = Math.max(0, s.sending - sent);
    s.windowEnds = 0;
    if (s.sending === 0 && s.uncounted === 0) this.states.delete(id);
  }

  forget(id: string): void {
    this.states.delete(id);
  }

  /**
   * Drops the keys whose window ended (at most once a second), so idle users cost no memory; a
   * key whose count is still on its way is kept a minute longer (a count that never gets an
   * answer, on a hung link, cannot keep it forever).
   */
  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [id, s] of this.states) {
      const idle = s.uncounted === 0 && s.sending === 0;
      if (now >= (idle ? s.windowEnds : Math.max(s.windowEnds, s.touched) + 60_000)) this.states.delete(id);
    }
  }
}
