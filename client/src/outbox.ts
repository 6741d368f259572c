import { isChatError, type ChatError } from './errors.js';
import type { Outgoing } from './storage.js';
import type { Message } from './types.js';

export interface OutboxDeps {
  /** Resolves when sending can be tried: connected, and the room caught up. */
  ready(roomId: string): Promise<void>;
  send(o: Outgoing): Promise<Message>;
  /** The queue changed (to persist it and show pending messages). */
  changed(queue: readonly Outgoing[]): void;
  /** The server asked us to slow down; sending resumes by itself after `ms`. */
  rateLimited(ms: number): void;
}

interface Entry extends Outgoing {
  resolve?: (m: Message) => void;
  reject?: (e: unknown) => void;
}

const BACKOFF_MIN_MS = 300;
const BACKOFF_MAX_MS = 8000;

/**
 * Messages leave strictly in the order they were written, one at a time: the next is sent only
 * once the server has acknowledged the one before. A message keeps its client_msg_id across
 * every retry (timeouts, reconnects, 429s), so the server stores it once whatever happens.
 */
export class Outbox {
  private queue: Entry[] = [];
  private running = false;
  private wake: (() => void) | null = null;

  constructor(private readonly deps: OutboxDeps) {}

  get pending(): readonly Outgoing[] {
    return this.queue.map(({ client_msg_id, room_id, content }) => ({ client_msg_id, room_id, content }));
  }

  /** Re-queues messages saved by an earlier run of the app (nobody awaits them: they arrive as `message` events). */
  restore(saved: readonly Outgoing[]): void {
    this.queue.push(...saved.map((o) => ({ ...o })));
    this.changed();
    this.run();
  }

  push(o: Outgoing): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      this.queue.push({ ...o, resolve, reject });
      this.changed();
      this.run();
    });
  }

  /** Gives up on every message of a room (it closed), or all of them (signed out). */
  drop(error: ChatError, roomId?: string): void {
    const gone = this.queue.filter((e) => roomId === undefined || e.room_id === roomId);
    if (!gone.length) return;
    this.queue = this.queue.filter((e) => !gone.includes(e));
    for (const e of gone) e.reject?.(error);
    this.changed();
  }

  /** Retry now instead of waiting out a backoff (e.g. the connection just came back). */
  nudge(): void {
    this.wake?.();
  }

  private changed(): void {
    this.deps.changed(this.pending);
  }

  private run(): void {
    if (this.running) return;
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
      if (this.queue.length) this.run();
    });
  }

  private async loop(): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    while (this.queue.length) {
      const head = this.queue[0]!;
      await this.deps.ready(head.room_id);
      if (this.queue[0] !== head) continue; // dropped while waiting
      try {
        const m = await this.deps.send(head);
        if (this.queue[0] === head) this.queue.shift();
        head.resolve?.(m);
        this.changed();
        backoff = BACKOFF_MIN_MS;
      } catch (e) {
        if (this.queue[0] !== head) continue;
        if (isChatError(e, 'RATE_LIMITED')) {
          const ms = e.retryAfterMs ?? 1000;
          this.deps.rateLimited(ms);
          await this.sleep(ms, false);
        } else if (isChatError(e) && ['CONFLICT', 'NOT_FOUND', 'FORBIDDEN'].includes(e.code)) {
          this.drop(e, head.room_id); // the room is gone for good: nothing after this can be sent either
        } else if (isChatError(e) && ['INVALID_ARGUMENT', 'PAYLOAD_TOO_LARGE', 'SIGNED_OUT'].includes(e.code)) {
          this.queue.shift();
          head.reject?.(e);
          this.changed();
        } else {
          await this.sleep(backoff, true);
          backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
        }
      }
    }
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        if (self.wake === done) self.wake = null;
        resolve();
      }
      if (wakeable) this.wake = done;
    });
  }
}

/** A fresh client_msg_id: crypto.randomUUID (secure contexts), else a v4 UUID from getRandomValues. */
export function newId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string; getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c?.randomUUID) {
    try {
      return c.randomUUID();
    } catch {
      // outside a secure context some browsers expose it but refuse: fall through
    }
  }
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
