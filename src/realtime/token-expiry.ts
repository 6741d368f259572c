import type { Clock } from '../core/ports.js';
import type { AppSocket } from './events.js';

/** setTimeout's longest delay (about 24.8 days); a longer wait is done in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * A socket is authorised by the token of its handshake, so it lives no longer than that token:
 * at `exp` it gets `token_expired {code: "UNAUTHENTICATED"}` and is disconnected; the client
 * refreshes and reconnects with the new token. One timer per socket, set at connection, is
 * cheaper than re-checking tokens on an interval. Revocation before expiry is handled apart
 * (SocketBroadcaster.sessionRevoked).
 */
export function expireWithToken(socket: AppSocket, clock: Clock): void {
  const exp = socket.data.actor?.exp;
  if (exp === undefined) return;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = exp * 1000 - clock.now();
    if (left <= 0) {
      socket.emit('token_expired', { code: 'UNAUTHENTICATED', message: 'token expired: refresh it and reconnect with the new token' });
      socket.disconnect(true);
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_DELAY_MS));
    timer.unref();
  };
  arm();
  socket.once('disconnect', () => clearTimeout(timer));
}
