import type { Knex } from 'knex';

/**
 * Safety and moderation: roles, bans, blocks, reports with their evidence, and the last address
 * an anonymous user came from (so a ban is not undone by asking for a new anonymous identity).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.text('role').notNullable().defaultTo('user'); // user | moderator | admin
    // A ban is active while banned_at is set and banned_until is null (permanent) or in the future.
    t.timestamp('banned_at', { useTz: true });
    t.timestamp('banned_until', { useTz: true });
    t.text('ban_reason');
    t.text('last_ip');
  });
  // Anonymous login asks "is a banned user behind this address?": only banned rows are indexed.
  await knex.raw('CREATE INDEX users_banned_last_ip ON users (last_ip) WHERE banned_at IS NOT NULL');

  // One row per direction; "blocked" is either direction.
  await knex.schema.createTable('blocks', (t) => {
    t.text('blocker_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('blocked_id').notNullable().references('users.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['blocker_id', 'blocked_id']);
    t.index(['blocked_id']);
  });

  // Evidence is a copy (jsonb) of the room's last messages, so deleting old messages (retention)
  // never deletes what a moderator needs to judge the report.
  await knex.schema.createTable('reports', (t) => {
    t.text('id').primary();
    t.text('room_id').notNullable();
    t.text('reporter_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('reported_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('reason').notNullable();
    t.text('note').notNullable().defaultTo('');
    t.jsonb('evidence').notNullable();
    t.text('status').notNullable().defaultTo('open'); // open | resolved
    t.text('action'); // dismiss | ban
    t.text('resolution_note');
    t.text('resolved_by');
    t.timestamp('resolved_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
    t.unique(['room_id', 'reporter_id']);
    t.index(['status', 'created_at']);
  });

  // The retention job looks up rooms closed before a cutoff.
  await knex.raw('CREATE INDEX rooms_closed_at ON rooms (closed_at) WHERE closed_at IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS rooms_closed_at');
  await knex.schema.dropTableIfExists('reports');
  await knex.schema.dropTableIfExists('blocks');
  await knex.raw('DROP INDEX IF EXISTS users_banned_last_ip');
  await knex.schema.alterTable('users', (t) => {
    for (const c of ['role', 'banned_at', 'banned_until', 'ban_reason', 'last_ip']) t.dropColumn(c);
  });
}
