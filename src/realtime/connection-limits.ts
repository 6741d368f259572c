import type { IncomingMessage } from 'node:http';
import type { RateLimiter } from '../core/ports.js';
import { isAppError } from '../core/errors.js';
import { clientAddress } from '../http/client-address.js';
import type { Logger } from '../logger.js';

export interface ConnectionLimitOptions {
  trustProxy: number;
  /** Open connections per address on this node. */
  maxPerAddress: number;
  limiter: RateLimiter;
  log: Logger;
}

/**
 * Limits Socket.IO connections per client address, before any namespace or token is looked at:
 * a cap on connections open at once on this node (each one holds memory and a file descriptor),
 * and a rate of new connections through the shared limiter (so it holds across nodes, which a
 * per-node count cannot). Engine.io asks `allowRequest` once per handshake; a refusal is an HTTP
 * 403 (polling) or 400 (WebSocket) whose message names the limit.
 */
export class ConnectionLimits {
  private readonly open = new Map<string, number>();

  constructor(private readonly o: ConnectionLimitOptions) {}

  readonly allowRequest = (req: IncomingMessage, cb: (err: string | null | undefined, ok: boolean) => void): void => {
    const ip = clientAddress(req, this.o.trustProxy);
    if ((this.open.get(ip) ?? 0) >= this.o.maxPerAddress) {
      cb(`RATE_LIMITED: at most ${this.o.maxPerAddress} open connections per client address`, false);
      return;
    }
    this.o.limiter.consume('socket_connect', ip).then(
      () => cb(null, true),
      (e: unknown) => {
        if (isAppError(e) && e.code === 'RATE_LIMITED') cb(`RATE_LIMITED: too many new connections, ${e.message}`, false);
        else {
          this.o.log.warn({ err: e }, 'connection rate limit unavailable');
          cb('UNAVAILABLE: retry shortly', false);
        }
      },
    );
  };

  /** Counts an accepted engine.io connection until it closes. */
  track(conn: { request: IncomingMessage; once(event: 'close', fn: () => void): unknown }): void {
    const ip = clientAddress(conn.request, this.o.trustProxy);
    this.open.set(ip, (this.open.get(ip) ?? 0) + 1);
    conn.once('close', () => {
      const n = (this.open.get(ip) ?? 1) - 1;
      if (n > 0) this.open.set(ip, n);
      else this.open.delete(ip);
    });
  }
}
