import type { AppNamespace } from './events.js';
import { ROOM_CHANNEL_PREFIX } from './channels.js';

/**
 * Tells every `/rooms` socket of this node which of its rooms may have missed live events (the
 * node's Redis subscriber was away, so broadcasts from other nodes never reached it). The socket
 * stayed connected, so without this nothing would tell the client; it answers with
 * `join {room_id, after}` per room. Local emits only: the other nodes did not miss anything.
 */
export function sendResync(rooms: AppNamespace): number {
  let told = 0;
  for (const socket of rooms.sockets.values()) {
    const room_ids = [...socket.rooms].filter((r) => r.startsWith(ROOM_CHANNEL_PREFIX)).map((r) => r.slice(ROOM_CHANNEL_PREFIX.length));
    if (room_ids.length === 0) continue;
    socket.emit('resync', { room_ids });
    told++;
  }
  return told;
}
