import type { Connection } from './connection.js';
import type { MatchedEvent, Message, PresenceEvent, RoomClosedEvent, TypingEvent } from './types.js';

export interface ServerEventHandlers {
  matched(e: MatchedEvent): void;
  message(m: Message): void;
  typing(e: TypingEvent): void;
  presence(e: PresenceEvent): void;
  roomClosed(e: RoomClosedEvent): void;
  /** `resync {room_ids}`: live events may have been missed (undefined: assume every room). */
  resync(roomIds: string[] | undefined): void;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const hasRoom = (v: unknown): v is { room_id: string } => isObj(v) && typeof v.room_id === 'string';

/** What the server pushes, checked for shape before it reaches the client's state. */
export function bindServerEvents(c: Connection, h: ServerEventHandlers): void {
  c.matchmaking.on('matched', (e: unknown) => hasRoom(e) && h.matched(e as MatchedEvent));
  c.rooms.on('message', (m: unknown) => hasRoom(m) && typeof (m as Message).message_id === 'string' && h.message(m as Message));
  c.rooms.on('typing', (e: unknown) => hasRoom(e) && h.typing(e as TypingEvent));
  c.rooms.on('presence', (e: unknown) => hasRoom(e) && h.presence(e as PresenceEvent));
  c.rooms.on('room_closed', (e: unknown) => hasRoom(e) && h.roomClosed(e as RoomClosedEvent));
  c.rooms.on('resync', (e: unknown) => h.resync(isObj(e) && Array.isArray(e.room_ids) ? (e.room_ids as string[]) : undefined));
}
