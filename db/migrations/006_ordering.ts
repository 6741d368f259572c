import type { Knex } from 'knex';

/**
 * Per-room message order a client can check: `messages.seq` is 1, 2, 3… within a room, with no
 * holes, in the same order as `id`. `rooms.last_seq` is the counter, read and advanced by the
 * writer while it holds the room's row lock (src/store/messages.repo.ts), so numbering cannot
 * race across connections or nodes. Existing messages are numbered in id order.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rooms', (t) => {
    t.integer('last_seq').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('messages', (t) => {
    t.integer('seq');
  });
  await knex.raw(`UPDATE messages m SET seq = x.n FROM (SELECT id, row_number() OVER (PARTITION BY room_id ORDER BY id) AS n FROM messages) x WHERE m.id = x.id`);
  await knex.raw(`UPDATE rooms r SET last_seq = x.n FROM (SELECT room_id, max(seq) AS n FROM messages GROUP BY room_id) x WHERE r.id = x.room_id`);
  await knex.raw(`ALTER TABLE messages ALTER COLUMN seq SET NOT NULL`);
  await knex.raw(`CREATE UNIQUE INDEX messages_room_seq ON messages (room_id, seq)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS messages_room_seq');
  await knex.schema.alterTable('messages', (t) => t.dropColumn('seq'));
  await knex.schema.alterTable('rooms', (t) => t.dropColumn('last_seq'));
}
