import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Operation } from '../core/operation.js';
import { validate } from '../schemas/common.js';

export interface RouteOptions<O> {
  /** HTTP status of a success (default 200). */
  status?: number | ((out: O) => number);
  /** The response body (default: the operation's output). */
  present?: (out: O) => unknown;
}

/** What a REST call hands to an operation: the body (or query for GET), with path params on top. */
const gather = (req: Request): unknown => {
  const source: unknown = req.method === 'GET' || req.method === 'DELETE' ? req.query : req.body;
  if (source === undefined) return { ...req.params };
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return source; // validate() explains
  return { ...(source as Record<string, unknown>), ...req.params };
};

/**
 * The REST door for one operation: validate, call, answer. Authentication happened in
 * middleware (req.actor); errors go to the error middleware. No business logic here.
 */
export function adapt<I, O>(op: Operation<I, O>, opts: RouteOptions<O> = {}): RequestHandler {
  return async (req: Request, res: Response) => {
    const input = op.schema ? validate(op.schema, gather(req)) : (undefined as I);
    const out = op.auth ? await op.run(req.ctx, req.actor!, input) : await op.run(req.ctx, null, input);
    const status = typeof opts.status === 'function' ? opts.status(out) : (opts.status ?? 200);
    res.status(status).json(opts.present ? opts.present(out) : out);
  };
}

type Method = 'get' | 'post' | 'put' | 'delete';

/**
 * A router of operations: each route puts `auth` in front of an operation that needs an actor
 * (`op.auth`), and only then, so no route can forget it or add it where it does not belong.
 */
export function operationRouter(auth: RequestHandler) {
  const router = Router();
  const mount =
    (method: Method) =>
    <I, O>(path: string, op: Operation<I, O>, opts?: RouteOptions<O>): void => {
      router[method](path, ...(op.auth ? [auth] : []), adapt(op, opts));
    };
  return { router, get: mount('get'), post: mount('post'), put: mount('put'), delete: mount('delete') };
}
