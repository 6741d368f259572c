import type { Knex } from 'knex';
import { MessageWriter, type NewMessage } from './message-writer.js';

export interface MessageRow {
  id: string;
  room_id: string;
  sender_id: string;
  client_msg_id: string;
  content: string;
  created_at: Date;
}

const COLUMNS = ['id', 'room_id', 'sender_id', 'client_msg_id', 'content', 'created_at'] as const;

const keyOf = (roomId: string, senderId: string, clientMsgId: string) => `${roomId}\u0000${senderId}\u0000${clientMsgId}`;

/** PGlite answers int8 as a number, node-postgres (as configured) as a string: one shape out. */
const norm = (r: Record<string, unknown>): MessageRow => ({ ...(r as unknown as MessageRow), id: String(r.id) });

export interface MessagesRepoOptions {
  /** Coalesce concurrent inserts into multi-row statements (MESSAGE_WRITE_BATCH). */
  batch?: boolean;
  /** Messages per statement at most (MESSAGE_WRITE_BATCH_SIZE). */
  maxBatch?: number;
}

export class MessagesRepo {
  private readonly writer: MessageWriter<MessageRow> | null;

  constructor(
    private readonly db: Knex,
    opts: MessagesRepoOptions = {},
  ) {
    this.writer = opts.batch
      ? new MessageWriter<MessageRow>((b) => this.insertMany(b), (m) => this.insertOne(m), { maxBatch: opts.maxBatch ?? 200, maxInFlight: 4 })
      : null;
  }

  /**
   * Inserts a message if, and only if, the room exists, is open and has the sender as a member,
   * all in one statement. The room row is locked (FOR UPDATE) so inserts into one room are
   * serialised and ids grow in commit order. Returns null when nothing was inserted: the
   * caller then works out why (duplicate client_msg_id, unknown room, not a member, closed).
   * With batching on, concurrent calls share one statement (src/store/message-writer.ts).
   */
  insertIfAllowed(m: NewMessage): Promise<MessageRow | null> {
    return this.writer ? this.writer.write(m) : this.insertOne(m);
  }

  /** How the writes were coalesced (for the benchmarks); null when batching is off. */
  writeStats(): Readonly<{ statements: number; messages: number; largest: number; fallbacks: number }> | null {
    return this.writer?.stats ?? null;
  }

  /** One message, one statement. */
  async insertOne(m: NewMessage): Promise<MessageRow | null> {
    const res = await this.db.raw(
      `INSERT INTO messages (room_id, sender_id, client_msg_id, content)
       SELECT r.id, ?, ?, ? FROM rooms r
         JOIN room_members mb ON mb.room_id = r.id AND mb.user_id = ?
        WHERE r.id = ? AND r.closed_at IS NULL
        FOR UPDATE OF r
       ON CONFLICT (room_id, sender_id, client_msg_id) DO NOTHING
       RETURNING ${COLUMNS.join(', ')}`,
      [m.senderId, m.clientMsgId, m.content, m.senderId, m.roomId],
    );
    const row = (res.rows as Array<Record<string, unknown>>)[0];
    return row ? norm(row) : null;
  }

  /**
   * Many messages, one statement: the same checks, lock and conflict rule as insertOne, for
   * each row. Answers, position by position, the inserted row or null.
   *
   * Rows are locked and inserted ordered by (room, arrival): inside a room, ids follow arrival
   * order; and since every statement locks its rooms in the same (id) order, two batches running
   * at once on different connections (or nodes) cannot deadlock on each other's rooms. Of two
   * messages with the same (room, sender, client_msg_id) in one batch, the first is inserted and
   * the second conflicts with it (null).
   */
  async insertMany(batch: readonly NewMessage[]): Promise<Array<MessageRow | null>> {
    const values: string[] = [];
    const bindings: string[] = [];
    batch.forEach((m, i) => {
      values.push(i === 0 ? `(${i}, ?::text, ?::text, ?::text, ?::text)` : `(${i}, ?, ?, ?, ?)`);
      bindings.push(m.roomId, m.senderId, m.clientMsgId, m.content);
    });
    const res = await this.db.raw(
      `INSERT INTO messages (room_id, sender_id, client_msg_id, content)
       SELECT r.id, v.sender_id, v.client_msg_id, v.content
         FROM (VALUES ${values.join(', ')}) AS v(ord, room_id, sender_id, client_msg_id, content)
         JOIN rooms r ON r.id = v.room_id
         JOIN room_members mb ON mb.room_id = r.id AND mb.user_id = v.sender_id
        WHERE r.closed_at IS NULL
        ORDER BY r.id, v.ord
        FOR UPDATE OF r
       ON CONFLICT (room_id, sender_id, client_msg_id) DO NOTHING
       RETURNING ${COLUMNS.join(', ')}`,
      bindings,
    );
    // RETURNING does not carry the ordinal: match rows back by their unique key. Among callers
    // with the same key, the first (the one the statement inserted) gets the row.
    const byKey = new Map<string, MessageRow>();
    for (const r of res.rows as Array<Record<string, unknown>>) {
      const row = norm(r);
      byKey.set(keyOf(row.room_id, row.sender_id, row.client_msg_id), row);
    }
    return batch.map((m) => {
      const k = keyOf(m.roomId, m.senderId, m.clientMsgId);
      const row = byKey.get(k);
      if (!row) return null;
      byKey.delete(k);
      return row;
    });
  }

  async findByClientId(roomId: string, senderId: string, clientMsgId: string): Promise<MessageRow | null> {
    const row = await this.db('messages').where({ room_id: roomId, sender_id: senderId, client_msg_id: clientMsgId }).first(...COLUMNS);
    return row ? norm(row) : null;
  }

  /** Newest first; `before` restricts to messages older than that id. */
  async page(roomId: string, opts: { limit: number; offset: number; before?: string }): Promise<{ total: number; rows: MessageRow[] }> {
    const scope = (q: Knex.QueryBuilder) => {
      q.where({ room_id: roomId });
      if (opts.before !== undefined) q.where('id', '<', opts.before);
      return q;
    };
    const [countRow, rows] = await Promise.all([
      scope(this.db('messages')).count({ n: '*' }).first() as Promise<{ n: string | number } | undefined>,
      scope(this.db('messages')).orderBy('id', 'desc').limit(opts.limit).offset(opts.offset).select(...COLUMNS),
    ]);
    return { total: Number(countRow?.n ?? 0), rows: (rows as Array<Record<string, unknown>>).map(norm) };
  }

  /** Oldest first, strictly after `after` (or from the start). */
  async after(roomId: string, after: string | undefined, limit: number): Promise<MessageRow[]> {
    const q = this.db('messages').where({ room_id: roomId });
    if (after !== undefined) q.where('id', '>', after);
    const rows = await q.orderBy('id', 'asc').limit(limit).select(...COLUMNS);
    return (rows as Array<Record<string, unknown>>).map(norm);
  }
}
