/**
 * Screenshots of the main screens of the web client and the API docs, for docs/screenshots/.
 *
 *   node --import tsx scripts/screenshots.ts [output-dir]
 *
 * Starts a throw-away server (embedded database, port 0, 127.0.0.1), builds the client, and drives
 * headless Chromium (see test/support/browser.ts: CHROMIUM_PATH, /usr/bin/chromium, or the browser
 * packaged in npm) through a short conversation.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startServer } from '../test/support/server.js';
import { buildWebClient, launchBrowser, openTab } from '../test/support/browser.js';
import { issuerEnv, startOidcIssuer } from '../test/support/oidc-issuer.js';

const out = path.resolve(process.argv[2] ?? 'docs/screenshots');
const desktop = { width: 1280, height: 800 };
const phone = { width: 375, height: 740 };

const write = (line: string) => process.stdout.write(`${line}\n`);

async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(out, `${name}.png`);
  await page.screenshot({ path: file });
  write(`  ${path.relative(process.cwd(), file)}`);
}

/** The phone speaks Traditional Chinese (its browser's language), the desktop English. */
async function login(page: Page, name: string): Promise<void> {
  await page.goto('/');
  await page.locator('#guest-name').fill(name);
  await page.locator('#form-guest button[type="submit"]').click();
  await page.locator('#screen-lobby').waitFor();
}

async function say(page: Page, text: string, other: Page): Promise<void> {
  await page.locator('#composer-input').pressSequentially(text, { delay: 8 });
  await page.locator('#composer-input').press('Enter');
  await other.locator('#messages .msg.theirs .text', { hasText: text }).waitFor();
  await page.locator('#messages .msg.mine[data-state="sent"] .text', { hasText: text }).waitFor();
}

await mkdir(out, { recursive: true });
const browser = await launchBrowser();
await buildWebClient();
// A local OpenID issuer stands in for Google, Apple and LINE, so the sign-in screen shows their buttons.
const idp = await startOidcIssuer();
const server = await startServer(issuerEnv(idp));
try {
  write(`server ${server.url}; writing to ${path.relative(process.cwd(), out) || '.'}`);
  const a = await openTab(browser, server.url, desktop, { colorScheme: 'light', locale: 'en-US' });
  const b = await openTab(browser, server.url, phone, { isMobile: true, hasTouch: true, deviceScaleFactor: 2, colorScheme: 'light', locale: 'zh-TW' });

  await a.page.goto('/');
  await a.page.getByLabel('Your name').fill('Mika');
  await shot(a.page, '01-name-entry');
  await a.page.locator('#tab-member').click();
  await a.page.locator('#platform-buttons button').first().waitFor({ state: 'visible' });
  await a.page.setViewportSize({ width: desktop.width, height: 1060 }); // the app scrolls inside the page: make room
  await shot(a.page, '08-member-sign-in');
  await a.page.setViewportSize(desktop);
  await a.page.locator('#tab-guest').click();
  await a.page.getByRole('button', { name: 'Start chatting' }).click();
  await a.page.locator('#screen-lobby').waitFor();
  await a.page.getByRole('button', { name: 'Talk to a stranger' }).click();
  await a.page.locator('#screen-waiting').waitFor();
  await a.page.waitForTimeout(1300); // let the radar rings spread
  await shot(a.page, '02-waiting');

  await login(b.page, '小安');
  await b.page.locator('#btn-find').click();
  await a.page.locator('#screen-chat').waitFor();
  await b.page.locator('#screen-chat').waitFor();

  await say(a.page, 'Hey! First time here. How does this work?', b.page);
  await say(b.page, 'Hi Mika! 直接聊就好 :) Where are you writing from?', a.page);
  await say(a.page, 'Lisbon. It is raining, again. You?', b.page);
  await say(b.page, 'Taipei, and it is sunny. 抱歉！', a.page);
  await say(a.page, 'Lucky you. Any food tips if I ever visit?', b.page);
  await b.page.locator('#composer-input').pressSequentially('珍珠奶茶 and 小籠包, obviously', { delay: 10 });
  await a.page.locator('#typing.visible').waitFor();
  await a.page.waitForTimeout(250);
  await shot(a.page, '03-chat-desktop');
  await b.page.locator('#composer-input').press('Enter');
  await a.page.locator('#messages .msg.theirs .text', { hasText: '珍珠奶茶' }).waitFor();
  await b.page.locator('#messages .msg.mine[data-state="sent"] .text', { hasText: '珍珠奶茶' }).waitFor();
  await b.page.locator('#composer-input').blur();
  await shot(b.page, '04-chat-phone');

  await a.page.getByRole('button', { name: 'More actions' }).click();
  await a.page.getByRole('menuitem', { name: 'Report' }).click();
  await a.page.getByRole('dialog').getByLabel('Spam or advertising').check();
  await shot(a.page, '07-report-dialog');
  await a.page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

  await a.page.getByRole('button', { name: 'Leave', exact: true }).click();
  await a.page.getByRole('dialog').getByRole('button', { name: 'Yes, leave' }).click();
  await b.page.locator('#closed-banner').waitFor();
  await shot(b.page, '05-stranger-left');

  const d = await openTab(browser, server.url, { width: 1280, height: 900 }, { colorScheme: 'light' });
  d.page.setDefaultTimeout(60_000);
  await d.page.goto('/docs');
  await d.page.getByRole('heading', { name: 'GaoBinYou chat API' }).waitFor();
  await shot(d.page, '06-api-docs');
  await d.page.goto('/docs/socketio');
  await d.page.getByText('GaoBinYou chat real-time API (Socket.IO)').filter({ visible: true }).first().waitFor();
  await shot(d.page, '07-socketio-docs');

  const errors = [...a.errors, ...b.errors, ...d.errors];
  if (errors.length) throw new Error(`the pages reported errors:\n${errors.join('\n')}`);
} finally {
  await browser.close();
  await server.close();
  await idp.close();
}
