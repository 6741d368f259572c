import type { Namespace, Server, Socket } from 'socket.io';
import type { ChatOperations } from '../operations/chat.ops.js';
import type { CatchUp } from '../core/chat/rooms.service.js';
import type { SendResult } from '../core/chat/rooms.service.js';
import type { RoomsRepo } from '../store/rooms.repo.js';
import type { SessionService } from '../core/auth/sessions.service.js';
import type { Operation } from '../core/operation.js';
import { on, type SocketDoor } from './ack.js';
import { socketAuth } from './auth.middleware.js';
import { roomChannel, sessionChannel, userChannel } from './channels.js';

export interface RealtimeDeps extends SocketDoor {
  ops: ChatOperations;
  /** Extra /auth events (member login etc.), added by later features. */
  authEvents?: Record<string, Operation>;
  sessions: SessionService;
  rooms: RoomsRepo;
}

function track(nsp: Namespace, door: SocketDoor): void {
  nsp.on('connection', (socket) => {
    door.metrics.sockets.inc({ namespace: nsp.name });
    socket.on('disconnect', () => door.metrics.sockets.dec({ namespace: nsp.name }));
  });
}

/** Joins the channels every authenticated socket needs: its user and its session. */
function joinIdentity(socket: Socket): void {
  const actor = socket.data.actor!;
  void socket.join([userChannel(actor.uid), sessionChannel(actor.sid)]);
}

export function mountNamespaces(io: Server, d: RealtimeDeps): void {
  const auth = io.of('/auth');
  track(auth, d);
  auth.on('connection', (socket) => {
    on(socket, 'anon_login', d.ops.anonLogin, d);
    on(socket, 'refresh', d.ops.anonRefresh, d);
    for (const [event, op] of Object.entries(d.authEvents ?? {})) on(socket, event, op, d);
  });

  const mm = io.of('/matchmaking');
  mm.use(socketAuth(d.sessions));
  track(mm, d);
  mm.on('connection', (socket) => {
    joinIdentity(socket);
    on(socket, 'join', d.ops.matchJoin, d);
    on(socket, 'status', d.ops.matchStatus, d);
    on(socket, 'leave', d.ops.matchLeave, d);
  });

  const rooms = io.of('/rooms');
  rooms.use(socketAuth(d.sessions));
  track(rooms, d);
  rooms.on('connection', async (socket) => {
    joinIdentity(socket);
    const joinChannel = (s: Socket, o: { room_id: string }) => void s.join(roomChannel(o.room_id));
    on(socket, 'join', d.ops.joinRoom, d, { after: joinChannel });
    on(socket, 'send', d.ops.sendMessage, d, { present: (o: SendResult) => o.message });
    on(socket, 'history', d.ops.listMessages, d);
    on(socket, 'typing', d.ops.typing, d);
    on(socket, 'leave', d.ops.leaveRoom, d);
    // Put a (re)connecting socket back into its open rooms, so live messages flow even before
    // the client's own `join` (which it still sends for catch-up).
    try {
      for (const id of await d.rooms.openRoomsOf(socket.data.actor!.uid)) await socket.join(roomChannel(id));
    } catch (err) {
      d.log.warn({ err }, 'could not restore rooms of a connecting socket');
    }
  });
}

export type { CatchUp };
