import { expect } from 'chai';
import { axeViolations, webSuite } from '../support/web-suite.js';

/**
 * The docs pages in headless Chromium: rendered by their libraries from the generated documents,
 * nothing loaded from elsewhere, no error, and axe finds no contrast failure and no scroll area a
 * keyboard cannot reach.
 */
describe('API docs pages in headless Chromium', function () {
  this.timeout(120_000);
  const suite = webSuite();

  const open = async (path: string) => {
    const t = await suite.tab({ viewport: { width: 1280, height: 900 } });
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
    expect(await axeViolations(t.page, rules)).to.deep.equal([]);
    expect(t.requests.filter((u) => !u.startsWith(suite.server.url))).to.deep.equal([]);
    expect(t.errors).to.deep.equal([]);
  });

  it('/docs/socketio: the AsyncAPI component renders every namespace from /docs/asyncapi.json, accessibly', async () => {
    const t = await open('/docs/socketio');
    await t.page.getByText('GaoBinYou chat real-time API (Socket.IO)').filter({ visible: true }).first().waitFor();
    for (const ns of ['/auth', '/matchmaking', '/rooms']) expect(await t.page.getByText(ns, { exact: true }).count(), ns).to.be.greaterThan(0);
    expect(await t.page.getByText('rooms.send', { exact: true }).count()).to.be.greaterThan(0);
    expect(await axeViolations(t.page, rules)).to.deep.equal([]);
    expect(t.requests.filter((u) => !u.startsWith(suite.server.url))).to.deep.equal([]);
    expect(t.errors).to.deep.equal([]);
  });
});
