import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type TestServer } from './server.js';
import { buildWebClient, launchBrowser, openTab, type BrowserChoice, type Tab } from './browser.js';

/**
 * What every end-to-end file needs: Chromium, the bundled web client and a real server, started
 * once for the `describe` that calls `webSuite()`, and browser profiles closed after each test.
 */
export interface WebSuite {
  readonly browser: Browser;
  readonly server: TestServer;
  /** A fresh browser profile (closed after the test) on `on`, by default the suite's server. */
  tab(options?: { viewport?: { width: number; height: number }; extra?: Parameters<Browser['newContext']>[0]; on?: TestServer }): Promise<Tab>;
}

/**
 * Registers the hooks in the calling `describe`; `env` configures the suite's server (a function when
 * it depends on something the suite starts first, such as a local OIDC issuer), `choice`
 * which Chromium runs (browser.ts).
 */
export function webSuite(
  env: Record<string, string> | (() => Promise<Record<string, string>>) = {},
  choice: BrowserChoice = 'auto',
): WebSuite {
  let browser: Browser | undefined;
  let server: TestServer | undefined;
  const contexts: BrowserContext[] = [];

  before(async function () {
    this.timeout(120_000); // launching Chromium and compiling the client take a while on a busy machine
    // Chromium first: when it is missing this must fail, loudly, before anything else.
    browser = await launchBrowser(choice);
    await buildWebClient();
    server = await startServer(typeof env === 'function' ? await env() : env);
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`webSuite: the ${what} is not started yet (use it inside a test or hook)`);
    return value;
  };
  return {
    get browser() {
      return ready(browser, 'browser');
    },
    get server() {
      return ready(server, 'server');
    },
    async tab({ viewport, extra = {}, on } = {}) {
      const t = await openTab(ready(browser, 'browser'), (on ?? ready(server, 'server')).url, viewport, extra);
      contexts.push(t.context);
      return t;
    },
  };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string;
  targets: string[];
}

/**
 * axe-core's violations on the page as it is now, for the given rules (default: all). axe runs
 * through the DevTools protocol, so the page's CSP stays as served.
 */
export async function axeViolations(page: Page, rules?: string[]): Promise<AxeViolation[]> {
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(AXE_SOURCE);
  const only = rules ? `runOnly: { type: 'rule', values: ${JSON.stringify(rules)} }, ` : '';
  return page.evaluate(
    `axe.run(document, { ${only}resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) })))`,
  );
}

/** Serious and critical axe findings, one readable line each (an empty list when the page is clean). */
export async function axeProblems(page: Page): Promise<string[]> {
  return (await axeViolations(page))
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}
