import type { AppNamespace, AppServer, AppSocket } from './events.js';
import type { ChatOperations } from '../operations/chat.ops.js';
import type { RoomsRepo } from '../store/rooms.repo.js';
import type { SessionService } from '../core/auth/sessions.service.js';
import type { Operation } from '../core/operation.js';
import { on, type SocketDoor } from './ack.js';
import { socketAuth } from './auth.middleware.js';
import { roomChannel, sessionChannel, userChannel } from './channels.js';
import type { Clock } from '../core/ports.js';
import { expireWithToken } from './token-expiry.js';
import { socketEvents, type NamespaceRow } from './socket-events.js';

export interface RealtimeDeps extends SocketDoor {
  ops: ChatOperations;
  /** Extra /auth events (member login etc.), added by later features. */
  authEvents?: Record<string, Operation>;
  sessions: SessionService;
  rooms: RoomsRepo;
  clock: Clock;
  /** Safety events on /rooms (report, block), when moderation is wired. */
  roomEvents?: Record<string, Operation>;
}

function track(nsp: AppNamespace, door: SocketDoor): void {
  nsp.on('connection', (socket) => {
    door.metrics.sockets.inc({ namespace: nsp.name });
    socket.on('disconnect', () => door.metrics.sockets.dec({ namespace: nsp.name }));
  });
}

/**
 * Joins the channels every authenticated socket needs (its user and its session), and ends the
 * socket when the token it was opened with expires.
 */
function joinIdentity(socket: AppSocket, clock: Clock): void {
  const actor = socket.data.actor!;
  void socket.join([userChannel(actor.uid), sessionChannel(actor.sid)]);
  expireWithToken(socket, clock);
}

/** Binds the client events of one namespace's row of the table (socket-events.ts). */
function bind(socket: AppSocket, row: NamespaceRow, d: SocketDoor): void {
  for (const e of row.client) on(socket, e.event, e.op, d, e.options);
}

export function mountNamespaces(io: AppServer, d: RealtimeDeps): void {
  const events = socketEvents(d.ops, d.authEvents, d.roomEvents);
  const auth = io.of('/auth');
  track(auth, d);
  auth.on('connection', (socket) => bind(socket, events.auth, d));

  const mm = io.of('/matchmaking');
  mm.use(socketAuth(d.sessions));
  track(mm, d);
  mm.on('connection', (socket) => {
    joinIdentity(socket, d.clock);
    bind(socket, events.matchmaking, d);
  });

  const rooms = io.of('/rooms');
  rooms.use(socketAuth(d.sessions));
  // Look up the user's open room before the connection completes, so a (re)connecting socket
  // is already in it when the client sees `connect`: nothing sent after that can be missed,
  // even before the client's own `join` (which it still sends for catch-up).
  rooms.use(async (socket, next) => {
    try {
      socket.data.openRoom = (await d.rooms.openRoomOf(socket.data.actor!.uid)) ?? undefined;
      next();
    } catch (err) {
      d.log.warn({ err }, 'could not look up the open rooms of a connecting socket');
      const e = new Error('UNAVAILABLE') as Error & { data?: unknown };
      e.data = { code: 'UNAVAILABLE', message: 'could not load your rooms, retry shortly' };
      next(e);
    }
  });
  track(rooms, d);
  rooms.on('connection', (socket) => {
    joinIdentity(socket, d.clock);
    if (socket.data.openRoom) void socket.join(roomChannel(socket.data.openRoom));
    bind(socket, events.rooms, d);
  });
}

