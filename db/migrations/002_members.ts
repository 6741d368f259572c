import type { Knex } from 'knex';

/** Member accounts: login ids and passwords, platform links, profiles and one-time codes. */
export async function up(knex: Knex): Promise<void> {
  // One row per member (anonymous users have none). `login_id` is stored normalised (e-mail
  // lowercased, phone canonical E.164), so the unique index is what makes "already registered"
  // hold under concurrent registrations. A platform-only account has no password_hash.
  await knex.schema.createTable('member_accounts', (t) => {
    t.text('user_id').primary().references('users.id').onDelete('CASCADE');
    t.text('login_id').notNullable().unique();
    t.text('login_type').notNullable(); // email | phone
    t.text('password_hash');
    t.boolean('is_email_verified').notNullable().defaultTo(false);
    t.boolean('is_phone_verified').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // A verified platform sign-in (Google, Apple, LINE) linked to a member: the provider's
  // subject is the identity, never the e-mail it may carry.
  await knex.schema.createTable('platform_identities', (t) => {
    t.text('provider').notNullable();
    t.text('subject').notNullable();
    t.text('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['provider', 'subject']);
    t.index(['user_id']);
  });

  // Profile fields of UserInfoResp, for members and anonymous users alike; created on the first
  // update. Unknown values are '' (as the contract answers them); birthdate is 'YYYY-MM-DD' text
  // so no time zone ever shifts it.
  await knex.schema.createTable('user_profiles', (t) => {
    t.text('user_id').primary().references('users.id').onDelete('CASCADE');
    for (const c of ['avatar_url', 'full_name', 'gender_code', 'birthdate', 'address', 'preferred_language', 'currency', 'national', 'post_code', 'carrier']) {
      t.text(c).notNullable().defaultTo('');
    }
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // One live code per (purpose, identifier): a new code overwrites the old row. Only an HMAC of
  // the code is stored; `attempts` counts wrong tries and `consumed_at` makes it single use.
  await knex.schema.createTable('verification_codes', (t) => {
    t.text('purpose').notNullable(); // password_reset | email_verification | phone_verification
    t.text('identifier').notNullable();
    t.text('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('code_hash').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('consumed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['purpose', 'identifier']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['verification_codes', 'user_profiles', 'platform_identities', 'member_accounts']) await knex.schema.dropTableIfExists(t);
}
