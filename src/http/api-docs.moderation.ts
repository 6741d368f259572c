import type { ModerationOperations } from '../operations/moderation.ops.js';
import { ok, pageOf, ref, type JsonSchema, type RouteDoc } from './openapi.js';

/** OpenAPI rows and response schemas of the safety and moderation routes (src/http/moderation.routes.ts). */

const time = (description: string): JsonSchema => ({ type: ['string', 'null'], format: 'date-time', description });

export const MODERATION_SCHEMAS: Record<string, JsonSchema> = {
  ReportCreated: { type: 'object', required: ['report_id'], properties: { report_id: { type: 'string' } } },
  BlockList: {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'array',
        description: 'Newest first.',
        items: {
          type: 'object',
          required: ['uid', 'name', 'created_at'],
          properties: { uid: { type: 'string' }, name: { type: 'string' }, created_at: { type: 'string', format: 'date-time' } },
        },
      },
    },
  },
  Report: {
    type: 'object',
    required: ['report_id', 'room_id', 'reporter_uid', 'reported_uid', 'reason', 'note', 'status', 'action', 'resolution_note', 'created_at', 'resolved_at', 'resolved_by'],
    properties: {
      report_id: { type: 'string' },
      room_id: { type: 'string' },
      reporter_uid: { type: 'string' },
      reported_uid: { type: 'string' },
      reason: { type: 'string', enum: ['spam', 'harassment', 'sexual', 'hate', 'violence', 'minor_safety', 'other'] },
      note: { type: 'string' },
      status: { type: 'string', enum: ['open', 'resolved'] },
      action: { type: ['string', 'null'], enum: ['dismiss', 'ban', null] },
      resolution_note: { type: ['string', 'null'], description: 'Extension: the note given when resolving.' },
      created_at: { type: 'string', format: 'date-time' },
      resolved_at: time('When it was resolved.'),
      resolved_by: { type: ['string', 'null'], description: 'The moderator who resolved it.' },
      evidence: { type: 'array', items: ref('Message'), description: 'Only on GET /admin/reports/{report_id}: the room\'s last 50 messages when it was reported, oldest first.' },
    },
  },
  ReportPage: pageOf('Report', 'Oldest first (without evidence).'),
  BanState: {
    type: 'object',
    required: ['uid', 'user_status', 'banned_until'],
    properties: {
      uid: { type: 'string' },
      user_status: { type: 'string', enum: ['active', 'banned'] },
      banned_until: time('When the ban ends; null while banned means permanent.'),
    },
  },
  RoleState: {
    type: 'object',
    required: ['uid', 'role'],
    properties: { uid: { type: 'string' }, role: { type: 'string', enum: ['user', 'moderator', 'admin'] } },
  },
};

export function moderationRouteDocs(ops: ModerationOperations): RouteDoc[] {
  const safety = 'Safety';
  const admin = 'Moderation (moderators and admins)';
  return [
    {
      method: 'post', path: '/api/v1/rooms/:room_id/report', operation: ops.reportRoom, tag: safety, extension: true,
      summary: 'Report the room: keeps its last 50 messages as evidence, blocks the partner, closes the room',
      responses: [ok('ReportCreated', 'Reported', 201)], errors: [400, 401, 403, 404, 409, 429],
    },
    {
      method: 'post', path: '/api/v1/user/me/blocks', operation: ops.blockUser, tag: safety, extension: true,
      summary: 'Block a user: never matched again; closes your open room with them (blocking again is harmless)',
      responses: [ok('RespOK')], errors: [400, 401, 404, 429],
    },
    {
      method: 'get', path: '/api/v1/user/me/blocks', operation: ops.listBlocks, tag: safety, extension: true,
      summary: 'The users you blocked, newest first', responses: [ok('BlockList')], errors: [401],
    },
    {
      method: 'delete', path: '/api/v1/user/me/blocks/:uid', operation: ops.unblockUser, tag: safety, extension: true,
      summary: 'Unblock a user (OK also when there was no block)', responses: [ok('RespOK')], errors: [401],
    },
    {
      method: 'get', path: '/api/v1/admin/reports', operation: ops.reportQueue, tag: admin, extension: true,
      summary: 'The report queue, oldest first', responses: [ok('ReportPage')], errors: [400, 401, 403],
    },
    {
      method: 'get', path: '/api/v1/admin/reports/:report_id', operation: ops.getReport, tag: admin, extension: true,
      summary: 'One report with its evidence', responses: [ok('Report')], errors: [401, 403, 404],
    },
    {
      method: 'post', path: '/api/v1/admin/reports/:report_id/resolve', operation: ops.resolveReport, tag: admin, extension: true,
      summary: 'Resolve a report: dismiss, or ban the reported user', responses: [ok('Report')], errors: [400, 401, 403, 404, 409],
    },
    {
      method: 'post', path: '/api/v1/admin/users/:uid/ban', operation: ops.banUser, tag: admin, extension: true,
      summary: 'Ban a user at once on every node (sessions revoked, sockets dropped, room closed, queue left)',
      responses: [ok('BanState')], errors: [400, 401, 403, 404],
    },
    {
      method: 'delete', path: '/api/v1/admin/users/:uid/ban', operation: ops.unbanUser, tag: admin, extension: true,
      summary: 'Lift a ban', responses: [ok('BanState')], errors: [401, 403, 404],
    },
    {
      method: 'put', path: '/api/v1/admin/users/:uid/role', operation: ops.setRole, tag: admin, extension: true,
      summary: 'Change a user\'s role (admins only)', responses: [ok('RoleState')], errors: [400, 401, 403, 404],
    },
  ];
}
