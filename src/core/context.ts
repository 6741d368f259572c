import type { Logger } from 'pino';
import type { Role } from '../store/users.repo.js';

export type UserKind = 'anon' | 'member';

/** Who is calling: a plain object, never a request or a socket. */
export interface Actor {
  uid: string;
  kind: UserKind;
  /** The server-side session the caller's token is bound to. */
  sid: string;
  /** When the presented token expires, unix seconds (a socket is disconnected then). */
  exp?: number;
  /** Loaded with the session on every authentication; absent means `user`. */
  role?: Role;
}

/** Per-call context every operation receives, whichever door it came through. */
export interface Ctx {
  requestId: string;
  /** Client address, used as the rate-limit key for unauthenticated calls. */
  ip: string;
  log: Logger;
}
