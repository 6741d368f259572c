import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Headless Chromium for the end-to-end tests and the screenshot script: Debian's `chromium`
 * package driven by playwright-core. Nothing here downloads a browser; when the binary is missing
 * the caller fails loudly (`.ci/run` installs it with apt).
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the end-to-end tests need it. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (.ci/run does this), or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 });
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
