#!/usr/bin/env node
// Bundles the web client (web/src/main.ts, the SDK in client/src and socket.io-client) into
// dist/web/app-<hash>.js, and the scripts of the docs pages and of /admin beside it. The browser
// gets one ES module per page, same origin, no inline script (the CSP forbids those). File names
// carry a content hash, so they are cached for good; dist/web/manifest.json maps each page's
// plain name (`app`) to its file, and the server rewrites `/js/app.js` in the pages to it.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
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

const result = await build({
  entryPoints,
  entryNames: '[dir]/[name]-[hash]',
  metafile: true,
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

const byEntry = new Map(Object.entries(entryPoints).map(([name, file]) => [path.relative(root, file).split(path.sep).join('/'), name]));
const manifest = {};
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  const name = meta.entryPoint && byEntry.get(meta.entryPoint);
  if (name) manifest[name] = path.relative(path.join(root, 'dist/web'), path.resolve(root, out)).split(path.sep).join('/');
}
writeFileSync(path.join(root, 'dist/web/manifest.json'), JSON.stringify(manifest, null, 2));
