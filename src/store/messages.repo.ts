import type { Knex } from 'knex';

export interface MessageRow {
  id: string;
  room_id: string;
  sender_id: string;
  client_msg_id: string;
  content: string;
  created_at: Date;
}

const COLUMNS = ['id', 'room_id', 'sender_id', 'client_msg_id', 'content', 'created_at'] as const;

/** PGlite answers int8 as a number, node-postgres (as configured) as a string: one shape out. */
const norm = (r: Record<string, unknown>): MessageRow => ({ ...(r as unknown as MessageRow), id: String(r.id) });

export class MessagesRepo {
  constructor(private readonly db: Knex) {}

  /**
   * Inserts a message if, and only if, the room exists, is open and has the sender as a member,
   * all in one statement. The room row is locked (FOR UPDATE) so inserts into one room are
   * serialised and ids grow in commit order. Returns null when nothing was inserted: the
   * caller then works out why (duplicate client_msg_id, unknown room, not a member, closed).
   */
  async insertIfAllowed(m: { roomId: string; senderId: string; clientMsgId: string; content: string }): Promise<MessageRow | null> {
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
