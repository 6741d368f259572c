import type { Knex } from 'knex';
import type { AppConfig } from './config.js';
import type { Clock, Notifier, PlatformCodeExchanger, PlatformVerifier, RateLimiter } from './core/ports.js';
import type { SessionService } from './core/auth/sessions.service.js';
import { deriveKey } from './core/auth/tokens.js';
import type { UsersRepo } from './store/users.repo.js';
import type { AuditLog } from './store/audit.repo.js';
import { MembersRepo } from './store/members.repo.js';
import { IdentitiesRepo } from './store/identities.repo.js';
import { ProfilesRepo } from './store/profiles.repo.js';
import { CodesRepo } from './store/codes.repo.js';
import { BcryptHasher, Passwords, type PasswordHasher } from './core/members/passwords.js';
import { CodesService } from './core/members/codes.service.js';
import { CredentialsService } from './core/members/credentials.service.js';
import { PlatformAuthService } from './core/members/platform-auth.service.js';
import { MemberSessionsService } from './core/members/member-sessions.service.js';
import { PasswordResetService } from './core/members/password-reset.service.js';
import { PasswordChangeService } from './core/members/password-change.service.js';
import { ProfileService } from './core/members/profile.service.js';
import { VerificationService } from './core/members/verification.service.js';
import { memberAuthEvents, memberOperations } from './operations/members.ops.js';

export interface MemberModuleDeps {
  config: Pick<AppConfig, 'bcryptCost' | 'codeTtlSec' | 'codeMaxAttempts' | 'hashQueueMax' | 'hashQueuePerClient' | 'passwordPepper'>;
  db: Knex;
  /** The master secret; codes are hashed with a key derived from it. */
  secret: string;
  clock: Clock;
  users: UsersRepo;
  audit: AuditLog;
  sessions: SessionService;
  limiter: RateLimiter;
  notifier: Notifier;
  platform: PlatformVerifier;
  platformCodes: PlatformCodeExchanger;
  hasher?: PasswordHasher;
}

/** Wires the member gateway (called by the composition root, src/app.ts). */
export function createMemberModule(d: MemberModuleDeps) {
  const accounts = new MembersRepo(d.db);
  const identities = new IdentitiesRepo(d.db);
  const profiles = new ProfilesRepo(d.db);
  const hasher = d.hasher ?? new BcryptHasher(d.config.bcryptCost, { maxWaiting: d.config.hashQueueMax, perClient: d.config.hashQueuePerClient });
  // The pepper: PASSWORD_PEPPER when set, else a key derived from the master secret.
  const passwords = new Passwords(hasher, deriveKey(d.config.passwordPepper ?? d.secret, 'password'));
  const codes = new CodesService(new CodesRepo(d.db), deriveKey(d.secret, 'codes'), d.notifier, d.limiter, d.clock, {
    ttlSec: d.config.codeTtlSec,
    maxAttempts: d.config.codeMaxAttempts,
  });
  const common = { db: d.db, users: d.users, sessions: d.sessions, limiter: d.limiter, audit: d.audit };
  const ops = memberOperations({
    credentials: new CredentialsService({ ...common, accounts, passwords }),
    platform: new PlatformAuthService({ ...common, accounts, identities, verifier: d.platform, codes: d.platformCodes }),
    sessions: new MemberSessionsService(d.sessions, d.audit),
    resets: new PasswordResetService({ ...common, accounts, codes, passwords }),
    passwords: new PasswordChangeService({ ...common, accounts, passwords }),
    profile: new ProfileService({ users: d.users, accounts, profiles, clock: d.clock }),
    verification: new VerificationService({ accounts, codes }),
  });
  return { ops, authEvents: memberAuthEvents(ops) };
}
