import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError, errorBody, isAppError, toAppError } from '../core/errors.js';
import type { SessionService } from '../core/auth/sessions.service.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../infra/metrics.js';
import { requestContext } from './context.js';

/** Request id, child logger, access log line and metrics for every request. */
export function observe(log: Logger, metrics: Metrics, trustProxy = 0): RequestHandler {
  return (req, res, next) => {
    req.ctx = requestContext(req, log, trustProxy);
    res.setHeader('X-Request-Id', req.ctx.requestId);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = (req.route?.path as string | undefined) ? `${req.baseUrl}${req.route.path as string}` : 'unmatched';
      metrics.httpRequests.inc({ method: req.method, route, status: res.statusCode });
      metrics.httpDuration.observe({ method: req.method, route }, seconds);
      req.ctx.log.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(seconds * 1000) }, 'request');
    });
    next();
  };
}

/** Bodies must be JSON: a form or text body gets a clear 400 instead of being silently ignored. */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) {
    next(new AppError('INVALID_ARGUMENT', 'request body must be JSON: send Content-Type: application/json'));
    return;
  }
  next();
};

/**
 * `Authorization: Bearer <access token>`; sets req.actor or answers 401. `seen` hears every
 * authenticated caller (presence: a REST caller is here for a while).
 */
export function authenticate(sessions: SessionService, seen?: (uid: string) => void): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const m = header ? /^Bearer\s+(\S{1,4096})\s*$/i.exec(header) : null;
    if (!m) {
      next(new AppError('UNAUTHENTICATED', 'missing or malformed Authorization header: expected "Bearer <access token>"'));
      return;
    }
    try {
      req.actor = await sessions.authenticate(m[1]!, ['access']);
      seen?.(req.actor.uid);
      req.ctx.log = req.ctx.log.child({ uid: req.actor.uid });
      next();
    } catch (e) {
      next(e);
    }
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

/** body-parser's own errors, turned into the contract's codes. */
function fromBodyParser(e: { type?: string; status?: number }): AppError | null {
  switch (e.type) {
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', 'request body is larger than the 16 KiB limit');
    case 'entity.parse.failed':
      return new AppError('INVALID_ARGUMENT', 'request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('INVALID_ARGUMENT', 'request body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('INVALID_ARGUMENT', 'request body could not be read');
    default:
      return typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? new AppError('INVALID_ARGUMENT', 'malformed request') : null;
  }
}

/** The router's own error: a path parameter that is not valid percent-encoding (`%ff`) is a URIError. */
function fromRouter(e: unknown): AppError | null {
  return e instanceof URIError ? new AppError('INVALID_ARGUMENT', 'the request path is not valid percent-encoded UTF-8') : null;
}

/**
 * Token and account answers must never sit in a browser's or proxy's cache (RFC 6749 section 5.1
 * asks the same of token responses); nothing under /api is meant to be cached.
 */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (e: unknown, req, res, _next) => {
    const parsed = e && typeof e === 'object' && 'type' in e ? fromBodyParser(e as { type?: string; status?: number }) : isAppError(e) ? null : fromRouter(e);
    const { err, internal } = parsed ? { err: parsed, internal: false } : toAppError(e);
    const l = req.ctx?.log ?? log;
    if (internal) l.error({ err: e }, 'unhandled error');
    else if (err.code === 'UNAVAILABLE') l.warn({ code: err.code, cause: (err.cause as Error | undefined)?.message }, err.message);
    if (err.retryAfter !== undefined) res.setHeader('Retry-After', String(err.retryAfter));
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(err.status).json(errorBody(err));
  };
}
