import { Router } from 'express';
import type { ConfigOperations } from '../operations/config.ops.js';
import { ok, type RouteDoc } from './openapi.js';
import { adapt } from './adapt.js';

/** GET /api/v1/config: what the server offers (e.g. which platform sign-ins), for clients to adapt to. */
export function configRoutes(ops: ConfigOperations): Router {
  const r = Router();
  r.get('/config', adapt(ops.publicConfig));
  return r;
}

export function configRouteDocs(ops: ConfigOperations): RouteDoc[] {
  return [
    {
      method: 'get', path: '/api/v1/config', operation: ops.publicConfig, tag: 'Server', extension: true,
      summary: 'Which optional features this server has: the platform sign-ins it can verify',
      responses: [ok('PublicConfig')], errors: [],
    },
  ];
}
