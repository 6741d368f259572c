import type { Knex } from 'knex';

export const PROFILE_FIELDS = [
  'avatar_url',
  'full_name',
  'gender_code',
  'birthdate',
  'address',
  'preferred_language',
  'currency',
  'national',
  'post_code',
  'carrier',
] as const;

export type ProfileField = (typeof PROFILE_FIELDS)[number];

export type ProfileRow = Record<ProfileField, string> & { user_id: string; updated_at: Date };

/** Profile fields of UserInfoResp. The nickname is the user's display name (`users.name`), also used in chat. */
export class ProfilesRepo {
  constructor(private readonly db: Knex) {}

  async find(userId: string): Promise<ProfileRow | null> {
    return ((await this.db('user_profiles').where({ user_id: userId }).first()) as ProfileRow | undefined) ?? null;
  }

  /** Applies the given fields (and nickname) in one transaction; fields not given keep their value. */
  async update(userId: string, fields: Partial<Record<ProfileField, string>>, nickname: string | undefined): Promise<void> {
    await this.db.transaction(async (trx) => {
      if (Object.keys(fields).length > 0) {
        await trx('user_profiles')
          .insert({ user_id: userId, ...fields, updated_at: trx.fn.now() })
          .onConflict('user_id')
          .merge([...Object.keys(fields), 'updated_at']);
      }
      if (nickname !== undefined) await trx('users').where({ id: userId }).update({ name: nickname, updated_at: trx.fn.now() });
    });
  }
}
