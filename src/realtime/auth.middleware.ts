import type { AppSocket } from './events.js';
import type { SessionService } from '../core/auth/sessions.service.js';
import { isAppError } from '../core/errors.js';

type Next = (err?: Error) => void;

/** The handshake's token: `auth.token` (access or centrifugo_token), `auth.centrifugo_token`, or a Bearer header. */
function tokenOf(socket: AppSocket): string | null {
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  for (const t of [auth.token, auth.centrifugo_token]) if (typeof t === 'string' && t.length > 0 && t.length <= 4096) return t;
  const m = /^Bearer\s+(\S{1,4096})$/i.exec(socket.handshake.headers.authorization ?? '');
  return m ? m[1]! : null;
}

/**
 * Runs on every connection, reconnections included, so a revoked or expired token cannot
 * reconnect. Failure gives the client a connect_error whose message is UNAUTHENTICATED.
 */
export function socketAuth(sessions: SessionService) {
  return async (socket: AppSocket, next: Next) => {
    const token = tokenOf(socket);
    const fail = (message: string, code = 'UNAUTHENTICATED', details?: unknown) => {
      const err = new Error(code) as Error & { data?: unknown };
      err.data = details === undefined ? { code, message } : { code, message, error: details };
      next(err);
    };
    if (!token) return fail('missing token: connect with auth: { token }');
    try {
      socket.data.actor = await sessions.authenticate(token, ['access', 'rt']);
      next();
    } catch (e) {
      if (isAppError(e) && e.code === 'UNAUTHENTICATED') fail(e.message);
      // A banned user: connect_error FORBIDDEN, with {reason: "banned", until} in data.error.
      else if (isAppError(e) && e.code === 'FORBIDDEN') fail(e.message, 'FORBIDDEN', e.details);
      else fail('authentication is unavailable right now, retry shortly', 'UNAVAILABLE');
    }
  };
}
