import { AuditLog } from '../../src/store/audit.repo.js';
import { grantRole } from '../../src/core/moderation/grant-role.js';
import type { Role } from '../../src/store/users.repo.js';
import { http, type HttpResult } from './clients.js';
import { registerMember, type Member } from './members.js';
import type { TestServer } from './server.js';

/** A member with `role`, granted the way the CLI does it; its token has not been used yet. */
export async function staff(s: TestServer, role: Role = 'moderator'): Promise<Member> {
  const m = await registerMember(s);
  await grantRole(s.app.db.knex, new AuditLog(s.app.db.knex, s.app.log), m.login_id, role);
  return m;
}

export const report = (s: TestServer | string, token: string, roomId: string, body: unknown = { reason: 'harassment' }): Promise<HttpResult> =>
  http(s, 'POST', `/api/v1/rooms/${encodeURIComponent(roomId)}/report`, { token, body });

export const ban = (s: TestServer | string, token: string, uid: string, body: unknown = { reason: 'abuse' }): Promise<HttpResult> =>
  http(s, 'POST', `/api/v1/admin/users/${encodeURIComponent(uid)}/ban`, { token, body });

/** Audit rows naming `actor` in their detail, oldest first. */
export async function auditByActor(s: TestServer, actor: string): Promise<Array<{ event: string; detail: Record<string, unknown> }>> {
  const rows = (await s.app.db.knex('audit_events').whereRaw(`detail->>'actor' = ?`, [actor]).orderBy('id', 'asc').select('event', 'detail')) as Array<{ event: string; detail: unknown }>;
  return rows.map((r) => ({ event: r.event, detail: (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as Record<string, unknown> }));
}
