import { Router, type RequestHandler } from 'express';
import type { ModerationOperations } from '../operations/moderation.ops.js';
import { adapt } from './adapt.js';

/** Reports and blocks, under /api/v1 (next to the chat routes). */
export function safetyRoutes(ops: ModerationOperations, auth: RequestHandler): Router {
  const r = Router();
  r.post('/rooms/:room_id/report', auth, adapt(ops.reportRoom, { status: 201 }));
  r.post('/user/me/blocks', auth, adapt(ops.blockUser));
  r.get('/user/me/blocks', auth, adapt(ops.listBlocks));
  r.delete('/user/me/blocks/:uid', auth, adapt(ops.unblockUser));
  return r;
}

/** The moderation API, under /api/v1/admin; the operations themselves refuse anyone but staff. */
export function adminRoutes(ops: ModerationOperations, auth: RequestHandler): Router {
  const r = Router();
  r.get('/reports', auth, adapt(ops.reportQueue));
  r.get('/reports/:report_id', auth, adapt(ops.getReport));
  r.post('/reports/:report_id/resolve', auth, adapt(ops.resolveReport));
  r.post('/users/:uid/ban', auth, adapt(ops.banUser));
  r.delete('/users/:uid/ban', auth, adapt(ops.unbanUser));
  r.put('/users/:uid/role', auth, adapt(ops.setRole));
  return r;
}
