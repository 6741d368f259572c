/**
 * Issue #10, item 1: can one client stall everyone's login? Against a running server started
 * with TRUST_PROXY=1 (so X-Forwarded-For tells the two clients apart), it registers a member from
 * one address, then fires 40 logins with random login ids in parallel from another address and,
 * while they run, times the member's own login. It prints the member's latency and what the 40
 * got. Run it against two builds for a before/after comparison:
 *
 *   TRUST_PROXY=1 PORT=8099 DATA_DIR=$(mktemp -d) node dist/src/main.js &
 *   node --import tsx bench/login-stall.ts http://127.0.0.1:8099
 *
 * Latency is reported, never asserted (docs/security.md has the figures).
 */
import { randomUUID } from 'node:crypto';

const base = process.argv[2] ?? 'http://127.0.0.1:8091';
const ATTACK = 40;
const password = 'correct horse 1';

const post = async (path: string, body: unknown, ip: string) => {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  return res.status;
};
const creds = (login_id: string, pw = password) => ({ auth_method: 'credentials', login_id, credentials: { password: pw, password_confirm: pw, account_type: 'email' } });

async function timedLogin(loginId: string): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const status = await post('/api/v1/auth/sessions', creds(loginId), '198.51.100.2');
  return { ms: performance.now() - t0, status };
}

const member = `member-${randomUUID().slice(0, 8)}@example.com`;
if ((await post('/api/v1/auth/register', creds(member), '198.51.100.2')) !== 200) throw new Error('could not register the member');
const quiet = await timedLogin(member);

const attacker = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
const burst = Array.from({ length: ATTACK }, () => post('/api/v1/auth/sessions', creds(`x-${randomUUID().slice(0, 12)}@example.com`, 'wrong password'), attacker));
await new Promise((r) => setTimeout(r, 50)); // let the burst reach the server first
const underAttack = await timedLogin(member);
const statuses = await Promise.all(burst);
const counts: Record<number, number> = {};
for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;

console.log(JSON.stringify({ quietLoginMs: Math.round(quiet.ms), loginDuringBurstMs: Math.round(underAttack.ms), memberStatus: underAttack.status, burst: counts }));
