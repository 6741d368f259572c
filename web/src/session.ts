import { ApiError, request } from './api.js';
import type { Outgoing } from './conversation.js';
import type { AnonLoginResp, LoginResp } from './types.js';

/**
 * What survives a reload, in localStorage: the tokens, the display name and where the user was
 * (lobby, waiting, or which room with whom), plus messages not yet acknowledged.
 */

export interface Auth {
  kind: 'anon' | 'member';
  uid: string;
  name: string;
  /** REST access token. */
  access: string;
  /** Token for the Socket.IO handshake (centrifugo_token for anonymous users, the access token for members). */
  socket: string;
  refresh: string;
  /** When `access` expires, unix seconds. */
  expireAt: number;
}

export interface RoomState {
  id: string;
  partner: string;
  closed?: 'partner' | 'me' | 'ended';
}

export interface Saved {
  v: 1;
  auth: Auth;
  view: 'lobby' | 'waiting' | 'chat';
  room?: RoomState;
  outbox?: Outgoing[];
}

const KEY = 'gby.session.v1';

export function load(): Saved | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Saved;
    if (s?.v !== 1 || !s.auth?.uid || !s.auth.refresh) return null;
    return s;
  } catch {
    return null;
  }
}

export function save(s: Saved): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // storage full or disabled: the session still works until the page is closed
  }
}

export function clear(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // ignore
  }
}

/** Storage events from other tabs of the same origin. */
export function onOtherTab(fn: (s: Saved | null) => void): void {
  window.addEventListener('storage', (e) => {
    if (e.key === KEY || e.key === null) fn(load());
  });
}

/** `exp` of a JWT, unix seconds (0 when it cannot be read). */
export function jwtExp(token: string): number {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : 0;
  } catch {
    return 0;
  }
}

export const fromAnon = (r: AnonLoginResp, name: string): Auth => ({
  kind: 'anon',
  uid: r.uid,
  name,
  access: r.token,
  socket: r.centrifugo_token,
  refresh: r.refresh_token,
  expireAt: r.expire_at,
});

export const fromMember = (r: LoginResp, name: string): Auth => ({
  kind: 'member',
  uid: r.uid,
  name,
  access: r.access_token,
  socket: r.access_token,
  refresh: r.refresh_token,
  expireAt: jwtExp(r.access_token),
});

/** The session is over (refresh refused): the user has to log in again. */
export class SessionExpired extends Error {}

/**
 * Keeps the tokens fresh. Refresh tokens rotate and a retired one revokes the session, so two tabs
 * must never both spend the same one: refreshes are serialised across tabs with the Web Locks
 * API, and a tab first adopts tokens another tab already refreshed (the server's grace window
 * covers browsers without Web Locks).
 */
export class Tokens {
  private inflight: Promise<Auth> | null = null;

  constructor(
    private auth: Auth,
    private readonly persist: (a: Auth) => void,
  ) {}

  get current(): Auth {
    return this.auth;
  }

  /** Tokens adopted from another tab. */
  adopt(a: Auth): void {
    if (a.uid === this.auth.uid) this.auth = a;
  }

  /** The tokens, refreshed first when the access token expires within `marginSec`. */
  async fresh(marginSec = 60): Promise<Auth> {
    if (this.auth.expireAt - Date.now() / 1000 > marginSec) return this.auth;
    return this.refresh();
  }

  refresh(): Promise<Auth> {
    this.inflight ??= this.withLock(() => this.doRefresh()).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const locks = (navigator as Navigator & { locks?: { request(name: string, cb: () => Promise<T>): Promise<T> } }).locks;
    return locks ? locks.request('gby-token-refresh', fn) : fn();
  }

  private async doRefresh(): Promise<Auth> {
    const before = this.auth.refresh;
    const stored = load()?.auth;
    if (stored && stored.uid === this.auth.uid && stored.refresh !== before) {
      // Another tab refreshed while we waited for the lock: use its tokens.
      this.auth = stored;
      if (stored.expireAt - Date.now() / 1000 > 30) return stored;
    }
    try {
      const a = this.auth;
      const next: Auth =
        a.kind === 'anon'
          ? fromAnon(await request<AnonLoginResp>('POST', '/api/v1/auth/refresh', { body: { token: a.refresh } }), a.name)
          : fromMember({ uid: a.uid, ...(await request<Omit<LoginResp, 'uid'>>('POST', '/api/v1/auth/sessions/refresh', { body: { access_token: a.access, refresh_token: a.refresh } })) }, a.name);
      this.auth = next;
      this.persist(next);
      return next;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 400)) throw new SessionExpired('session expired');
      throw e;
    }
  }
}
