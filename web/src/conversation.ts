import type { Message } from './types.js';

/**
 * The messages of one room as the client knows them, free of DOM and sockets so the rules can be
 * unit-tested: de-duplication by message_id (delivery is at least once: the same message can come
 * live, in a catch-up and in a history page), order by message_id, the outbox of messages not yet
 * acknowledged, and the cursor for catch-up after a reconnect.
 */

export type OutState = 'pending' | 'failed';

export interface Outgoing {
  client_msg_id: string;
  content: string;
  /** When the user pressed send (unix ms); shown until the server's timestamp is known. */
  created_at: number;
  state: OutState;
  /** How many times it was emitted. */
  attempts: number;
  /** Failed for good (validation, closed room): no automatic retry. */
  permanent?: boolean;
  error?: string;
}

export type ItemState = 'received' | 'sent' | 'pending' | 'failed';

/** One row of the message list, as the view renders it. */
export interface Item {
  /** Stable across pending -> sent, so the view updates a bubble instead of replacing it. */
  key: string;
  mine: boolean;
  content: string;
  timestamp: number;
  state: ItemState;
  message_id?: string;
  client_msg_id?: string;
  error?: string;
}

/** Message ids are zero-padded decimal strings of the same width: string order is send order. */
export const compareIds = (a: string, b: string): number => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0);

export class Conversation {
  private readonly byId = new Map<string, Message>();
  /** Confirmed messages, oldest first. */
  private ordered: Message[] = [];
  /** message_id -> client_msg_id of messages this client sent, so their key stays the same. */
  private readonly sentAs = new Map<string, string>();
  /** Own messages that arrived (live or in a catch-up) before the ack of their send: see receive(). */
  private readonly held = new Map<string, Message>();
  outbox: Outgoing[];
  /** Everything up to this id has been received: the `after` of the next catch-up. */
  cursor: string | undefined;
  /** Live messages advance the cursor only while the socket is connected and caught up. */
  live = false;
  /** The newest page of history has been loaded (done once per page load). */
  loadedInitial = false;
  /** There may be older messages than the oldest loaded. */
  hasOlder = true;

  constructor(
    readonly roomId: string,
    readonly me: string,
    outbox: Outgoing[] = [],
  ) {
    // Restored from storage (after a reload): nothing is in flight any more, so retry them.
    this.outbox = outbox.map((o) => ({ ...o, state: 'failed' as const }));
  }

  get size(): number {
    return this.ordered.length;
  }

  get oldestId(): string | undefined {
    return this.ordered[0]?.message_id;
  }

  get newestId(): string | undefined {
    return this.ordered[this.ordered.length - 1]?.message_id;
  }

  has(messageId: string): boolean {
    return this.byId.has(messageId) || this.held.has(messageId);
  }

  /**
   * Messages from the server, from any source and in any order. Answers those that were new.
   * An own message that arrives while a send is unacknowledged is held back: it may be that very
   * send (a message event carries no client_msg_id), and showing it would duplicate the bubble.
   * The ack claims it; anything left is shown once no send is in flight.
   */
  receive(msgs: readonly Message[], opts: { live?: boolean } = {}): Message[] {
    const fresh: Message[] = [];
    for (const m of msgs) {
      if (opts.live && this.live && (this.cursor === undefined || compareIds(m.message_id, this.cursor) > 0)) this.cursor = m.message_id;
      if (this.has(m.message_id)) continue;
      if (m.uid === this.me && this.unresolved()) {
        this.held.set(m.message_id, m);
        continue;
      }
      this.insert(m);
      fresh.push(m);
    }
    return fresh;
  }

  /** A catch-up answered: everything up to its last message is now known. */
  caughtUp(msgs: readonly Message[]): Message[] {
    const fresh = this.receive(msgs);
    const last = msgs[msgs.length - 1];
    if (last && (this.cursor === undefined || compareIds(last.message_id, this.cursor) > 0)) this.cursor = last.message_id;
    return fresh;
  }

  /** The newest history page answered (page 1, newest first). */
  initialPage(msgs: readonly Message[], total: number): Message[] {
    const fresh = this.receive(msgs);
    this.loadedInitial = true;
    this.hasOlder = total > msgs.length;
    const newest = msgs[0];
    if (newest && (this.cursor === undefined || compareIds(newest.message_id, this.cursor) > 0)) this.cursor = newest.message_id;
    return fresh;
  }

  /** An older page answered (`before` the oldest loaded). */
  olderPage(msgs: readonly Message[], total: number): Message[] {
    this.hasOlder = total > msgs.length;
    return this.receive(msgs);
  }

  queue(content: string, clientMsgId: string, now: number): Outgoing {
    const o: Outgoing = { client_msg_id: clientMsgId, content, created_at: now, state: 'pending', attempts: 0 };
    this.outbox.push(o);
    return o;
  }

  outgoing(clientMsgId: string): Outgoing | undefined {
    return this.outbox.find((o) => o.client_msg_id === clientMsgId);
  }

  /** Marks a send as in flight again (a retry, with the same client_msg_id). */
  resend(clientMsgId: string): Outgoing | undefined {
    const o = this.outgoing(clientMsgId);
    if (!o) return undefined;
    o.state = 'pending';
    o.attempts += 1;
    delete o.error;
    delete o.permanent;
    return o;
  }

  /** The send ack: the outgoing message is stored as `m`. */
  confirm(clientMsgId: string, m: Message): void {
    this.outbox = this.outbox.filter((o) => o.client_msg_id !== clientMsgId);
    this.sentAs.set(m.message_id, clientMsgId);
    this.held.delete(m.message_id);
    if (!this.byId.has(m.message_id)) this.insert(m);
    this.release();
  }

  fail(clientMsgId: string, error: string, permanent: boolean): void {
    const o = this.outgoing(clientMsgId);
    if (!o) return;
    o.state = 'failed';
    o.error = error;
    if (permanent) o.permanent = true;
    this.release();
  }

  /** Drops a message that will never be sent. */
  discard(clientMsgId: string): void {
    this.outbox = this.outbox.filter((o) => o.client_msg_id !== clientMsgId);
    this.release();
  }

  /** Sends that should be retried (after a reconnect or a reload). */
  retryable(): Outgoing[] {
    return this.outbox.filter((o) => o.state === 'failed' && !o.permanent);
  }

  items(): Item[] {
    const out: Item[] = this.ordered.map((m) => {
      const mine = m.uid === this.me;
      const cid = this.sentAs.get(m.message_id);
      return {
        key: cid ? `c:${cid}` : `m:${m.message_id}`,
        mine,
        content: m.content,
        timestamp: m.timestamp,
        state: mine ? 'sent' : 'received',
        message_id: m.message_id,
        ...(cid ? { client_msg_id: cid } : {}),
      };
    });
    for (const o of this.outbox) {
      out.push({
        key: `c:${o.client_msg_id}`,
        mine: true,
        content: o.content,
        timestamp: o.created_at,
        state: o.state,
        client_msg_id: o.client_msg_id,
        ...(o.error ? { error: o.error } : {}),
      });
    }
    return out;
  }

  /** A send whose outcome is not known yet (in flight, or failed and about to be retried). */
  private unresolved(): boolean {
    return this.outbox.some((o) => !o.permanent);
  }

  private release(): void {
    if (this.unresolved() || !this.held.size) return;
    for (const m of this.held.values()) if (!this.byId.has(m.message_id)) this.insert(m);
    this.held.clear();
  }

  private insert(m: Message): void {
    this.byId.set(m.message_id, m);
    const list = this.ordered;
    // Nearly always an append (live) or a prepend (history): check the ends before searching.
    if (!list.length || compareIds(list[list.length - 1]!.message_id, m.message_id) < 0) {
      list.push(m);
      return;
    }
    if (compareIds(list[0]!.message_id, m.message_id) > 0) {
      list.unshift(m);
      return;
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds(list[mid]!.message_id, m.message_id) < 0) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, m);
  }
}
