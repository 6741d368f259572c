import type { Knex } from 'knex';
import * as m001 from './001_chat.js';
import * as m002 from './002_members.js';
import * as m003 from './003_one_open_room.js';
import * as m005 from './005_moderation.js';
import * as m006 from './006_ordering.js';

/**
 * Migrations are listed here explicitly instead of being discovered on disk, so the same list
 * works from TypeScript sources (tests) and from the compiled build (production), with no
 * extension juggling. Append only; never edit a migration that has shipped.
 */
const migrations: Record<string, Knex.Migration> = {
  '001_chat': m001,
  '002_members': m002,
  '003_one_open_room': m003,
  '005_moderation': m005,
  '006_ordering': m006,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name]!,
};
