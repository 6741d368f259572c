/** Socket.IO room names. One place, so the broadcaster and the namespaces agree. */
export const ROOM_CHANNEL_PREFIX = 'room:';
export const userChannel = (uid: string): string => `user:${uid}`;
export const sessionChannel = (sid: string): string => `session:${sid}`;
export const roomChannel = (roomId: string): string => `${ROOM_CHANNEL_PREFIX}${roomId}`;
