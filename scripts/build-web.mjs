#!/usr/bin/env node
// Bundles the web client (web/src/main.ts, the SDK in client/src and socket.io-client) into
// dist/web/app.js, and the docs page's script into dist/web/docs.js when it exists. The browser
// gets one ES module per page, same origin, no inline script (the CSP forbids those).
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entryPoints = { app: path.join(root, 'web/src/main.ts') };
if (existsSync(path.join(root, 'web/src/docs.ts'))) entryPoints.docs = path.join(root, 'web/src/docs.ts');

// Start clean: files of an older build (or of the pre-bundler client) must not linger.
rmSync(path.join(root, 'dist/web'), { recursive: true, force: true });

await build({
  entryPoints,
  outdir: path.join(root, 'dist/web'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
