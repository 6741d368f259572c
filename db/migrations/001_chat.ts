import type { Knex } from 'knex';

/** Users, sessions, rooms, members and messages: everything the anonymous chat needs. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.text('id').primary();
    t.text('kind').notNullable(); // anon | member
    t.text('platform').notNullable(); // anonymous | credentials | google | line | apple
    t.text('name').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // One row per login: the refresh-token family. Rotation bumps `refresh_gen`; the current
  // refresh token is stored only as a SHA-256 hash.
  await knex.schema.createTable('sessions', (t) => {
    t.text('id').primary();
    t.text('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.integer('refresh_gen').notNullable().defaultTo(0);
    t.text('refresh_hash').notNullable();
    t.timestamp('rotated_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_reason');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id']);
  });

  await knex.schema.createTable('rooms', (t) => {
    t.text('id').primary();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('closed_at', { useTz: true });
    t.text('closed_by');
  });

  await knex.schema.createTable('room_members', (t) => {
    t.text('room_id').notNullable().references('rooms.id').onDelete('CASCADE');
    t.text('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.timestamp('joined_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['room_id', 'user_id']);
    t.index(['user_id']);
  });

  // `id` is the message order: inserts into one room are serialised by a row lock on the room,
  // so ids inside a room grow in commit order and a cursor never skips a late commit.
  await knex.schema.createTable('messages', (t) => {
    t.bigIncrements('id').primary();
    t.text('room_id').notNullable().references('rooms.id').onDelete('CASCADE');
    t.text('sender_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('client_msg_id').notNullable();
    t.text('content').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
    t.unique(['room_id', 'sender_id', 'client_msg_id']);
    t.index(['room_id', 'id']);
  });

  await createAudit(knex);
}

// Append-only record of security events (failed logins, token reuse, resets, revocations).
export async function createAudit(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_events', (t) => {
    t.bigIncrements('id').primary();
    t.text('event').notNullable();
    t.text('user_id');
    t.text('session_id');
    t.text('ip');
    t.jsonb('detail');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id', 'created_at']);
    t.index(['event', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['audit_events', 'messages', 'room_members', 'rooms', 'sessions', 'users']) await knex.schema.dropTableIfExists(t);
}
