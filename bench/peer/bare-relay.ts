/**
 * The benchmark's peer: the least a Socket.IO server can do to relay a 1:1 chat. No
 * authentication, no validation, no storage, no rate limits, no metrics, no logging. A socket
 * that connects to /rooms with `auth: { room }` joins that room; `send {room_id, content,
 * client_msg_id}` is stamped with an id and a timestamp, broadcast to the room (the sender's
 * socket included, as our server does) and acknowledged with the same `{ok, data}` shape, so the
 * load generator drives both servers with the same code.
 *
 * With REDIS_URL set it uses the same adapter as our server (the sharded Redis adapter in dynamic
 * mode, node-redis clients), so two of these processes are the bare two-node peer.
 *
 * With PEER_DATABASE_URL set (the bench's BENCH_PEER_PG=1) it also writes each message to
 * Postgres before relaying it, one plain INSERT per message on a pool of 4 (the id becomes the
 * message_id): a diagnostic peer that pays the same database round trip on its critical path as
 * our server, without our statement's room lock, seq, membership and idempotency work
 * (docs/performance.md section 10). With PEER_PG_MODE=seq (the bench's BENCH_PEER_PG=seq) the
 * insert also takes the room's next `seq` under the room's row lock, one room per statement: the
 * least a store can do for the contract's gap-free per-room order across nodes (section 11).
 *
 * Run: PORT=0 node --import tsx bench/peer/bare-relay.ts   (prints "listening <port>")
 * With BENCH_HOOKS=1 it answers the same /__bench/stats as the server (for the idle comparison).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { BenchHooks } from '../../src/infra/bench-hooks.js';

const port = Number(process.env.PORT ?? 0);
const hooks = process.env.BENCH_HOOKS === '1' ? new BenchHooks(() => ({ sockets: { '/rooms': io.of('/rooms').sockets.size } })) : null;

const server = http.createServer((req, res) => {
  if (hooks?.handle(req, res)) return;
  if (req.url === '/readyz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  res.writeHead(404);
  res.end();
});
async function adapter() {
  const url = process.env.REDIS_URL;
  if (!url) return {};
  const pub = createClient({ url });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  return { adapter: createShardedAdapter(pub, sub, { channelPrefix: `${process.env.REDIS_PREFIX ?? 'peer'}:sio`, subscriptionMode: 'dynamic' }) };
}
const io = new Server(server, { serveClient: false, maxHttpBufferSize: 1e6, ...(await adapter()) });

let seq = 0;
const rooms = io.of('/rooms');
const pgPool = process.env.PEER_DATABASE_URL ? new (await import('pg')).default.Pool({ connectionString: process.env.PEER_DATABASE_URL, max: 4 }) : null;
const SEQ = process.env.PEER_PG_MODE === 'seq';
if (pgPool) await pgPool.query('CREATE TABLE IF NOT EXISTS peer_messages (id bigserial PRIMARY KEY, room_id text NOT NULL, content text NOT NULL)');
if (pgPool && SEQ) {
  await pgPool.query('CREATE TABLE IF NOT EXISTS peer_rooms (id text PRIMARY KEY, last_seq int NOT NULL DEFAULT 0)');
  await pgPool.query('CREATE TABLE IF NOT EXISTS peer_seq_messages (id bigserial PRIMARY KEY, room_id text NOT NULL, seq int NOT NULL, content text NOT NULL, UNIQUE (room_id, seq))');
}
// seq mode: the upsert takes the room's row lock and advances last_seq at its newest version after
// a wait, so the numbers are 1, 2, 3… per room whichever process writes (a room row is made on
// its first message).
const INSERT = SEQ
  ? 'WITH r AS (INSERT INTO peer_rooms AS p (id, last_seq) VALUES ($1, 1) ON CONFLICT (id) DO UPDATE SET last_seq = p.last_seq + 1 RETURNING last_seq) INSERT INTO peer_seq_messages (room_id, seq, content) SELECT $1, last_seq, $2 FROM r RETURNING id'
  : 'INSERT INTO peer_messages (room_id, content) VALUES ($1, $2) RETURNING id';
rooms.on('connection', (socket) => {
  const room = (socket.handshake.auth as { room?: unknown }).room;
  if (typeof room === 'string') void socket.join(room);
  socket.on('send', (m: { room_id: string; content: string; client_msg_id: string }, ack?: (r: unknown) => void) => {
    const go = (id: number | string) => {
      const msg = { message_id: String(id).padStart(16, '0'), room_id: m.room_id, uid: socket.id, content: m.content, timestamp: Date.now() };
      rooms.to(m.room_id).emit('message', msg);
      ack?.({ ok: true, data: msg });
    };
    if (!pgPool) return go(++seq);
    pgPool
      .query<{ id: string }>({ name: 'ins', text: INSERT, values: [m.room_id, m.content] })
      .then(
        (r) => go(r.rows[0]!.id),
        () => ack?.({ ok: false, error: { code: 'UNAVAILABLE', message: 'insert failed' } }),
      );
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
const stop = () => {
  hooks?.close();
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
