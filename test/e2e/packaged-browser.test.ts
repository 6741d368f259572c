import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { startServer, type TestServer } from '../support/server.js';
import { buildWebClient, launchBrowser, openTab, PACKAGED_AVAILABLE } from '../support/browser.js';

/**
 * Keeps proving the bare-machine fallback even where a system Chromium exists (CI has one): this
 * file always launches the browser shipped in the `@sparticuz/chromium` npm package.
 */
describe('the npm-packaged Chromium (bare-machine fallback)', function () {
  this.timeout(60_000);

  if (PACKAGED_AVAILABLE) {
    let server: TestServer;
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser('packaged');
      await buildWebClient();
      server = await startServer();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it('runs the web client: a guest signs in and reaches the lobby with no page errors', async () => {
      const tab = await openTab(browser, server.url);
      await tab.page.goto('/');
      await tab.page.getByLabel('Your name').fill('Packaged');
      await tab.page.getByRole('button', { name: 'Start chatting' }).click();
      await tab.page.locator('#screen-lobby').waitFor({ state: 'visible' });
      expect(tab.errors).to.deep.equal([]);
      await tab.context.close();
    });
  } else {
    it(`is refused on ${process.platform}/${process.arch} with advice to set CHROMIUM_PATH`, async () => {
      const error = await launchBrowser('packaged').then(
        () => null,
        (e: Error) => e,
      );
      expect(error?.message).to.match(/x86-64 Linux.*CHROMIUM_PATH/s);
    });
  }
});
