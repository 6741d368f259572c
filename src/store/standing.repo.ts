import type { Knex } from 'knex';
import type { Role } from './users.repo.js';

/** An active ban; `until` null is permanent. */
export interface Ban {
  until: Date | null;
}

export interface Standing {
  uid: string;
  kind: 'anon' | 'member';
  role: Role;
  ban: Ban | null;
}

const ACTIVE_BAN = 'banned_at IS NOT NULL AND (banned_until IS NULL OR banned_until > ?)';

/** A user's role and ban: who may moderate, and who may not come in. */
export class StandingRepo {
  constructor(private readonly db: Knex) {}

  async find(uid: string, now: Date): Promise<Standing | null> {
    const row = (await this.db('users')
      .where({ id: uid })
      .first('id', 'kind', 'role', this.db.raw(`(${ACTIVE_BAN}) AS banned`, [now]), 'banned_until')) as
      | { id: string; kind: 'anon' | 'member'; role: Role; banned: boolean; banned_until: Date | null }
      | undefined;
    if (!row) return null;
    return { uid: row.id, kind: row.kind, role: row.role, ban: row.banned ? { until: row.banned_until } : null };
  }

  async activeBan(uid: string, now: Date): Promise<Ban | null> {
    return (await this.find(uid, now))?.ban ?? null;
  }

  /** The longest active ban of an anonymous user whose last address was `ip`. */
  async addressBan(ip: string, now: Date): Promise<Ban | null> {
    const row = (await this.db('users')
      .where({ last_ip: ip, kind: 'anon' })
      .whereRaw(ACTIVE_BAN, [now])
      .orderByRaw('banned_until DESC NULLS FIRST')
      .first('banned_until')) as { banned_until: Date | null } | undefined;
    return row ? { until: row.banned_until } : null;
  }

  async setLastIp(uid: string, ip: string, trx: Knex = this.db): Promise<void> {
    await trx('users').where({ id: uid }).update({ last_ip: ip });
  }

  /** Returns false when there is no such user. */
  async ban(uid: string, until: Date | null, reason: string, now: Date): Promise<boolean> {
    const n = await this.db('users').where({ id: uid }).update({ banned_at: now, banned_until: until, ban_reason: reason });
    return Number(n) > 0;
  }

  async unban(uid: string): Promise<boolean> {
    const n = await this.db('users').where({ id: uid }).update({ banned_at: null, banned_until: null, ban_reason: null });
    return Number(n) > 0;
  }

  async setRole(uid: string, role: Role): Promise<boolean> {
    const n = await this.db('users').where({ id: uid }).update({ role, updated_at: this.db.fn.now() });
    return Number(n) > 0;
  }
}
