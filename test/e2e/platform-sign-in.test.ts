import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { Tab } from '../support/browser.js';
import { axeProblems, webSuite } from '../support/web-suite.js';
import { issuerEnv, startOidcIssuer, type OidcIssuer } from '../support/oidc-issuer.js';

/**
 * The platform sign-in buttons in a real browser: each goes to the local issuer's /authorize (which
 * consents at once), comes back through /auth/callback, and ends signed in; a mismatched state
 * ends with an error and no session.
 */
describe('web client: platform sign-in by redirect (Chromium, local issuer)', function () {
  this.timeout(90_000);
  let idp: OidcIssuer;
  const suite = webSuite(async () => {
    idp = await startOidcIssuer();
    return issuerEnv(idp);
  });
  after(async () => idp?.close());

  async function signInScreen(locale: string): Promise<Tab> {
    const t = await suite.tab({ extra: { locale } });
    await t.page.goto('/');
    await t.page.locator('#tab-member').click();
    await t.page.locator('#platform-buttons button').first().waitFor({ state: 'visible' });
    return t;
  }
  /** The name in the top bar once in the lobby (the e-mail, for a member without a nickname). */
  const signedInAs = async (page: Page) => {
    await page.locator('#screen-lobby').waitFor({ state: 'visible' });
    await page.waitForFunction(`(document.getElementById('whoami-name')?.textContent ?? '') !== ''`);
    return page.locator('#whoami-name').textContent();
  };
  const sessionUid = (page: Page) => page.evaluate(`JSON.parse(localStorage.getItem('gby.session.v2') ?? '{}').session?.uid`) as Promise<string | undefined>;

  it('shows one 44 px button per configured provider, in English and Chinese, with no axe findings', async () => {
    for (const [locale, label] of [['en', 'Continue with Google'], ['zh-TW', '使用 Google 繼續']] as const) {
      const t = await signInScreen(locale);
      expect(await t.page.locator('#platform-buttons button').allTextContents()).to.deep.equal(
        ['Google', 'Apple', 'LINE'].map((p) => label.replace('Google', p)),
      );
      for (const box of await t.page.locator('#platform-buttons button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().height))) {
        expect(box).to.be.at.least(44);
      }
      expect(await axeProblems(t.page), locale).to.deep.equal([]);
      expect(t.errors).to.deep.equal([]);
    }
  });

  // Apple's journey runs in Chinese, the others in English.
  for (const [provider, label, locale, button] of [['google', 'Google', 'en', 'Continue with Google'], ['apple', 'Apple', 'zh-TW', '使用 Apple 繼續'], ['line', 'LINE', 'en', 'Continue with LINE']] as const) {
    it(`signs up with ${label} in ${locale} (round trip through the issuer), then signs in again as the same member on another device`, async () => {
      const email = `${provider}-${randomUUID().slice(0, 8)}@example.com`;
      idp.user = { sub: `e2e-${randomUUID()}`, email };
      const first = await signInScreen(locale);
      await first.page.getByRole('button', { name: button }).click();
      expect(await signedInAs(first.page)).to.equal(email);
      // Nothing of the answer stays in the address bar.
      expect(new URL(first.page.url()).hash).to.equal('');
      const uid = await sessionUid(first.page);
      expect(uid).to.be.a('string');
      const second = await signInScreen(locale);
      await second.page.getByRole('button', { name: button }).click();
      expect(await signedInAs(second.page)).to.equal(email);
      expect(await sessionUid(second.page)).to.equal(uid);
      expect([...first.errors, ...second.errors]).to.deep.equal([]);
    });
  }

  it('in Chinese: says so when the answer does not match the state this tab kept, and signs nobody in', async () => {
    idp.user = { sub: `e2e-${randomUUID()}`, email: `zh-${randomUUID().slice(0, 8)}@example.com` };
    const t = await signInScreen('zh-TW');
    // The state kept by this tab is replaced before the provider answers: a forged or stale answer.
    await t.page.evaluate(`(() => {
      const key = 'gaobinyou.platform-sign-in';
      const orig = sessionStorage.setItem.bind(sessionStorage);
      sessionStorage.setItem = (k, v) => orig(k, k === key ? JSON.stringify({ ...JSON.parse(v), state: 'someone-elses-state' }) : v);
    })()`);
    await t.page.getByRole('button', { name: '使用 Google 繼續' }).click();
    await t.page.locator('#welcome-notice').waitFor({ state: 'visible' });
    expect(await t.page.locator('#welcome-notice').textContent()).to.equal('這次登入不是從此頁面開始的，或已逾時。請再試一次。');
    expect(await t.page.locator('#screen-lobby').isVisible()).to.equal(false);
    expect(await sessionUid(t.page)).to.equal(undefined);
    expect(new URL(t.page.url()).hash).to.equal('');
    expect(await axeProblems(t.page)).to.deep.equal([]);
  });

  it('says the sign-in was cancelled when the person says no at the provider', async () => {
    idp.user = { sub: 'nobody', error: 'access_denied' };
    const t = await signInScreen('en');
    await t.page.getByRole('button', { name: 'Continue with LINE' }).click();
    await t.page.locator('#welcome-notice').waitFor({ state: 'visible' });
    expect(await t.page.locator('#welcome-notice').textContent()).to.equal('You cancelled the sign-in. Nothing was changed.');
    expect(await sessionUid(t.page)).to.equal(undefined);
  });
});
