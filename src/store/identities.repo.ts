import type { Knex } from 'knex';
import type { PlatformProvider } from '../core/ports.js';

export interface PlatformIdentityRow {
  provider: PlatformProvider;
  subject: string;
  user_id: string;
  created_at: Date;
}

/** Links between a provider's subject and a member: (provider, subject) is the primary key. */
export class IdentitiesRepo {
  constructor(private readonly db: Knex) {}

  async insert(row: Pick<PlatformIdentityRow, 'provider' | 'subject' | 'user_id'>, trx: Knex = this.db): Promise<void> {
    await trx('platform_identities').insert(row);
  }

  async find(provider: PlatformProvider, subject: string): Promise<PlatformIdentityRow | null> {
    return ((await this.db('platform_identities').where({ provider, subject }).first()) as PlatformIdentityRow | undefined) ?? null;
  }
}
