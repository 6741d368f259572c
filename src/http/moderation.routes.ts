import type { Router, RequestHandler } from 'express';
import type { ModerationOperations } from '../operations/moderation.ops.js';
import { operationRouter } from './adapt.js';

/** Reports and blocks, under /api/v1 (next to the chat routes). */
export function safetyRoutes(ops: ModerationOperations, auth: RequestHandler): Router {
  const r = operationRouter(auth);
  r.post('/rooms/:room_id/report', ops.reportRoom, { status: 201 });
  r.post('/user/me/blocks', ops.blockUser);
  r.get('/user/me/blocks', ops.listBlocks);
  r.delete('/user/me/blocks/:uid', ops.unblockUser);
  return r.router;
}

/** The moderation API, under /api/v1/admin; the operations themselves refuse anyone but staff. */
export function adminRoutes(ops: ModerationOperations, auth: RequestHandler): Router {
  const r = operationRouter(auth);
  r.get('/reports', ops.reportQueue);
  r.get('/reports/:report_id', ops.getReport);
  r.post('/reports/:report_id/resolve', ops.resolveReport);
  r.post('/users/:uid/ban', ops.banUser);
  r.delete('/users/:uid/ban', ops.unbanUser);
  r.put('/users/:uid/role', ops.setRole);
  return r.router;
}
