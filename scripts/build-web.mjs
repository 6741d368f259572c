#!/usr/bin/env node
// Bundles the web client (web/src/main.ts, the SDK in client/src and socket.io-client) into
// dist/web/app.js, and the scripts of the docs pages and of /admin beside it. The browser
// gets one ES module per page, same origin, no inline script (the CSP forbids those).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Output name -> entry: /js/<name>.js for each page (the chat, the two docs pages, /admin).
const entryPoints = {
  app: path.join(root, 'web/src/main.ts'),
  'docs-rest': path.join(root, 'web/src/docs-rest.ts'),
  'docs-socketio': path.join(root, 'web/src/docs-socketio.ts'),
  'admin/main': path.join(root, 'web/src/admin/main.ts'),
};

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
