import { ChatError, isChatError } from './errors.js';
import type { Rest } from './rest.js';
import type { AnonLoginResp, LoginResp, RefreshTokenResp } from './types.js';

export interface Session {
  kind: 'anon' | 'member';
  uid: string;
  /** The display name chosen at sign-in (anonymous) or the login id (member). */
  name: string;
  /** Access token for REST. */
  access: string;
  /** Token for the Socket.IO handshake: centrifugo_token for anonymous users, the access token for members. */
  socket: string;
  refresh: string;
  /** When `access` expires, unix seconds. */
  expireAt: number;
}

export type EndReason = 'revoked' | 'banned';

export interface SessionEnded {
  reason: EndReason;
  /** Banned: when the ban ends (ISO string), null when permanent. */
  until?: string | null;
  message: string;
}

/** The claims of a JWT, unverified (null when unreadable). No atob: React Native may lack it. */
export function jwtClaims(token: string): Record<string, unknown> | null {
  try {
    const part = token.split('.')[1] ?? '';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let bits = 0;
    let value = 0;
    let out = '';
    for (const ch of part.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')) {
      value = (value << 6) | alphabet.indexOf(ch);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out += String.fromCharCode((value >> bits) & 0xff);
      }
    }
    // The bytes are UTF-8 (a name or e-mail may not be ASCII); a literal % is escaped too, so it stays itself.
    const v: unknown = JSON.parse(decodeURIComponent(out.replace(/[%\x80-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The `exp` of a JWT, in unix seconds (0 when unreadable). */
export function jwtExp(token: string): number {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' ? exp : 0;
}

export const fromAnon = (r: AnonLoginResp, name: string): Session => ({
  kind: 'anon',
  uid: r.uid,
  name,
  access: r.token,
  socket: r.centrifugo_token || r.token,
  refresh: r.refresh_token,
  expireAt: r.expire_at,
});

export const fromMember = (r: LoginResp | RefreshTokenResp, uid: string, name: string): Session => ({
  kind: 'member',
  uid,
  name,
  access: r.access_token,
  socket: r.access_token,
  refresh: r.refresh_token,
  expireAt: jwtExp(r.access_token),
});

export interface TokenHooks {
  /** The session changed (new tokens, or null when it ended). */
  changed(s: Session | null): void;
  /** Another copy of the app (a second tab) may have refreshed already: its latest saved session. */
  latest(): Promise<Session | null>;
  /** The server will not take this session any more. */
  ended(e: SessionEnded): void;
}

/** Refresh this long before the access token expires (or at 80 % of a lifetime under 5 minutes). */
const MARGIN_SEC = 60;

/**
 * Owns the tokens: refreshes them before they expire and after the server says UNAUTHENTICATED,
 * one refresh at a time (refresh tokens rotate: two concurrent refreshes would look like theft).
 */
export class Tokens {
  private current: Session | null = null;
  private inflight: Promise<Session> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly rest: Rest,
    private readonly hooks: TokenHooks,
    private readonly now: () => number = () => Date.now() / 1000,
  ) {}

  get session(): Session | null {
    return this.current;
  }

  set(s: Session | null): void {
    this.current = s;
    this.schedule();
    this.hooks.changed(s);
  }

  /**
   * New tokens. `stale` is the access token that failed: if the tokens changed since, the new
   * ones are returned without another refresh.
   */
  refresh(stale?: string): Promise<Session> {
    const s = this.current;
    if (!s) return Promise.reject(new ChatError('SIGNED_OUT', 'not signed in'));
    if (stale !== undefined && s.access !== stale) return Promise.resolve(s);
    this.inflight ??= this.locked(() => this.doRefresh(s)).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** A REST call with the access token, refreshed once and retried after a 401. */
  async authed<T>(rest: Rest, method: string, path: string, body?: unknown): Promise<T> {
    const s = this.current;
    if (!s) throw new ChatError('SIGNED_OUT', 'not signed in');
    try {
      return await rest.call<T>(method, path, { body, token: s.access });
    } catch (e) {
      if (!isChatError(e, 'UNAUTHENTICATED')) throw e;
      const fresh = await this.refresh(s.access);
      return rest.call<T>(method, path, { body, token: fresh.access });
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.stop();
    const s = this.current;
    if (!s || !s.expireAt) return;
    const lifetime = Math.max(0, s.expireAt - this.now());
    const wait = lifetime > MARGIN_SEC * 5 ? lifetime - MARGIN_SEC : lifetime * 0.8;
    // Timers beyond 2^31 ms overflow to "now"; a day is plenty, the timer re-arms after a refresh.
    this.timer = setTimeout(() => void this.refresh(s.access).catch(() => undefined), Math.min(wait * 1000, 86_400_000));
  }

  /** Across tabs of one browser, refreshes take turns through the Web Locks API where it exists. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const locks = (globalThis as { navigator?: { locks?: { request(name: string, cb: () => Promise<T>): Promise<T> } } }).navigator?.locks;
    return locks ? locks.request('gaobinyou-token-refresh', fn) : fn();
  }

  private async doRefresh(s: Session): Promise<Session> {
    const saved = await this.hooks.latest();
    if (saved && saved.uid === s.uid && saved.refresh !== s.refresh && saved.expireAt - this.now() > MARGIN_SEC / 2) {
      this.set(saved);
      return saved;
    }
    try {
      const next =
        s.kind === 'anon'
          ? fromAnon(await this.rest.call<AnonLoginResp>('POST', '/api/v1/auth/refresh', { body: { token: s.refresh } }), s.name)
          : fromMember(await this.rest.call<RefreshTokenResp>('POST', '/api/v1/auth/sessions/refresh', { body: { access_token: s.access, refresh_token: s.refresh } }), s.uid, s.name);
      if (this.current !== s) throw new ChatError('SIGNED_OUT', 'signed out during a token refresh');
      this.set(next);
      return next;
    } catch (e) {
      if (this.current === s && isChatError(e) && (e.code === 'UNAUTHENTICATED' || e.code === 'FORBIDDEN')) this.end(e);
      throw e;
    }
  }

  private end(e: ChatError): void {
    const d = (e.details ?? {}) as { reason?: unknown; until?: unknown };
    const banned = e.code === 'FORBIDDEN' && d.reason === 'banned';
    this.stop();
    this.current = null;
    this.hooks.ended({
      reason: banned ? 'banned' : 'revoked',
      ...(banned ? { until: typeof d.until === 'string' ? d.until : null } : {}),
      message: e.message,
    });
  }

  /** Used by the socket layer when a handshake is refused as banned. */
  endWith(e: ChatError): void {
    if (this.current) this.end(e);
  }
}
