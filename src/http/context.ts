import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { Actor, Ctx } from '../core/context.js';
import type { Logger } from '../logger.js';
import { clientAddress } from './client-address.js';

declare module 'express-serve-static-core' {
  interface Request {
    ctx: Ctx;
    actor?: Actor;
  }
}

const SAFE_ID = /^[\w.:-]{1,64}$/;

/** A caller-supplied X-Request-Id is kept when it is short and plain, so traces join up. */
export function requestContext(req: Request, log: Logger, trustProxy: number): Ctx {
  const given = req.get('x-request-id');
  const requestId = given && SAFE_ID.test(given) ? given : randomUUID();
  return { requestId, ip: clientAddress(req, trustProxy), log: log.child({ reqId: requestId }) };
}
