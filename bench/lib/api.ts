/** The REST calls the benchmarks make to set up users, rooms and members: the real public API. */
import { randomUUID } from 'node:crypto';

export interface AnonUser {
  uid: string;
  token: string;
  centrifugo_token: string;
}

async function call(url: string, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url + path, {
        method,
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    } catch (e) {
      // A burst of thousands of logins can meet a transient ECONNRESET on loopback: retry a few times.
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
  }
}

export async function anonLogin(url: string, name = `b-${randomUUID().slice(0, 8)}`): Promise<AnonUser> {
  const r = await call(url, 'POST', '/api/v1/auth/anon', { name });
  if (r.status !== 200) throw new Error(`anon login: ${r.status} ${JSON.stringify(r.body)}`);
  return { uid: r.body.uid, token: r.body.token, centrifugo_token: r.body.centrifugo_token };
}

export async function matchJoin(url: string, token: string): Promise<{ status: string; room_id?: string }> {
  const r = await call(url, 'POST', '/api/v1/matchmaking/join', undefined, token);
  if (r.status !== 201 && r.status !== 200) throw new Error(`matchmaking join: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function register(url: string, loginId: string, password: string): Promise<{ status: number; body: any }> {
  return call(url, 'POST', '/api/v1/auth/register', {
    auth_method: 'credentials',
    login_id: loginId,
    credentials: { password, password_confirm: password, account_type: 'email' },
  });
}

export async function benchReset(url: string): Promise<void> {
  await fetch(`${url}/__bench/reset`, { method: 'POST' }).catch(() => undefined);
}

export async function benchStats(url: string, gc = false): Promise<BenchStats | null> {
  try {
    const res = await fetch(`${url}/__bench/stats${gc ? '?gc=1' : ''}`);
    return res.status === 200 ? ((await res.json()) as BenchStats) : null;
  } catch {
    return null;
  }
}

export interface BenchStats {
  gc: boolean;
  memory: NodeJS.MemoryUsage;
  eventLoopDelayMs: { p50: number; p99: number; max: number; mean: number; samples: number };
  cpuMs: { user: number; system: number };
  elapsedMs: number;
  sockets?: Record<string, number>;
}
