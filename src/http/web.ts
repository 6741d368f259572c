import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type NextFunction, type Response } from 'express';
import { AppError } from '../core/errors.js';

/**
 * The web client and the API docs, served by the API server itself:
 *   /                         public/index.html (+ styles.css, icons)
 *   /js/*.js                  the client, compiled from web/src by `npm run build` (dist/web)
 *   /vendor/socket.io.min.js  socket.io-client's browser bundle, straight from node_modules
 *   /docs                     public/docs.html, which renders /docs/openapi.json and /docs/asyncapi.json
 * Nothing is loaded from another origin; the pages carry a strict Content-Security-Policy.
 */

/** The directory holding package.json, from src/http (tsx) or dist/src/http (built). */
export function projectRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function pageHeaders(res: Response, file: string): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Small, unversioned files: always revalidate (Last-Modified makes that a cheap 304).
  res.setHeader('Cache-Control', 'no-cache');
  if (file.endsWith('.html')) {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('X-Frame-Options', 'DENY');
  }
}

function socketIoBundle(root: string): string {
  try {
    const pkg = createRequire(path.join(root, 'package.json')).resolve('socket.io-client/package.json');
    return path.join(path.dirname(pkg), 'dist', 'socket.io.min.js');
  } catch {
    return path.join(root, 'node_modules', 'socket.io-client', 'dist', 'socket.io.min.js');
  }
}

/** A file, or the usual JSON 404 when it is missing (e.g. the client was not built). */
function sendPage(res: Response, next: NextFunction, file: string): void {
  pageHeaders(res, file);
  res.sendFile(file, (err) => {
    if (err && !res.headersSent) next(new AppError('NOT_FOUND', `${path.basename(file)} is missing: run npm run build`));
  });
}

export interface WebOptions {
  /** Builds the OpenAPI document (once, on first request). */
  openapi: (version: string) => unknown;
  /** Builds the AsyncAPI document of the Socket.IO door (once, on first request). */
  asyncapi?: (version: string) => unknown;
  root?: string;
}

export function webRoutes(opts: WebOptions): Router {
  const root = opts.root ?? projectRoot();
  const publicDir = path.join(root, 'public');
  const clientDir = path.join(root, 'dist', 'web');
  const vendor = socketIoBundle(root);
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // keep the default
  }
  let spec: string | null = null;
  let asyncSpec: string | null = null;
  const staticOpts = { index: false as const, fallthrough: true, redirect: false, setHeaders: pageHeaders };

  const r = Router();
  r.get('/docs/openapi.json', (_req, res) => {
    spec ??= JSON.stringify(opts.openapi(version));
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/json').send(spec);
  });
  if (opts.asyncapi) {
    const build = opts.asyncapi;
    r.get('/docs/asyncapi.json', (_req, res) => {
      asyncSpec ??= JSON.stringify(build(version));
      res.setHeader('Cache-Control', 'no-cache');
      res.type('application/json').send(asyncSpec);
    });
  }
  r.get(['/', '/index.html'], (_req, res, next) => sendPage(res, next, path.join(publicDir, 'index.html')));
  r.get(['/docs', '/docs/'], (_req, res, next) => sendPage(res, next, path.join(publicDir, 'docs.html')));
  r.get('/vendor/socket.io.min.js', (_req, res, next) => sendPage(res, next, vendor));
  r.use('/js', express.static(clientDir, staticOpts));
  r.use(express.static(publicDir, staticOpts));
  return r;
}
