import type { Knex } from 'knex';

export interface RoomRow {
  id: string;
  created_at: Date;
  closed_at: Date | null;
  closed_by: string | null;
}

export class RoomsRepo {
  constructor(private readonly db: Knex) {}

  /**
   * Creates a room with its members in one transaction. Returns false, creating nothing, when one
   * of them is already in an open room (the one-open-room index refused it).
   */
  async create(id: string, memberIds: readonly string[]): Promise<boolean> {
    try {
      await this.db.transaction(async (trx) => {
        await trx('rooms').insert({ id });
        await trx('room_members').insert(memberIds.map((user_id) => ({ room_id: id, user_id })));
      });
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === '23505' && /room_members_one_open_room/.test(String((e as Error).message) + String((e as { constraint?: string }).constraint))) return false;
      throw e;
    }
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

  /** The user's open room, if any (there is at most one). */
  async openRoomOf(userId: string): Promise<string | null> {
    const row = (await this.db('room_members').where({ user_id: userId, active: true }).first('room_id')) as { room_id: string } | undefined;
    return row?.room_id ?? null;
  }

  /** The user's open rooms as a list (a socket that connects is put back into them). */
  async openRoomsOf(userId: string): Promise<string[]> {
    const id = await this.openRoomOf(userId);
    return id ? [id] : [];
  }

  /** Closes an open room; returns false when it was already closed (or does not exist). */
  async close(id: string, by: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const n = await trx('rooms').where({ id }).whereNull('closed_at').update({ closed_at: trx.fn.now(), closed_by: by });
      if (Number(n) === 0) return false;
      await trx('room_members').where({ room_id: id }).update({ active: false });
      return true;
    });
  }
}
