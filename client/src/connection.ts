import { Manager, type Socket } from 'socket.io-client';
import { ChatError, isChatError } from './errors.js';
import type { Tokens } from './session.js';
import type { Ack } from './types.js';

export type ConnectionState = 'offline' | 'connecting' | 'online';

export interface ConnectionOptions {
  baseUrl: string;
  /** Socket.IO transports, e.g. ['websocket'] (no sticky sessions needed) or ['polling']. */
  transports?: ('websocket' | 'polling' | 'webtransport')[];
  /** Socket.IO path, `/socket.io` by default. */
  path?: string;
  /** How long an acknowledgement may take before the call fails with TIMEOUT. */
  ackTimeoutMs?: number;
}

export interface ConnectionHooks {
  state(s: ConnectionState): void;
  /** The /rooms socket (re)connected: time to catch up. */
  roomsUp(): void;
  /** The /matchmaking socket (re)connected. */
  matchmakingUp(): void;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

/**
 * The two authenticated namespaces over one Socket.IO connection. Socket.IO reconnects by itself
 * after network trouble; this class handles what it leaves to the app: a handshake refused as
 * UNAUTHENTICATED (refresh, then reconnect), a server-side disconnect (token expired or revoked:
 * refresh, and the refresh says which), and a refused-but-retryable handshake (UNAVAILABLE).
 */
export class Connection {
  readonly rooms: Socket;
  readonly matchmaking: Socket;
  private readonly manager: Manager;
  private readonly ackTimeoutMs: number;
  private current: ConnectionState = 'offline';
  private closed = true;
  private retryMs = RETRY_MIN_MS;
  private authFailures = 0;
  /** The access token of the session each namespace last presented in its handshake. */
  private readonly presented = new Map<'rooms' | 'matchmaking', string | undefined>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private waiters: Array<() => void> = [];

  constructor(
    opts: ConnectionOptions,
    private readonly tokens: Tokens,
    private readonly hooks: ConnectionHooks,
  ) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    this.manager = new Manager(opts.baseUrl, {
      autoConnect: false,
      ...(opts.transports ? { transports: opts.transports } : {}),
      ...(opts.path ? { path: opts.path } : {}),
      reconnectionDelay: RETRY_MIN_MS,
      reconnectionDelayMax: RETRY_MAX_MS,
    });
    // A function, so every (re)connection presents the newest token. It also notes which session
    // each namespace presented: a refusal must refresh only if that session is still the current one.
    const auth = (ns: 'rooms' | 'matchmaking') => (cb: (data: object) => void) => {
      const s = this.tokens.session;
      this.presented.set(ns, s?.access);
      cb({ token: s?.socket ?? '' });
    };
    this.rooms = this.manager.socket('/rooms', { auth: auth('rooms') });
    this.matchmaking = this.manager.socket('/matchmaking', { auth: auth('matchmaking') });
    for (const s of [this.rooms, this.matchmaking]) this.watch(s);
  }

  get state(): ConnectionState {
    return this.current;
  }

  open(): void {
    this.closed = false;
    this.rooms.connect();
    this.matchmaking.connect();
    this.update();
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.rooms.disconnect();
    this.matchmaking.disconnect();
    this.update();
    // Whoever waits for the connection re-checks and finds it closed.
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once both namespaces are connected, or when the connection is closed for good. */
  whenOnline(): Promise<void> {
    if (this.current === 'online') return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Emits with an acknowledgement; the server's error becomes a ChatError. */
  request<T>(socket: Socket, event: string, payload?: unknown): Promise<T> {
    if (!socket.connected) return Promise.reject(new ChatError('NETWORK', `not connected (${event})`));
    return new Promise<T>((resolve, reject) => {
      const args = payload === undefined ? [] : [payload];
      socket.timeout(this.ackTimeoutMs).emit(event, ...args, (err: Error | null, res: Ack<T>) => {
        if (err) reject(new ChatError('TIMEOUT', `no answer to ${event} within ${this.ackTimeoutMs} ms`));
        else if (res && res.ok === true) resolve(res.data);
        else if (res && res.ok === false) reject(ChatError.from(res.error));
        else reject(new ChatError('INTERNAL', `malformed answer to ${event}`));
      });
    });
  }

  private watch(socket: Socket): void {
    socket.on('connect', () => {
      this.retryMs = RETRY_MIN_MS;
      this.authFailures = 0;
      this.update();
      if (socket === this.rooms) this.hooks.roomsUp();
      else this.hooks.matchmakingUp();
    });
    socket.on('disconnect', (reason) => {
      this.update();
      // The server closed this socket (expired or revoked token, ban): Socket.IO will not come
      // back by itself. A refresh tells which: new tokens reconnect, a refusal ends the session.
      if (reason === 'io server disconnect' && !this.closed) void this.reauthenticate(socket, true);
    });
    socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string; error?: unknown } }) => {
      this.update();
      if (socket.active || this.closed) return; // a transport problem: Socket.IO retries by itself
      const code = err.data?.code ?? err.message;
      if (code === 'UNAUTHENTICATED') void this.reauthenticate(socket, false);
      else if (code === 'FORBIDDEN') this.tokens.endWith(new ChatError('FORBIDDEN', err.data?.message ?? 'forbidden', 403, undefined, err.data?.error));
      else this.later(socket);
    });
  }

  private async reauthenticate(socket: Socket, serverKicked: boolean): Promise<void> {
    // The session this socket was refused with, not the current one: when both namespaces are
    // refused, the second must not refresh again the tokens the first has just refreshed.
    const token = this.presented.get(socket === this.rooms ? 'rooms' : 'matchmaking') ?? this.tokens.session?.access;
    try {
      // After a server-side disconnect the token may look valid to us but be expired or revoked
      // to the server: always refresh then. After a refused handshake, only if nobody has yet.
      await this.tokens.refresh(serverKicked ? undefined : token);
      // Fresh tokens refused again (a clock far off, say) must not spin: back off after the first.
      if (this.authFailures++ === 0) {
        if (!this.closed) socket.connect();
      } else this.later(socket);
    } catch (e) {
      if (isChatError(e) && ['UNAUTHENTICATED', 'FORBIDDEN', 'SIGNED_OUT'].includes(e.code)) return; // the session ended
      this.later(socket);
    }
  }

  private later(socket: Socket): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.closed) return;
      if (socket.connected || socket.active || !this.tokens.session) return;
      socket.connect();
    }, this.retryMs);
    this.timers.add(t);
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  private update(): void {
    const next: ConnectionState = this.closed
      ? 'offline'
      : this.rooms.connected && this.matchmaking.connected
        ? 'online'
        : 'connecting';
    if (next === 'online') for (const w of this.waiters.splice(0)) w();
    if (next === this.current) return;
    this.current = next;
    this.hooks.state(next);
  }
}
