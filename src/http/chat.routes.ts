import type { Router, RequestHandler } from 'express';
import type { ChatOperations } from '../operations/chat.ops.js';
import type { MessageView } from '../core/ports.js';
import type { CatchUp, ListMessageResp, SendResult } from '../core/chat/rooms.service.js';
import { operationRouter } from './adapt.js';

/** The REST form of a Message has no room_id (the socket form adds it). */
const restMessage = ({ message_id, uid, content, timestamp, seq }: MessageView) => ({ message_id, uid, content, timestamp, seq });

/** chat.api under /api/v1. */
export function chatRoutes(ops: ChatOperations, auth: RequestHandler): Router {
  const r = operationRouter(auth);
  r.post('/auth/anon', ops.anonLogin);
  r.post('/auth/refresh', ops.anonRefresh);

  r.post('/matchmaking/join', ops.matchJoin, { status: 201 });
  r.get('/matchmaking/status', ops.matchStatus);
  r.post('/matchmaking/leave', ops.matchLeave);

  r.post('/rooms/:room_id/messages', ops.sendMessage, {
    status: (o: SendResult) => (o.created ? 201 : 200),
    present: (o: SendResult) => restMessage(o.message),
  });
  r.get('/rooms/:room_id/messages', ops.listMessages, {
    present: (o: ListMessageResp) => ({ pager: o.pager, data: o.data.map(restMessage) }),
  });
  r.post('/rooms/:room_id/leave', ops.leaveRoom);
  // Extension: the REST twin of the socket catch-up, for pollers that keep a cursor.
  r.get('/rooms/:room_id/messages/after', ops.joinRoom, {
    present: (o: CatchUp) => ({ room_id: o.room_id, messages: o.messages.map(restMessage), has_more: o.has_more, closed: o.closed }),
  });
  return r.router;
}
