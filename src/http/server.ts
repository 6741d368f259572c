import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../logger.js';
import type { Metrics } from '../infra/metrics.js';
import { errorHandler, noStore, notFound, observe, requireJson } from './middleware.js';

export const BODY_LIMIT = '16kb';

/** The Express app: shared middleware, the routers it is given, then 404 and the error mapper. */
export function createHttpApp(opts: {
  log: Logger;
  metrics: Metrics;
  trustProxy: number;
  routers: ReadonlyArray<{ prefix: string; router: Router | RequestHandler }>;
  /** Routers that parse their own (non-JSON) bodies, mounted before the JSON-only rule: the providers' form POST. */
  formRouters?: ReadonlyArray<{ prefix: string; router: Router | RequestHandler }>;
}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', opts.trustProxy);
  app.set('etag', false);
  app.use(observe(opts.log, opts.metrics, opts.trustProxy));
  for (const { prefix, router } of opts.formRouters ?? []) app.use(prefix, router);
  app.use(requireJson);
  app.use('/api', noStore);
  app.use(express.json({ limit: BODY_LIMIT, strict: true }));
  for (const { prefix, router } of opts.routers) app.use(prefix, router);
  app.use(notFound);
  app.use(errorHandler(opts.log));
  return app;
}
