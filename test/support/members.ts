import { randomUUID } from 'node:crypto';
import type { Clock } from '../../src/core/ports.js';
import { http, type HttpResult } from './clients.js';
import type { TestServer } from './server.js';

export const PASSWORD = 'correct horse 1';

export interface Member {
  uid: string;
  access_token: string;
  refresh_token: string;
  token_type: string;
  login_id: string;
  password: string;
}

/** A fresh, unique e-mail login id (so tests never share accounts, codes or cooldowns). */
export const uniqueEmail = (tag = 'm'): string => `${tag}-${randomUUID().slice(0, 12)}@example.com`;

/** A fresh, unique E.164 phone number (+886 and 9 random digits). */
export const uniquePhone = (): string => `+8869${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

export const credentialsReq = (loginId: string, password = PASSWORD, accountType = 'any', confirm: string | undefined = password) => ({
  auth_method: 'credentials',
  login_id: loginId,
  credentials: { password, ...(confirm !== undefined ? { password_confirm: confirm } : {}), account_type: accountType },
});

export const platformReq = (loginId: string, provider: string, token: string) => ({
  auth_method: 'platform',
  login_id: loginId,
  platform: { provider, token },
});

export const register = (s: TestServer, body: unknown): Promise<HttpResult> => http(s, 'POST', '/api/v1/auth/register', { body });
export const login = (s: TestServer, body: unknown): Promise<HttpResult> => http(s, 'POST', '/api/v1/auth/sessions', { body });

/** Registers a credentials member and returns its LoginResp with the login id and password. */
export async function registerMember(s: TestServer, loginId = uniqueEmail(), password = PASSWORD): Promise<Member> {
  const r = await register(s, credentialsReq(loginId, password));
  if (r.status !== 200) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...r.body, login_id: loginId, password };
}

/** Logs an existing member in again (a second session). */
export async function loginMember(s: TestServer, m: { login_id: string; password: string }): Promise<Member> {
  const r = await login(s, credentialsReq(m.login_id, m.password));
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...r.body, login_id: m.login_id, password: m.password };
}

/** A clock the test can move: `shift(ms)` moves "now" for the server's rules (code expiry, sessions). */
export function movableClock(): Clock & { shift(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, shift: (ms: number) => void (offset += ms) };
}

/** Audit rows of one user, oldest first. */
export async function auditEvents(s: TestServer, userId: string): Promise<string[]> {
  const rows = (await s.app.db.knex('audit_events').where({ user_id: userId }).orderBy('id', 'asc').select('event')) as Array<{ event: string }>;
  return rows.map((r) => r.event);
}

/** ID-token claims of a provider that has verified `email`: the only login id a platform registration may take. */
export const verifiedEmail = (email: string) => ({ email, email_verified: true });
