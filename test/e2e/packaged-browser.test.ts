import { expect } from 'chai';
import { launchBrowser, PACKAGED_AVAILABLE } from '../support/browser.js';
import { webSuite } from '../support/web-suite.js';

/**
 * Keeps proving the bare-machine fallback even where a system Chromium exists (CI has one): this
 * file always launches the browser shipped in the `@sparticuz/chromium` npm package.
 */
describe('the npm-packaged Chromium (bare-machine fallback)', function () {
  this.timeout(60_000);

  if (PACKAGED_AVAILABLE) {
    const suite = webSuite({}, 'packaged');

    it('runs the web client: a guest signs in and reaches the lobby with no page errors', async () => {
      const tab = await suite.tab();
      await tab.page.goto('/');
      await tab.page.getByLabel('Your name').fill('Packaged');
      await tab.page.getByRole('button', { name: 'Start chatting' }).click();
      await tab.page.locator('#screen-lobby').waitFor({ state: 'visible' });
      expect(tab.errors).to.deep.equal([]);
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
