import type { AppServer } from './events.js';
import type { Broadcaster, MatchedMember, MessageView } from '../core/ports.js';
import type { Logger } from '../logger.js';
import { roomChannel, sessionChannel, userChannel } from './channels.js';

const NAMESPACES = ['/auth', '/matchmaking', '/rooms'] as const;

/**
 * Turns the core's "something happened" into Socket.IO emits. With the Redis adapter these
 * reach sockets on every node; without it, this node's sockets.
 */
export class SocketBroadcaster implements Broadcaster {
  constructor(private readonly io: AppServer, private readonly log: Logger) {}

  matched(roomId: string, members: readonly MatchedMember[]): void {
    for (const me of members) {
      const partner = members.find((m) => m.uid !== me.uid);
      if (!partner) continue;
      this.io.of('/rooms').in(userChannel(me.uid)).socketsJoin(roomChannel(roomId));
      this.io.of('/matchmaking').to(userChannel(me.uid)).emit('matched', { room_id: roomId, partner: { uid: partner.uid, name: partner.name } });
    }
  }

  message(msg: MessageView): void {
    this.io.of('/rooms').to(roomChannel(msg.room_id)).emit('message', msg);
  }

  typing(roomId: string, uid: string, typing: boolean): void {
    this.io.of('/rooms').to(roomChannel(roomId)).except(userChannel(uid)).emit('typing', { room_id: roomId, uid, typing });
  }

  roomClosed(roomId: string, by: string): void {
    this.io.of('/rooms').to(roomChannel(roomId)).emit('room_closed', { room_id: roomId, by });
  }

  sessionRevoked(sid: string): void {
    for (const ns of NAMESPACES) this.io.of(ns).in(sessionChannel(sid)).disconnectSockets(true);
    this.log.info({ sid }, 'disconnected sockets of a revoked session');
  }

  userDisconnected(uid: string): void {
    for (const ns of NAMESPACES) this.io.of(ns).in(userChannel(uid)).disconnectSockets(true);
    this.log.info({ uid }, 'disconnected the sockets of a user');
  }
}
