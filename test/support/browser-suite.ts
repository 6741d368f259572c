import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import type { TestServer } from './server.js';
import { buildWebClient, launchBrowser, openTab, type Tab } from './browser.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe findings on the page as it is now (axe runs through the devtools protocol, so the CSP stays on). */
export async function axeProblems(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe'))?.toString().includes('object')) await page.evaluate(axeSource);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as { violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> };
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export interface BrowserSuite {
  browser: Browser;
  server: TestServer;
  /** A fresh browser profile on the server, closed after the test. */
  tab(extra?: Parameters<Browser['newContext']>[0]): Promise<Tab>;
}

/**
 * The hooks of an end-to-end suite (call inside `describe`): Chromium first (so a missing browser
 * fails loudly before anything else), the web client built, a server from `start`; every tab a
 * test opens is closed after it.
 */
export function browserSuite(start: () => Promise<TestServer>): BrowserSuite {
  const tabs: Tab[] = [];
  const suite = {
    tab: async (extra: Parameters<Browser['newContext']>[0] = {}) => {
      const t = await openTab(suite.browser, suite.server.url, undefined, extra);
      tabs.push(t);
      return t;
    },
  } as BrowserSuite;
  before(async () => {
    suite.browser = await launchBrowser();
    await buildWebClient();
    suite.server = await start();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.server?.close();
  });
  afterEach(async () => {
    for (const t of tabs.splice(0)) await t.context.close().catch(() => undefined);
  });
  return suite;
}
