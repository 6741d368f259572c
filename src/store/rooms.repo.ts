import type { Knex } from 'knex';

export interface RoomRow {
  id: string;
  created_at: Date;
  closed_at: Date | null;
  closed_by: string | null;
}

/** A text[] as PGlite may answer it ('{a,b}'); user ids are UUIDs, never quoted. */
const parsePgArray = (s: string): string[] => (s === '{}' ? [] : s.slice(1, -1).split(',').map((x) => x.replace(/^"|"$/g, '')));

export class RoomsRepo {
  constructor(private readonly db: Knex) {}

  /**
   * Creates a room with its members in one statement (atomic, one round trip). Returns false,
   * creating nothing, when one of them is already in an open room (the one-open-room index
   * refused it).
   */
  async create(id: string, memberIds: readonly string[]): Promise<boolean> {
    try {
      await this.db.raw(
        `WITH r AS (INSERT INTO rooms (id) VALUES (?) RETURNING id)
         INSERT INTO room_members (room_id, user_id) SELECT r.id, m.user_id FROM r, (VALUES ${memberIds.map(() => '(?::text)').join(', ')}) AS m(user_id)`,
        [id, ...memberIds],
      );
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === '23505' && /room_members_one_open_room/.test(String((e as Error).message) + String((e as { constraint?: string }).constraint))) return false;
      throw e;
    }
  }

  /** The room, and whether `userId` is one of its members, in one query (null: no such room). */
  async findForMember(id: string, userId: string): Promise<(RoomRow & { is_member: boolean }) | null> {
    const res = await this.db.raw(
      `SELECT r.*, EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = ?) AS is_member FROM rooms r WHERE r.id = ?`,
      [userId, id],
    );
    return ((res.rows as Array<RoomRow & { is_member: boolean }>)[0]) ?? null;
  }

  /** The user's open room, if any (there is at most one). */
  async openRoomOf(userId: string): Promise<string | null> {
    const row = (await this.db('room_members').where({ user_id: userId, active: true }).first('room_id')) as { room_id: string } | undefined;
    return row?.room_id ?? null;
  }

  /**
   * Closes an open room and answers its members, or null when it was already closed (or does not
   * exist). One statement (atomic, one round trip): the room is closed and its members' rows
   * retired together.
   */
  async closeReturningMembers(id: string, by: string): Promise<string[] | null> {
    const res = await this.db.raw(
      `WITH r AS (UPDATE rooms SET closed_at = now(), closed_by = ? WHERE id = ? AND closed_at IS NULL RETURNING id),
            m AS (UPDATE room_members SET active = false FROM r WHERE room_members.room_id = r.id RETURNING room_members.user_id)
       SELECT (SELECT count(*) FROM r)::int AS closed, COALESCE((SELECT array_agg(user_id ORDER BY user_id) FROM m), '{}') AS members`,
      [by, id],
    );
    const row = (res.rows as Array<{ closed: number; members: string[] | string }>)[0];
    if (!row || Number(row.closed) === 0) return null;
    return Array.isArray(row.members) ? row.members : parsePgArray(row.members);
  }

  /** The members of a room (two for a matched pair), whether it is open or closed. */
  async membersOf(id: string): Promise<string[]> {
    const rows = (await this.db('room_members').where({ room_id: id }).orderBy('user_id').select('user_id')) as Array<{ user_id: string }>;
    return rows.map((r) => r.user_id);
  }

  /** The members of those of `ids` that are still open (presence watches only open rooms). */
  async openMembersOf(ids: readonly string[]): Promise<Array<{ room_id: string; user_id: string }>> {
    if (ids.length === 0) return [];
    return (await this.db('room_members').whereIn('room_id', ids).where({ active: true }).select('room_id', 'user_id')) as Array<{ room_id: string; user_id: string }>;
  }

  /**
   * Members of open rooms created before `before`, with when they joined (the away sweep), in
   * room id order after `afterRoomId`, so a sweep can page through all of them.
   */
  async openMembersSince(before: Date, limit: number, afterRoomId = ''): Promise<Array<{ room_id: string; user_id: string; joined_at: Date }>> {
    return (await this.db('room_members as m')
      .join('rooms as r', 'r.id', 'm.room_id')
      .where('m.active', true)
      .where('r.created_at', '<', before)
      .where('m.room_id', '>', afterRoomId)
      .orderBy(['m.room_id', 'm.user_id'])
      .limit(limit)
      .select('m.room_id', 'm.user_id', 'm.joined_at')) as Array<{ room_id: string; user_id: string; joined_at: Date }>;
  }
}
