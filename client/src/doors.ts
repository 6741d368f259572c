import type { Connection } from './connection.js';
import { ChatError } from './errors.js';
import type { Rest } from './rest.js';
import type { Tokens } from './session.js';
import type { MatchState } from './types.js';

/** The two ways to the server for one call: the socket event when connected, else its REST twin. */
export class Doors {
  constructor(
    private readonly conn: () => Connection | null,
    private readonly tokens: Tokens,
    private readonly rest: Rest,
  ) {}

  /** A /rooms event over the socket (no REST twin). */
  request<T>(event: string, payload: unknown): Promise<T> {
    const c = this.conn();
    if (!c) return Promise.reject(new ChatError('SIGNED_OUT', 'not signed in'));
    return c.request<T>(c.rooms, event, payload);
  }

  /** A /rooms event over the socket when connected, else its REST twin. */
  room<T>(event: string, payload: unknown, method: string, path: string): Promise<T> {
    if (this.conn()?.rooms.connected) return this.request<T>(event, payload);
    return this.tokens.authed<T>(this.rest, method, `/api/v1${path}`);
  }

  /** A /matchmaking event over the socket when connected, else its REST twin. */
  matchmaking(event: 'join' | 'status' | 'leave'): Promise<MatchState> {
    const c = this.conn();
    if (!c) return Promise.reject(new ChatError('SIGNED_OUT', 'not signed in'));
    if (c.matchmaking.connected) return c.request<MatchState>(c.matchmaking, event);
    const [method, path] = event === 'status' ? ['GET', '/matchmaking/status'] : ['POST', `/matchmaking/${event}`];
    return this.tokens.authed<MatchState>(this.rest, method, `/api/v1${path}`);
  }
}
