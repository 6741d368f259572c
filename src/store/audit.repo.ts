import type { Knex } from 'knex';
import type { Logger } from '../logger.js';

export type AuditEvent =
  | 'login_failed'
  | 'refresh_token_reuse'
  | 'password_reset_requested'
  | 'password_reset_done'
  | 'password_changed'
  | 'sessions_revoked'
  | 'session_logout'
  | 'report_created'
  | 'report_resolved'
  | 'user_blocked'
  | 'user_unblocked'
  | 'user_banned'
  | 'user_unbanned'
  | 'role_changed';

export interface AuditFields {
  userId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown>;
}

/**
 * Append-only security log in the database. Recording never fails the caller's operation: a
 * failed insert is logged and swallowed, because losing the audit row is better than refusing
 * a user's legitimate request.
 */
export class AuditLog {
  constructor(private readonly db: Knex, private readonly log: Logger) {}

  async record(event: AuditEvent, f: AuditFields = {}): Promise<void> {
    try {
      await this.db('audit_events').insert({
        event,
        user_id: f.userId ?? null,
        session_id: f.sessionId ?? null,
        ip: f.ip ?? null,
        detail: f.detail ? JSON.stringify(f.detail) : null,
      });
    } catch (err) {
      this.log.error({ err, event }, 'audit insert failed');
    }
  }
}
