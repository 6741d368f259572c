import type { ChatOperations } from '../operations/chat.ops.js';
import type { MemberOperations } from '../operations/members.ops.js';
import type { ModerationOperations } from '../operations/moderation.ops.js';
import type { Operation } from '../core/operation.js';
import { socketEvents } from '../realtime/socket-events.js';
import { buildAsyncApi, type AsyncApiDocument } from './asyncapi.js';
import { MODERATION_SCHEMAS, moderationRouteDocs } from './api-docs.moderation.js';
import { RESPONSE_SCHEMAS, chatRouteDocs, memberRouteDocs } from './api-docs.js';

/**
 * The entry point of /docs/asyncapi.json: the Socket.IO door described from the event table
 * (src/realtime/socket-events.ts) that namespaces.ts binds, with each ack's data taken from the
 * REST route running the same operation.
 */

const SOCKET_DESCRIPTION = [
  'The Socket.IO (v4) door of the GaoBinYou chat server, generated at run time from the same operation table and joi schemas the server validates with. It is the primary door: REST (/docs/openapi.json) runs the same operations.',
  'Connect with socket.io-client to a namespace (`/auth`, `/matchmaking`, `/rooms`) on the REST host and port. Every client event takes an acknowledgement callback answered with `{ok: true, data}` or `{ok: false, error: {code, message}}`; an event sent without one is still processed. Payloads over 16 KiB get PAYLOAD_TOO_LARGE; a bad payload gets INVALID_ARGUMENT and the socket stays connected.',
  'Delivery is at least once: after a reconnect, send `join {room_id, after: <last message_id>}` on `/rooms` and drop duplicates by `message_id`.',
].join('\n\n');

/** The AsyncAPI document of the Socket.IO door for the events this server binds. */
export function socketApiDocument(
  chat: ChatOperations,
  members?: { ops: MemberOperations; authEvents: Record<string, Operation> },
  version = '0.0.0',
  moderation?: { ops: ModerationOperations; roomEvents: Record<string, Operation> },
): AsyncApiDocument {
  const routes = [...chatRouteDocs(chat), ...(members ? memberRouteDocs(members.ops) : []), ...(moderation ? moderationRouteDocs(moderation.ops) : [])];
  const schemas = { ...RESPONSE_SCHEMAS, ...(moderation ? MODERATION_SCHEMAS : {}) };
  const info = { title: 'GaoBinYou chat real-time API (Socket.IO)', version, description: SOCKET_DESCRIPTION, schemas, routes };
  return buildAsyncApi(info, socketEvents(chat, members?.authEvents, moderation?.roomEvents));
}
