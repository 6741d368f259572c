import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { PlatformIdentity } from '../ports.js';
import type { SessionService, TokenPair } from '../auth/sessions.service.js';
import type { UsersRepo } from '../../store/users.repo.js';
import { isUniqueViolation, type MembersRepo } from '../../store/members.repo.js';
import type { IdentitiesRepo } from '../../store/identities.repo.js';
import { loginIdType } from './login-id.js';

export interface NewMemberDeps {
  db: Knex;
  users: Pick<UsersRepo, 'insert'>;
  accounts: Pick<MembersRepo, 'insert'>;
  identities?: Pick<IdentitiesRepo, 'insert'>;
  sessions: Pick<SessionService, 'start'>;
}

export const loginIdTaken = () => new AppError('CONFLICT', 'this login_id is already registered; log in instead');

/**
 * Creates a member (user, account, optional platform link) and its first session in one
 * transaction. The unique indexes decide races: a concurrent duplicate becomes CONFLICT.
 */
export async function createMember(
  d: NewMemberDeps,
  m: { platform: string; loginId: string; passwordHash: string | null; emailVerified?: boolean; identity?: PlatformIdentity },
): Promise<TokenPair> {
  const uid = randomUUID();
  try {
    return await d.db.transaction(async (trx) => {
      await d.users.insert({ id: uid, kind: 'member', platform: m.platform, name: '' }, trx);
      await d.accounts.insert(
        { user_id: uid, login_id: m.loginId, login_type: loginIdType(m.loginId), password_hash: m.passwordHash, is_email_verified: !!m.emailVerified },
        trx,
      );
      if (m.identity) await d.identities!.insert({ provider: m.identity.provider, subject: m.identity.subject, user_id: uid }, trx);
      return d.sessions.start(uid, 'member', trx);
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw loginIdTaken();
    throw e;
  }
}
