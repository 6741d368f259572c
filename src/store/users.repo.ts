import type { Knex } from 'knex';
import type { UserKind } from '../core/context.js';

export interface UserRow {
  id: string;
  kind: UserKind;
  platform: string;
  name: string;
  created_at: Date;
  updated_at: Date;
  role: Role;
  banned_at: Date | null;
  banned_until: Date | null;
}

export type Role = 'user' | 'moderator' | 'admin';
export const ROLES: readonly Role[] = ['user', 'moderator', 'admin'];

export class UsersRepo {
  constructor(private readonly db: Knex) {}

  async insert(row: Pick<UserRow, 'id' | 'kind' | 'platform' | 'name'>, trx: Knex = this.db): Promise<UserRow> {
    const [created] = await trx('users').insert(row).returning('*');
    return created as UserRow;
  }

  async findById(id: string, trx: Knex = this.db): Promise<UserRow | null> {
    return ((await trx('users').where({ id }).first()) as UserRow | undefined) ?? null;
  }

  async namesByIds(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = (await this.db('users').whereIn('id', ids).select('id', 'name')) as Array<{ id: string; name: string }>;
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
