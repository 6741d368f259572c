import type { Knex } from 'knex';

export interface RoomRow {
  id: string;
  created_at: Date;
  closed_at: Date | null;
  closed_by: string | null;
}

export class RoomsRepo {
  constructor(private readonly db: Knex) {}

  /** Creates a room with its members in one transaction. */
  async create(id: string, memberIds: readonly string[]): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('rooms').insert({ id });
      await trx('room_members').insert(memberIds.map((user_id) => ({ room_id: id, user_id })));
    });
  }

  async findById(id: string): Promise<RoomRow | null> {
    return ((await this.db('rooms').where({ id }).first()) as RoomRow | undefined) ?? null;
  }

  async isMember(roomId: string, userId: string): Promise<boolean> {
    return !!(await this.db('room_members').where({ room_id: roomId, user_id: userId }).first('user_id'));
  }

  async memberIds(roomId: string): Promise<string[]> {
    const rows = (await this.db('room_members').where({ room_id: roomId }).select('user_id')) as Array<{ user_id: string }>;
    return rows.map((r) => r.user_id);
  }

  /** The user's newest open room, if any. */
  async openRoomOf(userId: string): Promise<string | null> {
    const row = (await this.db('room_members as m')
      .join('rooms as r', 'r.id', 'm.room_id')
      .where('m.user_id', userId)
      .whereNull('r.closed_at')
      .orderBy('r.created_at', 'desc')
      .first('r.id')) as { id: string } | undefined;
    return row?.id ?? null;
  }

  /** Every open room of the user (a socket that connects is put back into them). */
  async openRoomsOf(userId: string): Promise<string[]> {
    const rows = (await this.db('room_members as m')
      .join('rooms as r', 'r.id', 'm.room_id')
      .where('m.user_id', userId)
      .whereNull('r.closed_at')
      .select('r.id')) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  /** Closes an open room; returns false when it was already closed (or does not exist). */
  async close(id: string, by: string): Promise<boolean> {
    const n = await this.db('rooms').where({ id }).whereNull('closed_at').update({ closed_at: this.db.fn.now(), closed_by: by });
    return Number(n) > 0;
  }
}
