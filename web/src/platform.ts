import { ChatError, readPlatformAnswer, startPlatformSignIn, type ChatClient, type PlatformFlow, type PlatformSignInInput } from '../../client/src/index.js';
import { humanError, invalidFields } from './errors.js';
import { onLangChange, t } from './i18n.js';
import { ui } from './ui.js';

/**
 * Sign in with Google, Apple or LINE by redirect: no provider script on the page (the CSP keeps
 * them out). A button sends the browser to the provider; the provider sends it back to
 * /auth/callback, which the server turns into `/#state=…&id_token=…` (or `code=…`); here the
 * answer is checked against the state and nonce this tab kept, and the SDK signs in with it.
 */

const NAMES: Record<string, string> = { google: 'Google', apple: 'Apple', line: 'LINE' };
const storage = (): Storage => sessionStorage;

/** One button per redirect sign-in the server offers; none (and no "or") when it offers none. */
export async function mountPlatformButtons(client: ChatClient): Promise<void> {
  const flows = (await client.account.serverConfig()).platform_flows ?? [];
  const buttons = flows.map((flow) => button(flow));
  ui.platformButtons.replaceChildren(...buttons);
  ui.platforms.hidden = buttons.length === 0 || !ui.formReset.hidden;
  const label = () => buttons.forEach((b, i) => (b.textContent = t('member.with', { provider: NAMES[flows[i]!.provider] ?? flows[i]!.provider })));
  label();
  onLangChange(label);
}

function button(flow: PlatformFlow): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary wide';
  b.dataset.provider = flow.provider;
  b.addEventListener('click', () => {
    b.disabled = true;
    startPlatformSignIn(flow, `${location.origin}/auth/callback`, storage()).then(
      (url) => location.assign(url),
      () => {
        b.disabled = false;
        ui.memberError.textContent = t('platform.provider');
      },
    );
  });
  return b;
}

/**
 * When this page is the end of a redirect sign-in: signs in with the answer (true), or returns the
 * message to show; null when the page was opened normally. The answer leaves the address bar first,
 * so a reload or a shared link never carries it.
 */
export async function finishPlatformSignIn(client: ChatClient): Promise<true | string | null> {
  if (!location.hash) return null;
  const fragment = location.hash;
  let answer: PlatformSignInInput | null;
  try {
    answer = readPlatformAnswer(fragment, storage());
  } catch (e) {
    history.replaceState(null, '', location.pathname + location.search);
    return explain(e, '');
  }
  if (!answer) return null;
  history.replaceState(null, '', location.pathname + location.search);
  try {
    await client.finishPlatformSignIn(answer);
    return true;
  } catch (e) {
    return explain(e, NAMES[answer.provider] ?? answer.provider);
  }
}

function explain(e: unknown, provider: string): string {
  if (!(e instanceof ChatError)) return humanError(e);
  switch (e.code) {
    case 'CANCELLED':
      return t('platform.cancelled');
    case 'STATE_MISMATCH':
    case 'NONCE_MISMATCH':
      return t('platform.state');
    case 'PROVIDER_ERROR':
      return t('platform.provider');
    case 'UNAUTHENTICATED':
      return t('platform.failed');
    case 'CONFLICT':
      return t('member.taken');
    case 'INVALID_ARGUMENT':
      return invalidFields(e).some((f) => f.includes('login_id')) ? t('platform.noEmail', { provider }) : humanError(e);
    default:
      return humanError(e);
  }
}
