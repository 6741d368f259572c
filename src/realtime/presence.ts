import type { AppServer } from './events.js';
import type { PresenceService } from '../core/chat/presence.service.js';
import type { RoomsRepo } from '../store/rooms.repo.js';
import type { Logger } from '../logger.js';
import { roomChannel, userChannel } from './channels.js';

const ROOM_PREFIX = roomChannel('');

/**
 * Presence for this node's /rooms sockets. Each tick it marks their users here (cluster-wide),
 * then looks at the open rooms those sockets are in and tells them, on this node only, when a
 * member stops or starts being here. Every node does the same for its own sockets, so each
 * socket hears a change once, whichever node its partner is on.
 */
export class PresenceWatcher {
  /** `room \0 uid` -> last state this node's sockets were told (or assumed: online). */
  private readonly known = new Map<string, boolean>();

  constructor(
    private readonly io: AppServer,
    private readonly presence: PresenceService,
    private readonly rooms: Pick<RoomsRepo, 'openMembersOf'>,
    private readonly log: Logger,
  ) {
    // A socket that connects is here at once, not at the next tick.
    io.of('/rooms').on('connection', (socket) => {
      const uid = socket.data.actor?.uid;
      if (uid) this.presence.beat([uid]).catch((err: unknown) => this.log.debug({ err }, 'presence mark failed'));
    });
  }

  async tick(): Promise<void> {
    const ns = this.io.of('/rooms');
    const uids = new Set<string>();
    const roomIds = new Set<string>();
    for (const s of ns.sockets.values()) {
      if (s.data.actor) uids.add(s.data.actor.uid);
      for (const r of s.rooms) if (r.startsWith(ROOM_PREFIX)) roomIds.add(r.slice(ROOM_PREFIX.length));
    }
    await this.presence.beat([...uids]);
    const members = await this.rooms.openMembersOf([...roomIds]);
    const here = await this.presence.here([...new Set(members.map((m) => m.user_id))]);
    const seen = new Set<string>();
    for (const { room_id, user_id } of members) {
      const key = `${room_id}\u0000${user_id}`;
      seen.add(key);
      const online = here.get(user_id) ?? false;
      const before = this.known.get(key);
      this.known.set(key, online);
      // Everyone starts online (they were when matched): only a change, or a first look that finds
      // the member away (e.g. this socket reconnected while the partner was gone), is told.
      if (before === online || (before === undefined && online)) continue;
      ns.local.to(roomChannel(room_id)).except(userChannel(user_id)).emit('presence', { room_id, uid: user_id, online });
    }
    for (const key of this.known.keys()) if (!seen.has(key)) this.known.delete(key);
  }
}
