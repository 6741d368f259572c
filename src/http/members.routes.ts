import type { Router, RequestHandler } from 'express';
import type { MemberOperations } from '../operations/members.ops.js';
import { operationRouter } from './adapt.js';

/** member.api's public group, under /api/v1/auth (plus logout, an extension). */
export function memberAuthRoutes(ops: MemberOperations, auth: RequestHandler): Router {
  const r = operationRouter(auth);
  r.post('/register', ops.register);
  r.post('/sessions', ops.login);
  r.post('/platform/sessions', ops.platformSignIn);
  r.post('/sessions/refresh', ops.sessionRefresh);
  r.delete('/sessions', ops.logout);
  r.post('/password-resets/request', ops.requestPasswordReset);
  r.post('/password-resets/verify', ops.verifyPasswordReset);
  r.put('/password-resets', ops.resetPassword);
  return r.router;
}

/** member.api's authenticated group, under /api/v1/user. */
export function userRoutes(ops: MemberOperations, auth: RequestHandler): Router {
  const r = operationRouter(auth);
  r.get('/me', ops.getMe);
  r.put('/me', ops.updateMe);
  r.put('/me/password', ops.changePassword);
  r.post('/me/verifications', ops.requestVerification);
  r.put('/me/verifications', ops.submitVerification);
  return r.router;
}
