import type { Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * One write system call per WebSocket per turn of the event loop, instead of one per frame.
 *
 * `ws` writes every frame to its TCP socket at once, so a socket that gets an ack, the echo of its
 * own message and its partner's message in the same turn costs three `writev` calls, and on a busy
 * node those calls were the largest single cost of a chat message (docs/performance.md). Here the
 * first write of a turn corks the socket and a `process.nextTick` uncorks it: everything written to
 * that socket until then leaves in one `writev`, at the end of the same turn, so nothing waits for a
 * timer and no latency is added. Only upgraded (WebSocket) connections are affected; HTTP
 * responses and long-polling are not.
 */
export function coalesceWebSocketWrites(server: HttpServer): void {
  server.on('upgrade', (_req, socket: Duplex) => coalesceWrites(socket));
}

export function coalesceWrites(socket: Duplex): void {
  let corked = false;
  const release = () => {
    corked = false;
    socket.uncork();
  };
  const write = socket.write;
  socket.write = function (this: Duplex, ...args: Parameters<Duplex['write']>) {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      process.nextTick(release);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as Duplex['write'];
}
