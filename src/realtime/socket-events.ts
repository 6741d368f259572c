import type { ChatOperations } from '../operations/chat.ops.js';
import type { SendResult } from '../core/chat/rooms.service.js';
import type { Operation } from '../core/operation.js';
import type { JsonSchema } from '../http/json-schema.js';
import type { EventOptions } from './ack.js';
import type { AppSocket } from './events.js';
import { roomChannel } from './channels.js';

/**
 * The Socket.IO API as data: which event of which namespace runs which operation, and what the
 * server emits. namespaces.ts binds the client events from this table and the AsyncAPI document
 * (src/http/asyncapi.ts) is generated from it, so an event cannot exist on one and not the other.
 * A new event is a row here.
 */

export type NamespaceName = 'auth' | 'matchmaking' | 'rooms';

export interface ClientEventRow {
  event: string;
  op: Operation<any, any>;
  /** For the docs; without it, the summary of the REST route running the same operation. */
  summary?: string;
  /** The ack's `data` on success; without it, the REST answer of the same operation. */
  ack?: JsonSchema;
  options?: EventOptions<any>;
}

export interface ServerEventRow {
  event: string;
  summary: string;
  payload: JsonSchema;
}

export interface NamespaceRow {
  /** Needs `auth: { token }` in the handshake. */
  auth: boolean;
  description: string;
  client: ClientEventRow[];
  server: ServerEventRow[];
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const id = (description: string): JsonSchema => ({ type: 'string', description });

const joinChannel = (s: AppSocket, o: { room_id: string }) => void s.join(roomChannel(o.room_id));

const tokenExpired: ServerEventRow = {
  event: 'token_expired',
  summary: 'The token this socket connected with expired: the server disconnects it next; refresh and reconnect',
  payload: { type: 'object', required: ['code', 'message'], properties: { code: { const: 'UNAUTHENTICATED' }, message: { type: 'string' } } },
};

/**
 * `authEvents`: the member events of /auth (src/members.module.ts), when members are enabled;
 * `roomEvents`: the safety events of /rooms (src/moderation.module.ts), when moderation is wired.
 */
export function socketEvents(
  ops: ChatOperations,
  authEvents: Record<string, Operation> = {},
  roomEvents: Record<string, Operation> = {},
): Record<NamespaceName, NamespaceRow> {
  return {
    auth: {
      auth: false,
      description: 'Log in without a token: the answers carry the tokens for the other namespaces and for REST.',
      client: [
        { event: 'anon_login', op: ops.anonLogin },
        { event: 'refresh', op: ops.anonRefresh },
        ...Object.entries(authEvents).map(([event, op]) => ({ event, op })),
      ],
      server: [],
    },
    matchmaking: {
      auth: true,
      description: 'The queue of strangers. A match is announced here, and the /rooms sockets of both users are put into the room.',
      client: [
        { event: 'join', op: ops.matchJoin },
        { event: 'status', op: ops.matchStatus },
        { event: 'leave', op: ops.matchLeave },
      ],
      server: [
        {
          event: 'matched',
          summary: 'You were matched: the room and who you talk to',
          payload: {
            type: 'object',
            required: ['room_id', 'partner'],
            properties: { room_id: id('The room to join on /rooms.'), partner: { type: 'object', required: ['uid', 'name'], properties: { uid: id('The partner.'), name: id('Their display name.') } } },
          },
        },
        tokenExpired,
      ],
    },
    rooms: {
      auth: true,
      description: 'Talking in a room. The socket is put back into its open room during the handshake; `join` with the last message_id seen catches up.',
      client: [
        { event: 'join', op: ops.joinRoom, summary: 'Join the room and catch up: messages after `after`, oldest first', options: { after: joinChannel } },
        { event: 'send', op: ops.sendMessage, options: { present: (o: SendResult) => o.message } },
        { event: 'history', op: ops.listMessages },
        { event: 'typing', op: ops.typing, summary: 'Tell the partner you are typing (or stopped)', ack: ref('RespOK') },
        { event: 'leave', op: ops.leaveRoom },
        ...Object.entries(roomEvents).map(([event, op]) => ({ event, op })),
      ],
      server: [
        { event: 'message', summary: 'A message in one of your rooms (yours too: drop duplicates by message_id)', payload: { allOf: [ref('Message'), { type: 'object', required: ['room_id'], properties: { room_id: { type: 'string' } } }] } },
        {
          event: 'typing',
          summary: 'The partner is typing, or stopped',
          payload: { type: 'object', required: ['room_id', 'uid', 'typing'], properties: { room_id: { type: 'string' }, uid: { type: 'string' }, typing: { type: 'boolean' } } },
        },
        {
          event: 'room_closed',
          summary: 'The room was closed (a member left); later sends answer CONFLICT',
          payload: { type: 'object', required: ['room_id', 'by'], properties: { room_id: { type: 'string' }, by: id('The uid of who closed it.') } },
        },
        {
          event: 'presence',
          summary: 'A room member stopped being here (no socket on any node, no REST call for 30 s), or came back',
          payload: { type: 'object', required: ['room_id', 'uid', 'online'], properties: { room_id: { type: 'string' }, uid: { type: 'string' }, online: { type: 'boolean' } } },
        },
        {
          event: 'resync',
          summary: "This node's Redis link came back: live events may have been missed; send `join {room_id, after}` for each room",
          payload: { type: 'object', required: ['room_ids'], properties: { room_ids: { type: 'array', items: { type: 'string' } } } },
        },
        tokenExpired,
      ],
    },
  };
}
