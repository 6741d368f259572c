import type { ChatOperations } from '../operations/chat.ops.js';
import type { MemberOperations } from '../operations/members.ops.js';
import type { ModerationOperations } from '../operations/moderation.ops.js';
import { MODERATION_SCHEMAS, moderationRouteDocs } from './api-docs.moderation.js';
import { PLATFORM_SCHEMAS, platformRouteDocs } from './api-docs.platform.js';
import type { ErrorCode } from '../core/errors.js';
import { buildOpenApi, ok, pageOf, ref, type JsonSchema, type LinkDoc, type OpenApiDocument, type RouteDoc } from './openapi.js';

/**
 * The table behind /docs/openapi.json: one row per REST route, naming the operation whose joi
 * schema validates it (so parameters and bodies are generated, never copied). A new route is a
 * new row; test/integration/openapi.test.ts fails when a mounted route has no row.
 */

const str = (description: string): JsonSchema => ({ type: 'string', description });

const USER_INFO_FIELDS = [
  'platform', 'uid', 'avatar_url', 'full_name', 'nickname', 'gender_code', 'birthdate', 'phone_number', 'is_phone_verified', 'email',
  'is_email_verified', 'address', 'user_status', 'preferred_language', 'currency', 'national', 'post_code', 'carrier', 'role',
  'update_at', 'create_at', 'Authorization',
];

/** What an answer hands to the next call: a token to send as Bearer, or the room to talk in. */
const bearer = (field: string, ...operationIds: string[]): Record<string, LinkDoc> =>
  Object.fromEntries(operationIds.map((operationId) => [operationId, {
    operationId,
    description: `Send \`${field}\` as \`Authorization: Bearer <token>\`.`,
    parameters: { 'header.Authorization': `Bearer {$response.body#/${field}}` },
  }]));
const ROOM_LINKS: Record<string, LinkDoc> = Object.fromEntries(['send_message', 'list_messages', 'join_room', 'leave_room'].map((operationId) => [operationId, {
  operationId,
  description: 'When matched: the room to talk in (the same access token).',
  parameters: { room_id: '$response.body#/room_id' },
}]));

/** Response bodies (these are outputs, which joi does not describe). */
export const RESPONSE_SCHEMAS: Record<string, JsonSchema> = {
  RespOK: {
    type: 'object',
    required: ['code', 'message'],
    properties: { code: { const: 'OK' }, message: { const: 'ok' } },
  },
  AnonLoginResp: {
    type: 'object',
    required: ['uid', 'token', 'centrifugo_token', 'refresh_token', 'expire_at'],
    properties: {
      uid: str('The user id (opaque).'),
      token: str('Access token for REST: Authorization: Bearer <token>.'),
      centrifugo_token: str('Token for the real-time (Socket.IO) handshake: auth: { token }. REST refuses it.'),
      refresh_token: str('Trade it at POST /api/v1/auth/refresh for a fresh set; it rotates.'),
      expire_at: { type: 'integer', description: 'When `token` expires, unix seconds.' },
    },
  },
  MatchState: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['waiting', 'matched', 'idle'], description: '`idle` (extension): neither queued nor in an open room.' },
      room_id: str('Present when matched.'),
    },
  },
  Message: {
    type: 'object',
    required: ['message_id', 'uid', 'content', 'timestamp', 'seq'],
    properties: {
      message_id: { type: 'string', pattern: '^\\d{16}$', description: 'Sorts in send order within a room (as a string or a number).' },
      uid: str('The sender.'),
      content: str('1 to 2000 characters.'),
      timestamp: { type: 'integer', description: 'When it was stored, unix milliseconds.' },
      seq: { type: 'integer', minimum: 1, description: 'Extension: 1, 2, 3… within the room, no holes, same order as message_id. A jump means messages were missed: catch up.' },
    },
  },
  Pager: {
    type: 'object',
    required: ['total', 'page', 'pageSize', 'totalPages'],
    properties: {
      total: { type: 'integer', description: 'Messages in the set being paged (with `before`: those older than the cursor).' },
      page: { type: 'integer' },
      pageSize: { type: 'integer' },
      totalPages: { type: 'integer' },
    },
  },
  ListMessageResp: pageOf('Message', 'Newest first; page 1 holds the newest.'),
  CatchUp: {
    type: 'object',
    required: ['room_id', 'messages', 'has_more', 'closed'],
    properties: {
      room_id: { type: 'string' },
      messages: { type: 'array', items: ref('Message'), description: 'Oldest first, up to 1000.' },
      has_more: { type: 'boolean', description: 'More follow: ask again with the last message_id.' },
      closed: { type: 'boolean', description: 'Extension: the room has closed (a missed room_closed is never lost for good).' },
    },
  },
  LoginResp: {
    type: 'object',
    required: ['uid', 'access_token', 'refresh_token', 'token_type'],
    properties: {
      uid: { type: 'string' },
      access_token: str('For REST (Bearer) and the Socket.IO handshake.'),
      refresh_token: str('Trade it at POST /api/v1/auth/sessions/refresh; it rotates.'),
      token_type: { const: 'Bearer' },
    },
  },
  RefreshTokenResp: {
    type: 'object',
    required: ['access_token', 'refresh_token', 'token_type'],
    properties: { access_token: { type: 'string' }, refresh_token: { type: 'string' }, token_type: { const: 'Bearer' } },
  },
  UserInfoResp: {
    type: 'object',
    description: 'Every field of the seed, always present; unknown values are "" and flags false.',
    required: USER_INFO_FIELDS,
    properties: {
      platform: { type: 'string', enum: ['credentials', 'google', 'line', 'apple', 'anonymous'] },
      uid: { type: 'string' },
      avatar_url: { type: 'string' },
      full_name: { type: 'string' },
      nickname: { type: 'string' },
      gender_code: { type: 'string', enum: ['secret', 'male', 'female', ''] },
      birthdate: str('YYYY-MM-DD or "".'),
      phone_number: { type: 'string' },
      is_phone_verified: { type: 'boolean' },
      email: { type: 'string' },
      is_email_verified: { type: 'boolean' },
      address: { type: 'string' },
      user_status: { type: 'string' },
      preferred_language: { type: 'string', enum: ['zh-tw', 'en-us', ''] },
      currency: { type: 'string', enum: ['TWD', 'USD', ''] },
      national: { type: 'string' },
      post_code: { type: 'string' },
      carrier: { type: 'string' },
      role: { type: 'string' },
      update_at: str('ISO-8601 UTC.'),
      create_at: str('ISO-8601 UTC.'),
      Authorization: { const: '', description: 'Kept for the seed; never holds a token.' },
    },
  },
  ...PLATFORM_SCHEMAS,
  Health: { type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string', enum: ['ok', 'unavailable'] } } } },
};

export const ERROR_MEANINGS: Readonly<Record<ErrorCode, string>> = {
  INVALID_ARGUMENT: 'validation failed, malformed JSON or wrong types; `error` lists every bad field',
  UNAUTHENTICATED: 'missing, malformed, expired, revoked or forged token; wrong credentials',
  FORBIDDEN: 'authenticated but not allowed (not a room member, wrong current password, anonymous user on a member-only action)',
  NOT_FOUND: 'unknown room or route',
  CONFLICT: 'login id already registered; room already closed',
  PAYLOAD_TOO_LARGE: 'request body over 16 KiB',
  RATE_LIMITED: 'too many requests; wait Retry-After seconds',
  INTERNAL: 'anything unexpected; never leaks a stack trace or SQL',
  UNAVAILABLE: 'a backing service (Redis, Postgres) is unreachable right now; Retry-After when known',
};


/** chat.api under /api/v1 (src/http/chat.routes.ts), plus the health routes. */
export function chatRouteDocs(ops: ChatOperations): RouteDoc[] {
  const tag = { auth: 'Anonymous login', mm: 'Matchmaking', rooms: 'Rooms and messages' };
  return [
    {
      method: 'post', path: '/api/v1/auth/anon', operation: ops.anonLogin, tag: tag.auth,
      summary: 'Log in anonymously with a display name',
      responses: [{ ...ok('AnonLoginResp'), links: bearer('token', 'match_join', 'match_status') }], errors: [400, 429],
    },
    {
      method: 'post', path: '/api/v1/auth/refresh', operation: ops.anonRefresh, tag: tag.auth,
      summary: 'Trade a refresh token (or an expired access token of a live session) for a fresh set',
      description: 'The old refresh token stops working. A retry within the grace window answers the same new set; a retired refresh token shown later revokes the session.',
      responses: [ok('AnonLoginResp')], errors: [400, 401],
    },
    {
      method: 'post', path: '/api/v1/matchmaking/join', operation: ops.matchJoin, tag: tag.mm,
      summary: 'Join the queue (idempotent): waiting, or matched with a room',
      responses: [{ ...ok('MatchState', 'Queued or matched', 201), links: ROOM_LINKS }], errors: [401, 429],
    },
    {
      method: 'get', path: '/api/v1/matchmaking/status', operation: ops.matchStatus, tag: tag.mm,
      summary: 'Where the user stands: waiting, matched (with room_id) or idle; keeps a waiting entry alive',
      responses: [{ ...ok('MatchState'), links: ROOM_LINKS }], errors: [401],
    },
    {
      method: 'post', path: '/api/v1/matchmaking/leave', operation: ops.matchLeave, tag: tag.mm, extension: true,
      summary: 'Leave the queue and close the open room, if any',
      responses: [ok('MatchState', 'Always {"status":"idle"}')], errors: [401],
    },
    {
      method: 'post', path: '/api/v1/rooms/:room_id/messages', operation: ops.sendMessage, tag: tag.rooms,
      summary: 'Send a message (idempotent per client_msg_id)',
      description: 'Delivered to the room\'s sockets too. Sending the same client_msg_id again answers the first message with 200 and stores nothing.',
      responses: [ok('Message', 'Stored and delivered', 201), ok('Message', 'A retry: the message stored the first time')],
      errors: [400, 401, 403, 404, 409, 429],
    },
    {
      method: 'get', path: '/api/v1/rooms/:room_id/messages', operation: ops.listMessages, tag: tag.rooms,
      summary: 'List messages, newest first; `before` pages from a stable cursor',
      responses: [ok('ListMessageResp')], errors: [400, 401, 403, 404, 429],
    },
    {
      method: 'get', path: '/api/v1/rooms/:room_id/messages/after', operation: ops.joinRoom, tag: tag.rooms, extension: true,
      summary: 'Messages after a cursor, oldest first (the REST twin of the socket catch-up)',
      responses: [ok('CatchUp')], errors: [400, 401, 403, 404, 429],
    },
    {
      method: 'post', path: '/api/v1/rooms/:room_id/leave', operation: ops.leaveRoom, tag: tag.rooms, extension: true,
      summary: 'Leave (close) the room for both members; the partner gets room_closed',
      responses: [ok('RespOK')], errors: [401, 403, 404],
    },
    {
      method: 'get', path: '/healthz', operation: null, tag: 'Operations',
      summary: 'The process is alive', responses: [ok('Health')], errors: [],
    },
    {
      method: 'get', path: '/readyz', operation: null, tag: 'Operations',
      summary: 'The database (and Redis) answer; 503 while shutting down or when one is down',
      responses: [ok('Health'), { status: 503, description: 'Not ready', schema: ref('Health') }], errors: [],
    },
    {
      method: 'get', path: '/metrics', operation: null, tag: 'Operations',
      summary: 'Prometheus metrics', responses: [{ status: 200, description: 'Prometheus text format', schema: { type: 'string' }, contentType: 'text/plain' }], errors: [],
    },
  ];
}

/** member.api: /api/v1/auth and /api/v1/user (src/http/members.routes.ts). */
export function memberRouteDocs(ops: MemberOperations): RouteDoc[] {
  const auth = 'Member accounts';
  const user = 'User profile';
  const signedIn = bearer('access_token', 'get_user_info', 'logout', 'match_join');
  return [
    {
      method: 'post', path: '/api/v1/auth/register', operation: ops.register, tag: auth,
      summary: 'Create a member account (credentials or a platform ID token) and log in',
      description: 'With `auth_method: platform`, `login_id` must be the e-mail address the ID token says its provider has verified (`email` with `email_verified: true`); '
        + 'any other address or a phone number is refused with 400 naming `login_id`, so nobody can take an address that is not theirs.',
      responses: [{ ...ok('LoginResp'), links: signedIn }], errors: [400, 409, 429],
    },
    {
      method: 'post', path: '/api/v1/auth/sessions', operation: ops.login, tag: auth,
      summary: 'Log in (wrong password and unknown login_id answer the same 401)',
      responses: [{ ...ok('LoginResp'), links: signedIn }], errors: [400, 401, 429],
    },
    ...platformRouteDocs(ops, signedIn),
    {
      method: 'post', path: '/api/v1/auth/sessions/refresh', operation: ops.sessionRefresh, tag: auth,
      summary: 'Trade a refresh token for a new pair (rotation; a retired token revokes the session family)',
      responses: [ok('RefreshTokenResp')], errors: [400, 401],
    },
    {
      method: 'delete', path: '/api/v1/auth/sessions', operation: ops.logout, tag: auth, extension: true,
      summary: 'Log out: revoke this session', responses: [ok('RespOK')], errors: [401],
    },
    {
      method: 'post', path: '/api/v1/auth/password-resets/request', operation: ops.requestPasswordReset, tag: auth,
      summary: 'Send a password-reset code (answers OK for unknown accounts too)',
      responses: [ok('RespOK')], errors: [400, 429],
    },
    {
      method: 'post', path: '/api/v1/auth/password-resets/verify', operation: ops.verifyPasswordReset, tag: auth,
      summary: 'Check a reset code without using it up', responses: [ok('RespOK')], errors: [400, 429],
    },
    {
      method: 'put', path: '/api/v1/auth/password-resets', operation: ops.resetPassword, tag: auth,
      summary: 'Set a new password with a reset code (revokes other sessions)', responses: [ok('RespOK')], errors: [400, 429, 503],
    },
    {
      method: 'get', path: '/api/v1/user/me', operation: ops.getMe, tag: user,
      summary: 'The profile of the caller', responses: [ok('UserInfoResp')], errors: [401, 404],
    },
    {
      method: 'put', path: '/api/v1/user/me', operation: ops.updateMe, tag: user,
      summary: 'Update the profile (only the fields present change; "" clears)', responses: [ok('UserInfoResp')], errors: [400, 401],
    },
    {
      method: 'put', path: '/api/v1/user/me/password', operation: ops.changePassword, tag: user,
      summary: 'Change the password (revokes other sessions)', responses: [ok('RespOK')], errors: [400, 401, 403, 429, 503],
    },
    {
      method: 'post', path: '/api/v1/user/me/verifications', operation: ops.requestVerification, tag: user,
      summary: 'Send an e-mail or phone verification code', responses: [ok('RespOK')], errors: [400, 401, 403, 429],
    },
    {
      method: 'put', path: '/api/v1/user/me/verifications', operation: ops.submitVerification, tag: user,
      summary: 'Submit a verification code', responses: [ok('RespOK')], errors: [400, 401, 403, 429],
    },
  ];
}

const DESCRIPTION = [
  'REST API of the GaoBinYou chat server, generated at run time from the joi schemas the server validates with.',
  'JSON in, JSON out (UTF-8); bodies over 16 KiB get 413; a body with another content type, or JSON that does not parse, gets 400 (on routes that expect no body too). 503 means a backing service is down for now: retry after Retry-After.',
  'Authenticated routes take `Authorization: Bearer <access token>`. Errors are `{code, message, error?}`.',
  'Real-time clients use Socket.IO on the same port (namespaces /auth, /matchmaking, /rooms): its events are described by the AsyncAPI document at /docs/asyncapi.json, rendered at [/docs/socketio](/docs/socketio).',
].join('\n\n');

/** The whole document for the routes this server mounts. */
export function apiDocument(chat: ChatOperations, members?: MemberOperations, version = '0.0.0', moderation?: ModerationOperations, extra: RouteDoc[] = []): OpenApiDocument {
  const routes = [...chatRouteDocs(chat), ...(members ? memberRouteDocs(members) : []), ...(moderation ? moderationRouteDocs(moderation) : []), ...extra];
  return buildOpenApi({ title: 'GaoBinYou chat API', version, description: DESCRIPTION, errorMeanings: ERROR_MEANINGS }, routes, { ...RESPONSE_SCHEMAS, ...MODERATION_SCHEMAS });
}
