import { Router, type RequestHandler } from 'express';
import type { MemberOperations } from '../operations/members.ops.js';
import { adapt } from './adapt.js';

/** member.api's public group, under /api/v1/auth (plus logout, an extension). */
export function memberAuthRoutes(ops: MemberOperations, auth: RequestHandler): Router {
  const r = Router();
  r.post('/register', adapt(ops.register));
  r.post('/sessions', adapt(ops.login));
  r.post('/platform/sessions', adapt(ops.platformSignIn));
  r.post('/sessions/refresh', adapt(ops.sessionRefresh));
  r.delete('/sessions', auth, adapt(ops.logout));
  r.post('/password-resets/request', adapt(ops.requestPasswordReset));
  r.post('/password-resets/verify', adapt(ops.verifyPasswordReset));
  r.put('/password-resets', adapt(ops.resetPassword));
  return r;
}

/** member.api's authenticated group, under /api/v1/user. */
export function userRoutes(ops: MemberOperations, auth: RequestHandler): Router {
  const r = Router();
  r.get('/me', auth, adapt(ops.getMe));
  r.put('/me', auth, adapt(ops.updateMe));
  r.put('/me/password', auth, adapt(ops.changePassword));
  r.post('/me/verifications', auth, adapt(ops.requestVerification));
  r.put('/me/verifications', auth, adapt(ops.submitVerification));
  return r;
}
