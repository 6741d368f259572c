import type { Knex } from 'knex';

/**
 * A user is an active member of at most one open room, enforced by the database: a partial
 * unique index on room_members(user_id) over the rows of open rooms. Matchmaking on several
 * nodes can then never put one user into two rooms, whatever the pool did.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('room_members', (t) => {
    t.boolean('active').notNullable().defaultTo(true);
  });
  await knex.raw(`UPDATE room_members m SET active = false FROM rooms r WHERE r.id = m.room_id AND r.closed_at IS NOT NULL`);
  await knex.raw(`CREATE UNIQUE INDEX room_members_one_open_room ON room_members (user_id) WHERE active`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS room_members_one_open_room');
  await knex.schema.alterTable('room_members', (t) => t.dropColumn('active'));
}
