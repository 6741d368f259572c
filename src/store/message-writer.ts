import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export interface NewMessage {
  roomId: string;
  senderId: string;
  clientMsgId: string;
  content: string;
}

export interface WriterOptions {
  /** At most this many messages in one statement. */
  maxBatch: number;
  /** At most this many statements in flight (each holds one pooled connection). */
  maxInFlight: number;
  /** Keep the queue and statement timings (`timings()`); off unless the benchmarks ask (BENCH_HOOKS). */
  timed?: boolean;
}

interface Pending<R> {
  m: NewMessage;
  at: number;
  resolve(row: R | null): void;
  reject(err: unknown): void;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  count: number;
}

/** A histogram records integers >= 1: milliseconds become whole microseconds. */
const micros = (ms: number) => Math.max(1, Math.round(ms * 1000));
const percentiles = (h: RecordableHistogram): Percentiles => ({
  p50: h.count ? h.percentile(50) / 1000 : 0,
  p90: h.count ? h.percentile(90) / 1000 : 0,
  p99: h.count ? h.percentile(99) / 1000 : 0,
  count: h.count,
});

/**
 * Coalesces message inserts: the inserts that arrive while the event loop works through one
 * batch of I/O (or while earlier statements are still running) go to Postgres as ONE statement
 * (lock the rooms, number and insert the rows, `RETURNING …`, one commit), instead of one round
 * trip and one WAL flush each. Every caller gets its own row back, or null when its
 * message was not inserted (the caller then works out why, as with a single insert).
 *
 * What a single insert guarantees still holds (see insertMany for the SQL):
 * - per-room order: the room rows are locked (FOR UPDATE), so a room's messages are
 *   serialised across statements and nodes, and ids and seqs in a room grow in commit order;
 *   inside one statement they grow in arrival order;
 * - idempotency: one row per (room_id, sender_id, client_msg_id), also between two
 *   messages of the same batch (the first one wins, the second caller gets null and then finds
 *   the first);
 * - membership and open-room checks are part of the statement.
 *
 * - arrival order inside a room (on this node): a room is in at most one statement at a time, so
 *   a message never overtakes one that arrived before it in the same room, even with several
 *   statements in flight (for different rooms).
 *
 * Batching adds no timer: under light load a batch holds one message and is sent at once (on
 * the next turn of the event loop); under heavy load batches grow by themselves while earlier
 * statements run. If a batch fails, its messages are retried one by one, in order, so one bad row
 * cannot fail the messages that happened to share its statement.
 *
 * `maxInFlight` (MESSAGE_WRITE_CONCURRENCY, default 4) bounds the statements running at once.
 * Fewer statements in flight means bigger batches and fewer commits (each commit waits for a WAL
 * flush, and holds its rooms' row locks until then); more lets a node use more of Postgres' cores
 * at saturation. Spreading waiting rooms over more, smaller statements made two nodes slower, not
 * faster (docs/performance.md section 11).
 */
export class MessageWriter<R> {
  private queue: Array<Pending<R>> = [];
  private inflight = 0;
  private scheduled = false;
  /** Rooms with a statement in flight: their later messages wait for the next statement. */
  private readonly busyRooms = new Set<string>();
  /** Counters for the benchmarks: statements run, messages written, fallbacks to single inserts, most statements in flight at once. */
  readonly stats = { statements: 0, messages: 0, largest: 0, fallbacks: 0, peakInFlight: 0 };
  /** For the benchmarks (`opts.timed`): how long messages waited in the queue, and how long statements took (µs). */
  private readonly queuedUs = createHistogram();
  private readonly statementUs = createHistogram();

  constructor(
    private readonly insertMany: (batch: readonly NewMessage[]) => Promise<Array<R | null>>,
    private readonly insertOne: (m: NewMessage) => Promise<R | null>,
    private readonly opts: WriterOptions,
  ) {}

  write(m: NewMessage): Promise<R | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ m, at: this.opts.timed ? performance.now() : 0, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inflight >= this.opts.maxInFlight) return;
    this.scheduled = true;
    // setImmediate runs after the current I/O phase: every insert requested by the socket frames
    // and HTTP requests read in this turn of the loop joins the batch.
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    while (this.queue.length > 0 && this.inflight < this.opts.maxInFlight) {
      // Take queued messages in arrival order, skipping (and keeping queued, in order) those whose
      // room already has a statement in flight.
      const batch: Array<Pending<R>> = [];
      const rest: Array<Pending<R>> = [];
      const rooms = new Set<string>();
      for (const p of this.queue) {
        if (batch.length < this.opts.maxBatch && !this.busyRooms.has(p.m.roomId)) {
          batch.push(p);
          rooms.add(p.m.roomId);
        } else rest.push(p);
      }
      if (batch.length === 0) return; // everything waits for a room in flight; its completion flushes again
      this.queue = rest;
      for (const r of rooms) this.busyRooms.add(r);
      this.inflight++;
      if (this.inflight > this.stats.peakInFlight) this.stats.peakInFlight = this.inflight;
      void this.run(batch).finally(() => {
        for (const r of rooms) this.busyRooms.delete(r);
        this.inflight--;
        if (this.queue.length > 0) this.schedule();
      });
    }
  };

  /**
   * Percentiles (ms) of the time a message waits for its statement and of the time a statement
   * takes (sent to answered, as this process sees it: a busy event loop adds to it), since the
   * last `resetTimings`.
   */
  timings(): { queuedMs: Percentiles; statementMs: Percentiles } {
    return { queuedMs: percentiles(this.queuedUs), statementMs: percentiles(this.statementUs) };
  }

  resetTimings(): void {
    this.queuedUs.reset();
    this.statementUs.reset();
  }

  private async run(batch: Array<Pending<R>>): Promise<void> {
    if (!this.opts.timed) return this.runStatement(batch);
    const t0 = performance.now();
    for (const p of batch) this.queuedUs.record(micros(t0 - p.at));
    try {
      await this.runStatement(batch);
    } finally {
      this.statementUs.record(micros(performance.now() - t0));
    }
  }

  private async runStatement(batch: Array<Pending<R>>): Promise<void> {
    this.stats.statements++;
    this.stats.messages += batch.length;
    if (batch.length > this.stats.largest) this.stats.largest = batch.length;
    if (batch.length === 1) {
      const p = batch[0]!;
      await this.insertOne(p.m).then(p.resolve, p.reject);
      return;
    }
    let rows: Array<R | null>;
    try {
      rows = await this.insertMany(batch.map((p) => p.m));
    } catch {
      this.stats.fallbacks++;
      // Fall back to one statement per message, in order: each caller gets its own answer or error.
      for (const p of batch) await this.insertOne(p.m).then(p.resolve, p.reject);
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(rows[i] ?? null);
  }
}
