import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import { normalizeLoginId } from '../members/login-id.js';
import { MembersRepo } from '../../store/members.repo.js';
import { StandingRepo } from '../../store/standing.repo.js';
import type { AuditLog } from '../../store/audit.repo.js';
import { ROLES, type Role } from '../../store/users.repo.js';

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

/**
 * `npm run admin -- grant <login_id> <role>`: gives a member a role, by login id, from the
 * server's machine (how the first admin is made). Audited with the actor "cli".
 */
export async function grantRole(db: Knex, audit: Pick<AuditLog, 'record'>, rawLoginId: string, role: string): Promise<{ uid: string; role: Role }> {
  if (!isRole(role)) throw new AppError('INVALID_ARGUMENT', `unknown role "${role}": use one of ${ROLES.join(', ')}`);
  const loginId = normalizeLoginId(rawLoginId, 'any');
  const account = loginId ? await new MembersRepo(db).findByLoginId(loginId.id) : null;
  if (!account) throw new AppError('NOT_FOUND', `no member account has the login id "${rawLoginId}" (register it first)`);
  await new StandingRepo(db).setRole(account.user_id, role);
  await audit.record('role_changed', { userId: null, detail: { actor: 'cli', target: account.user_id, role } });
  return { uid: account.user_id, role };
}
