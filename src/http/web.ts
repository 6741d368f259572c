import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import compression from 'compression';
import express, { Router, type NextFunction, type Response } from 'express';
import { AppError } from '../core/errors.js';

/**
 * The web client and the API docs, served by the API server itself:
 *   /                         public/index.html (+ styles.css, icons)
 *   /js/<name>-<hash>.js      each page's script, bundled from web/src by `npm run build` (dist/web);
 *                             the pages name `/js/<name>.js` and are rewritten to the hashed file
 *   /vendor/socket.io.min.js  socket.io-client's browser bundle, straight from node_modules
 *   /vendor/<name>[@version]/ the docs renderers' browser bundles (VENDOR below), from node_modules
 *   /docs                     public/docs.html: /docs/openapi.json rendered by Scalar
 *   /docs/socketio            public/docs-socketio.html: /docs/asyncapi.json rendered by AsyncAPI's component
 *   /admin                    public/admin.html, the moderators' page (its data needs a staff role)
 * Nothing is loaded from another origin; the pages carry a strict Content-Security-Policy.
 * Everything is compressed (brotli or gzip, as the client accepts); versioned or content-hashed
 * files are cached for a year as immutable, the rest (HTML first) is revalidated on every use.
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

/**
 * The docs renderers (Scalar, AsyncAPI's React component) set styles at run time; scripts stay
 * same-origin only. The AsyncAPI bundle also compiles JSON Schemas into functions (ajv) as it
 * loads, so its page alone allows eval; it shows public documents only, holds no token and
 * talks to no API but its own JSON.
 */
export const DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
export const ASYNCAPI_CONTENT_SECURITY_POLICY = DOCS_CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'");
const PAGE_POLICIES: Record<string, string> = { 'docs.html': DOCS_CONTENT_SECURITY_POLICY, 'docs-socketio.html': ASYNCAPI_CONTENT_SECURITY_POLICY };

/**
 * A URL whose content never changes: a versioned folder (`/vendor/scalar@1.46.4/…`) or a file name
 * with a content hash (`app.3f9a2c1b.js`, esbuild's `app-5XQ2KJ7M.js`).
 */
export const IMMUTABLE_URL = /\/[^/]+@\d+\.\d+\.\d+[^/]*\/|[.-][A-Za-z0-9]{8,}\.(?:js|mjs|css|map|svg|png|woff2?)$/;

export const IMMUTABLE = 'public, max-age=31536000, immutable';

function pageHeaders(res: Response, file: string): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Unversioned files (HTML above all): always revalidate; Last-Modified/ETag make that a cheap 304.
  res.setHeader('Cache-Control', IMMUTABLE_URL.test(res.req.path) ? IMMUTABLE : 'no-cache');
  if (file.endsWith('.html')) {
    res.setHeader('Content-Security-Policy', PAGE_POLICIES[path.basename(file)] ?? CONTENT_SECURITY_POLICY);
    res.setHeader('X-Frame-Options', 'DENY');
  }
}

/** Browser bundles served from node_modules under /vendor/<name>/ (and /vendor/<name>@<version>/). */
const VENDOR: Record<string, { pkg: string; files: string[] }> = {
  scalar: { pkg: '@scalar/api-reference', files: ['dist/browser/standalone.js'] },
  asyncapi: { pkg: '@asyncapi/react-component', files: ['browser/standalone/index.js', 'styles/default.min.css'] },
};

/** The folder and version of an installed package (its package.json may not be exported). */
function packageDir(root: string, pkg: string): { dir: string; version: string } {
  const dir = path.join(root, 'node_modules', ...pkg.split('/'));
  const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  return { dir, version };
}

/**
 * The vendor files by URL, and the page rewrite that points `/vendor/<name>/` at the versioned
 * folder, so a page always names a URL that can be cached for good.
 */
function vendorFiles(root: string): { files: Map<string, string>; versioned: (html: string) => string } {
  const files = new Map<string, string>();
  const versions: Record<string, string> = {};
  for (const [name, v] of Object.entries(VENDOR)) {
    const { dir, version } = packageDir(root, v.pkg);
    versions[name] = version;
    for (const f of v.files) {
      files.set(`/vendor/${name}/${path.basename(f)}`, path.join(dir, f));
      files.set(`/vendor/${name}@${version}/${path.basename(f)}`, path.join(dir, f));
    }
  }
  const versioned = (html: string) => html.replace(/\/vendor\/([a-z.-]+)\//g, (m, name: string) => (versions[name] ? `/vendor/${name}@${versions[name]}/` : m));
  return { files, versioned };
}

function socketIoBundle(root: string): string {
  try {
    const pkg = createRequire(path.join(root, 'package.json')).resolve('socket.io-client/package.json');
    return path.join(path.dirname(pkg), 'dist', 'socket.io.min.js');
  } catch {
    return path.join(root, 'node_modules', 'socket.io-client', 'dist', 'socket.io.min.js');
  }
}

/**
 * The page rewrite that points `/js/<name>.js` at the content-hashed bundle the build wrote
 * (dist/web/manifest.json). Read again until a build is there, then kept.
 */
function clientBundles(clientDir: string): { built(): boolean; rewrite(html: string): string } {
  let manifest: Record<string, string> | null = null;
  const load = (): Record<string, string> | null => {
    try {
      manifest ??= JSON.parse(readFileSync(path.join(clientDir, 'manifest.json'), 'utf8')) as Record<string, string>;
    } catch {
      // not built: the script's URL answers the usual 404 that says to build
    }
    return manifest;
  };
  return {
    built: () => load() !== null,
    rewrite: (html) => {
      const m = load();
      return m ? html.replace(/\/js\/([\w/-]+)\.js"/g, (whole, name: string) => (m[name] ? `/js/${m[name]}"` : whole)) : html;
    },
  };
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

  const vendorBundles = vendorFiles(root);
  const hashed = clientBundles(clientDir);
  const r = Router();
  // Brotli or gzip, per Accept-Encoding; small answers (under 1 KiB) are sent as they are.
  r.use(compression());
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
  // Every page names its scripts by plain name; the rewrites point them at versioned and hashed files.
  // A page is read, rewritten and hashed once, as soon as the client's build is there to point at.
  const pages = new Map<string, { html: string; etag: string }>();
  const page = (file: string) => (_req: express.Request, res: Response, next: NextFunction) => {
    let p = pages.get(file);
    if (!p) {
      let html: string;
      try {
        html = hashed.rewrite(vendorBundles.versioned(readFileSync(path.join(publicDir, file), 'utf8')));
      } catch {
        next(new AppError('NOT_FOUND', `${file} is missing`));
        return;
      }
      p = { html, etag: `"${createHash('sha1').update(html).digest('base64url')}"` };
      if (hashed.built()) pages.set(file, p);
    }
    pageHeaders(res, file);
    // The API's Express app makes no ETags; a page gets its own, so a revisit is a cheap 304.
    res.setHeader('ETag', p.etag);
    res.type('html').send(p.html);
  };
  r.get(['/', '/index.html'], page('index.html'));
  r.get(['/docs', '/docs/'], page('docs.html'));
  r.get('/docs/socketio', page('docs-socketio.html'));
  r.get(['/admin', '/admin/'], page('admin.html'));
  r.get('/vendor/socket.io.min.js', (_req, res, next) => sendPage(res, next, vendor));
  r.get('/vendor/:dir/:file', (req, res, next) => {
    const file = vendorBundles.files.get(req.path);
    if (!file) {
      next();
      return;
    }
    sendPage(res, next, file);
  });
  r.use('/js', express.static(clientDir, staticOpts));
  r.use(express.static(publicDir, staticOpts));
  return r;
}
