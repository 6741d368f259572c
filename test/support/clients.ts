import { randomUUID } from 'node:crypto';
import { io as ioc, type Socket } from 'socket.io-client';
import { startServer, type TestServer } from './server.js';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small JSON client: `raw` sends a body string as-is (for malformed-input tests). */
export async function http<T = any>(
  server: TestServer | string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const base = typeof server === 'string' ? server : server.url;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export interface AnonUser {
  uid: string;
  token: string;
  centrifugo_token: string;
  refresh_token: string;
  expire_at: number;
  name: string;
}

export async function anonLogin(server: TestServer | string, name = `u-${randomUUID().slice(0, 8)}`): Promise<AnonUser> {
  const r = await http(server, 'POST', '/api/v1/auth/anon', { body: { name } });
  if (r.status !== 200) throw new Error(`anon login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...r.body, name };
}

/** Connects to a namespace and resolves once connected (rejects with the connect_error). */
export function connect(server: TestServer | string, ns: string, token?: string, extra: Record<string, unknown> = {}): Promise<Socket> {
  const base = typeof server === 'string' ? server : server.url;
  const socket = ioc(base + ns, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(token !== undefined ? { auth: { token } } : {}),
    ...extra,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

export interface AckResult<T = any> {
  ok: boolean;
  data?: T;
  error?: { code: string; message: string; error?: unknown; retry_after?: number };
}

/** Emits with an ack and resolves with it (fails the test after `timeoutMs`). */
export function emit<T = any>(socket: Socket, event: string, ...args: unknown[]): Promise<AckResult<T>> {
  return socket.timeout(5000).emitWithAck(event, ...args) as Promise<AckResult<T>>;
}

/** Resolves with the next `event` whose payload satisfies `pred`. */
export function waitFor<T = any>(socket: Socket, event: string, pred: (p: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`timed out waiting for "${event}"`));
    }, timeoutMs);
    const handler = (p: T) => {
      if (!pred(p)) return;
      clearTimeout(t);
      socket.off(event, handler);
      resolve(p);
    };
    socket.on(event, handler);
  });
}

/** Collects every `event` payload a socket receives, for "nothing else arrived" assertions. */
export function collect<T = any>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (p: T) => seen.push(p));
  return seen;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two fresh anonymous users matched over REST; returns both and the room id. */
export async function matchedPair(server: TestServer | string): Promise<{ a: AnonUser; b: AnonUser; roomId: string }> {
  const a = await anonLogin(server, 'alice');
  const b = await anonLogin(server, 'bob');
  const ja = await http(server, 'POST', '/api/v1/matchmaking/join', { token: a.token });
  const jb = await http(server, 'POST', '/api/v1/matchmaking/join', { token: b.token });
  if (jb.body?.status !== 'matched') throw new Error(`expected a match, got ${JSON.stringify([ja.body, jb.body])}`);
  return { a, b, roomId: jb.body.room_id };
}

/**
 * A fresh server (with `env`) and a matched pair on it for the calling `describe`, closed after it:
 * `user` is the pair's first member. Read the fields inside tests.
 */
export function pairedServer(env: Record<string, string> = {}): { server: TestServer; user: AnonUser; partner: AnonUser; roomId: string } {
  const paired = {} as { server: TestServer; user: AnonUser; partner: AnonUser; roomId: string };
  before(async () => {
    paired.server = await startServer(env);
    const { a, b, roomId } = await matchedPair(paired.server);
    Object.assign(paired, { user: a, partner: b, roomId });
  });
  after(async () => paired.server?.close());
  return paired;
}
