import { execFile } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createBrotliDecompress } from 'node:zlib';
import { extract } from 'tar-fs';
import { chromium, type Browser, type Page, type BrowserContext } from 'playwright-core';

/**
 * Headless Chromium for the end-to-end tests and the screenshot script, driven by playwright-core.
 * Which browser:
 *  - `CHROMIUM_PATH=/path/to/chrome`: that binary (it must exist);
 *  - `CHROMIUM_PATH=packaged`: the Chromium shipped inside the `@sparticuz/chromium` npm package;
 *  - unset: the system's `/usr/bin/chromium` when present, else the packaged one.
 * The packaged browser is an x86-64 Linux build (the npm package carries no other), so on any other
 * platform a system browser is needed: install Chromium or Chrome and set CHROMIUM_PATH. Nothing
 * here downloads anything: the packaged binary is unpacked from node_modules into the temp folder.
 */

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** True where `@sparticuz/chromium` has a binary that runs. */
export const PACKAGED_AVAILABLE = process.platform === 'linux' && process.arch === 'x64';

/** The flags matter on a closed network: no QUIC, no background fetches, no component updates. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Flags of the packaged browser's own list (made for one page per Lambda call) that we leave out:
 * two would switch off the page's security model (same-origin policy, mixed content) the tests
 * rely on, and one process for everything leaves a second browser profile's pages blank.
 */
const UNSUITED_PACKAGED_ARGS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type BrowserChoice = 'auto' | 'packaged';

/** What CHROMIUM_PATH (or `choice`) selects: a path to a binary, or the packaged browser. */
export function chosenBrowser(choice: BrowserChoice = 'auto'): { kind: 'system'; path: string } | { kind: 'packaged' } {
  const env = process.env.CHROMIUM_PATH;
  if (choice === 'packaged' || env === 'packaged') return { kind: 'packaged' };
  if (env) return { kind: 'system', path: env };
  return existsSync(SYSTEM_CHROMIUM) ? { kind: 'system', path: SYSTEM_CHROMIUM } : { kind: 'packaged' };
}

/** Launches the chosen browser; `choice: 'packaged'` forces the npm-packaged one (see above). */
export async function launchBrowser(choice: BrowserChoice = 'auto'): Promise<Browser> {
  const chosen = chosenBrowser(choice);
  if (chosen.kind === 'packaged') return launchPackaged();
  if (!existsSync(chosen.path)) {
    throw new Error(`Chromium is not at CHROMIUM_PATH=${chosen.path}: point it at a Chromium or Chrome binary, or unset it.`);
  }
  return chromium.launch({ executablePath: chosen.path, args: CHROMIUM_ARGS, timeout: 20_000 });
}

async function launchPackaged(): Promise<Browser> {
  if (!PACKAGED_AVAILABLE) {
    throw new Error(
      `The npm-packaged Chromium exists only for x86-64 Linux, not ${process.platform}/${process.arch}: ` +
        'install Chromium or Chrome and set CHROMIUM_PATH to its binary.',
    );
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  const executablePath = await packaged.executablePath();
  const libs = await unpackSharedLibraries();
  return chromium.launch({
    executablePath,
    args: [...packaged.args.filter((a) => !UNSUITED_PACKAGED_ARGS.has(a)), ...CHROMIUM_ARGS.filter((a) => a !== '--headless')],
    timeout: 30_000,
    // NSS and expat ship beside the binary; a bare machine (no Debian chromium) has neither.
    // FONTCONFIG_PATH points at the fonts the package unpacked, as it does itself on Lambda.
    env: {
      ...process.env,
      LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_PATH: path.join(tmpdir(), 'fonts'),
    },
  });
}

let libsUnpacked: Promise<string> | null = null;

/**
 * The package unpacks its bundled shared libraries only on Amazon Linux, deciding from the
 * environment; we unpack the same archive ourselves (once; a later process reuses the folder).
 */
function unpackSharedLibraries(): Promise<string> {
  libsUnpacked ??= (async () => {
    const target = path.join(tmpdir(), 'gby-chromium-libs');
    const libs = path.join(target, 'lib');
    if (existsSync(path.join(libs, 'libnss3.so'))) return libs;
    const archive = path.join(root, 'node_modules', '@sparticuz', 'chromium', 'bin', 'al2023.tar.br');
    // Unpack beside the target and rename, so a concurrent process never sees half a folder.
    const partial = `${target}.${process.pid}`;
    await pipeline(createReadStream(archive), createBrotliDecompress(), extract(partial));
    await rename(partial, target).catch(async () => rm(partial, { recursive: true, force: true }));
    return libs;
  })();
  return libsUnpacked;
}

let built: Promise<void> | null = null;

/** Bundles web/src into dist/web (what `npm run build` does for the client), once per process. */
export function buildWebClient(): Promise<void> {
  built ??= promisify(execFile)(process.execPath, [path.join(root, 'scripts', 'build-web.mjs')], { cwd: root })
    .then(() => undefined)
    .catch((e: { stdout?: string; message: string }) => {
      built = null;
      throw new Error(`building the web client failed:\n${e.stdout ?? e.message}`);
    });
  return built;
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors seen so far. */
  errors: string[];
  /** Every URL the page requested. */
  requests: string[];
}

/** A fresh browser profile (its own localStorage) with one page. */
export async function openTab(browser: Browser, baseURL: string, viewport = { width: 1100, height: 760 }, extra: Parameters<Browser['newContext']>[0] = {}): Promise<Tab> {
  const context = await browser.newContext({ baseURL, viewport, ...extra });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => requests.push(r.url()));
  return { context, page, errors, requests };
}
