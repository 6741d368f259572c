import type { Knex } from 'knex';
import { MessageWriter, type NewMessage } from './message-writer.js';
import { preparedStatement, type QueryRows } from './prepared.js';

export interface MessageRow {
  id: string;
  room_id: string;
  sender_id: string;
  client_msg_id: string;
  content: string;
  /** 1, 2, 3… within the room (migration 006_ordering). */
  seq: number;
  created_at: Date;
}

const COLUMNS = ['id', 'room_id', 'sender_id', 'client_msg_id', 'content', 'seq', 'created_at'] as const;

// See insertMany. One fixed text whatever the batch size: the rows travel as five arrays (unnest), so
// neither knex nor Postgres handles one placeholder per value, and on Postgres it is prepared once per
// connection (prepared.ts). Exported for bench/tools/pg-statement-cost.ts.
export const INSERT_SQL = `WITH v AS (SELECT * FROM unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::text[]) AS u(ord, room_id, sender_id, client_msg_id, content)),
       lk AS MATERIALIZED (
         SELECT id, last_seq FROM rooms
          WHERE id IN (SELECT room_id FROM v) AND closed_at IS NULL
          ORDER BY id
          FOR UPDATE OF rooms
       ),
       fresh AS (
         SELECT DISTINCT ON (v.room_id, v.sender_id, v.client_msg_id) v.*
           FROM v
           JOIN lk ON lk.id = v.room_id
           JOIN room_members mb ON mb.room_id = v.room_id AND mb.user_id = v.sender_id
          WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.room_id = v.room_id AND m.sender_id = v.sender_id AND m.client_msg_id = v.client_msg_id)
          ORDER BY v.room_id, v.sender_id, v.client_msg_id, v.ord
       ),
       numbered AS (
         SELECT f.*, lk.last_seq + row_number() OVER (PARTITION BY f.room_id ORDER BY f.ord) AS seq
           FROM fresh f JOIN lk ON lk.id = f.room_id
       ),
       bump AS (
         UPDATE rooms r SET last_seq = n.top FROM (SELECT room_id, max(seq) AS top FROM numbered GROUP BY room_id) n WHERE r.id = n.room_id
       )
       INSERT INTO messages (room_id, sender_id, client_msg_id, content, seq)
       SELECT room_id, sender_id, client_msg_id, content, seq FROM numbered ORDER BY room_id, seq
       RETURNING ${COLUMNS.join(', ')}`;

const keyOf = (roomId: string, senderId: string, clientMsgId: string) => `${roomId}\u0000${senderId}\u0000${clientMsgId}`;

/** PGlite answers int8 as a number, node-postgres (as configured) as a string: one shape out. */
const norm = (r: Record<string, unknown>): MessageRow => ({ ...(r as unknown as MessageRow), id: String(r.id), seq: Number(r.seq) });

export interface MessagesRepoOptions {
  /** Coalesce concurrent inserts into multi-row statements (MESSAGE_WRITE_BATCH). */
  batch?: boolean;
  /** Messages per statement at most (MESSAGE_WRITE_BATCH_SIZE). */
  maxBatch?: number;
  /** Statements in flight at most (MESSAGE_WRITE_CONCURRENCY). */
  concurrency?: number;
  /** Time the queue and the statements, for the benchmarks (BENCH_HOOKS). */
  timed?: boolean;
}

export class MessagesRepo {
  private readonly writer: MessageWriter<MessageRow> | null;
  private readonly insertRows: (values: readonly unknown[]) => Promise<QueryRows>;

  constructor(
    private readonly db: Knex,
    opts: MessagesRepoOptions = {},
  ) {
    this.insertRows = preparedStatement(db, 'gby_messages_insert', INSERT_SQL);
    this.writer = opts.batch
      ? new MessageWriter<MessageRow>((b) => this.insertMany(b), (m) => this.insertOne(m), { maxBatch: opts.maxBatch ?? 200, maxInFlight: opts.concurrency ?? 4, timed: opts.timed ?? false })
      : null;
  }

  /**
   * Inserts a message if, and only if, the room exists, is open and has the sender as a member,
   * and gives it the room's next `seq`. Returns null when nothing was inserted: the caller then
   * works out why (duplicate client_msg_id, unknown room, not a member, closed).
   * With batching on, concurrent calls share one statement (src/store/message-writer.ts).
   */
  insertIfAllowed(m: NewMessage): Promise<MessageRow | null> {
    return this.writer ? this.writer.write(m) : this.insertOne(m);
  }

  /** How the writes were coalesced (for the benchmarks); null when batching is off. */
  writeStats(): (MessageWriter<MessageRow>['stats'] & ReturnType<MessageWriter<MessageRow>['timings']>) | null {
    return this.writer ? { ...this.writer.stats, ...this.writer.timings() } : null;
  }

  /** Starts the write timings afresh (the benchmarks' measured window). */
  resetWriteTimings(): void {
    this.writer?.resetTimings();
  }

  /** One message, one statement. */
  async insertOne(m: NewMessage): Promise<MessageRow | null> {
    return (await this.insertMany([m]))[0] ?? null;
  }

  /**
   * Many messages, one statement (one round trip, one commit). Answers, position by position,
   * the inserted row or null.
   *
   * - The open rooms of the batch are locked first (`lk`: FOR UPDATE, in id order so two
   *   batches cannot deadlock). Every writer of a room, and closing it, takes this lock, so a
   *   room's messages are written by one statement at a time, on any node. A row locked after a
   *   wait is re-read at its newest version (READ COMMITTED), so `last_seq` and `closed_at` are
   *   those the previous holder committed.
   * - Rows are numbered from that `last_seq`: 1, 2, 3… in arrival order with no holes, and the
   *   counter is advanced in the same statement. Ids are drawn after the lock, so they grow with
   *   seq.
   * - A duplicate (same room, sender and client_msg_id; also twice in one batch: the first wins)
   *   is left out before numbering, so it uses no number. The check reads the statement's
   *   snapshot, which misses a duplicate committed by another node while this statement waited
   *   for the lock; the unique index then refuses the whole statement and it runs once more, with
   *   a snapshot that sees it.
   */
  async insertMany(batch: readonly NewMessage[]): Promise<Array<MessageRow | null>> {
    try {
      return await this.insertStatement(batch);
    } catch (e) {
      if ((e as { code?: string }).code !== '23505') throw e;
      return this.insertStatement(batch);
    }
  }

  private async insertStatement(batch: readonly NewMessage[]): Promise<Array<MessageRow | null>> {
    const cols: [number[], string[], string[], string[], string[]] = [[], [], [], [], []];
    batch.forEach((m, i) => {
      cols[0].push(i);
      cols[1].push(m.roomId);
      cols[2].push(m.senderId);
      cols[3].push(m.clientMsgId);
      cols[4].push(m.content);
    });
    const res = await this.insertRows(cols);
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
