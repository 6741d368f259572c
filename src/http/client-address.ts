import type { IncomingMessage } from 'node:http';

/**
 * The client's address, by one rule for both doors (REST requests and Socket.IO handshakes):
 * with `trustProxy` = N, the N proxies nearest to us each appended the address they saw to
 * X-Forwarded-For, so the client is the Nth address counted from the right of the list (the
 * socket's peer being the 0th). Entries further left were written by the client itself and are
 * never believed. With N = 0 the header is ignored. This is what Express does for a numeric
 * "trust proxy", so `req.ip` and a socket's address agree.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxy: number): string {
  const peer = req.socket?.remoteAddress ?? 'unknown';
  if (trustProxy <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (!raw) return peer;
  const hops = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && s.length <= 64);
  if (hops.length === 0) return peer;
  // [peer, nearest hop, ..., furthest hop]; stop at the Nth or at the end of the list.
  const chain = [peer, ...hops.reverse()];
  return chain[Math.min(trustProxy, chain.length - 1)]!;
}
