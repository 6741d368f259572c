import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../support/server.js';
import { buildWebClient, launchBrowser, openTab, type Tab } from '../support/browser.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation { id: string; nodes: number; targets: string[] }

/** axe-core in the page (through the DevTools protocol, so the page's CSP stays as served). */
async function axe(page: Page, rules: string[]): Promise<Violation[]> {
  await page.evaluate(AXE);
  return page.evaluate(
    `axe.run(document, { runOnly: { type: 'rule', values: ${JSON.stringify(rules)} } }).then((r) => r.violations.map((v) => ({ id: v.id, nodes: v.nodes.length, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`,
  );
}

/**
 * The docs pages in headless Chromium: rendered by their libraries from the generated documents,
 * nothing loaded from elsewhere, no error, and axe finds no contrast failure and no scroll area a
 * keyboard cannot reach.
 */
describe('API docs pages in headless Chromium', function () {
  this.timeout(120_000);
  let server: TestServer;
  let browser: Browser;
  const tabs: Tab[] = [];

  before(async () => {
    browser = await launchBrowser();
    await buildWebClient();
    server = await startServer();
  });
  after(async () => {
    for (const t of tabs) await t.context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  const open = async (path: string) => {
    const t = await openTab(browser, server.url, { width: 1280, height: 900 });
    tabs.push(t);
    t.page.setDefaultTimeout(60_000);
    await t.page.goto(path);
    return t;
  };
  const rules = ['color-contrast', 'scrollable-region-focusable'];

  it('/docs: Scalar renders the REST reference from /docs/openapi.json, accessibly', async () => {
    const t = await open('/docs');
    await t.page.getByRole('heading', { name: 'GaoBinYou chat API' }).waitFor();
    await t.page.getByText('Log in anonymously with a display name').filter({ visible: true }).first().waitFor();
    expect(t.requests.some((u) => u.endsWith('/docs/openapi.json'))).to.equal(true);
    expect(await axe(t.page, rules)).to.deep.equal([]);
    expect(t.requests.filter((u) => !u.startsWith(server.url))).to.deep.equal([]);
    expect(t.errors).to.deep.equal([]);
  });

  it('/docs/socketio: the AsyncAPI component renders every namespace from /docs/asyncapi.json, accessibly', async () => {
    const t = await open('/docs/socketio');
    await t.page.getByText('GaoBinYou chat real-time API (Socket.IO)').filter({ visible: true }).first().waitFor();
    for (const ns of ['/auth', '/matchmaking', '/rooms']) expect(await t.page.getByText(ns, { exact: true }).count(), ns).to.be.greaterThan(0);
    expect(await t.page.getByText('rooms.send', { exact: true }).count()).to.be.greaterThan(0);
    expect(await axe(t.page, rules)).to.deep.equal([]);
    expect(t.requests.filter((u) => !u.startsWith(server.url))).to.deep.equal([]);
    expect(t.errors).to.deep.equal([]);
  });
});
