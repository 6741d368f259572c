import { ChatError } from './errors.js';
import { jwtClaims } from './session.js';
import type { PlatformFlow, PlatformProvider, PlatformSignInInput } from './types.js';

/**
 * The browser's half of a platform sign-in by redirect (OpenID Connect), with no provider script
 * on the page: `startPlatformSignIn` builds the provider URL and keeps a random `state` and
 * `nonce` (and for the code flow a PKCE verifier) in the given storage (sessionStorage: this tab
 * only); `readPlatformAnswer` checks what came back in the fragment against them. Then
 * `ChatClient.finishPlatformSignIn` signs in (or registers) with it.
 */

/** sessionStorage's shape (synchronous). */
export interface SignInStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface Pending {
  provider: PlatformProvider;
  state: string;
  nonce: string;
  redirect_uri: string;
  code_verifier?: string;
}

const KEY = 'gaobinyou.platform-sign-in';
// What providers answer when the person says no (OAuth's access_denied; Apple's own).
const CANCELLED = new Set(['access_denied', 'user_cancelled_authorize', 'consent_required', 'login_required']);

const b64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n = 32): string => b64url(crypto.getRandomValues(new Uint8Array(n)));

/** The provider URL to send the browser to; what it needs on return is kept in `storage`. */
export async function startPlatformSignIn(flow: PlatformFlow, redirectUri: string, storage: SignInStorage): Promise<string> {
  const pending: Pending = { provider: flow.provider, state: random(), nonce: random(), redirect_uri: redirectUri };
  const q = new URLSearchParams({
    client_id: flow.client_id,
    redirect_uri: redirectUri,
    response_type: flow.response_type,
    scope: flow.scope,
    state: pending.state,
    nonce: pending.nonce,
  });
  if (flow.response_mode !== 'query') q.set('response_mode', flow.response_mode);
  if (flow.pkce) {
    pending.code_verifier = random();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pending.code_verifier)));
    q.set('code_challenge', b64url(digest));
    q.set('code_challenge_method', 'S256');
  }
  storage.setItem(KEY, JSON.stringify(pending));
  const url = new URL(flow.authorize_url);
  q.forEach((v, k) => url.searchParams.set(k, v));
  return url.toString();
}

/**
 * The sign-in answer in a URL fragment (`#state=…&id_token=…`), checked; null when the fragment is
 * not one. Throws ChatError `STATE_MISMATCH` (no sign-in of this tab started it, or another did),
 * `CANCELLED` (the person said no at the provider), `PROVIDER_ERROR` (any other provider error) or
 * `NONCE_MISMATCH` (an ID token issued for another request). The pending sign-in is used up either way.
 */
export function readPlatformAnswer(fragment: string, storage: SignInStorage): PlatformSignInInput | null {
  const a = new URLSearchParams(fragment.replace(/^#/, ''));
  if (!a.has('state') && !a.has('id_token') && !a.has('code') && !a.has('error')) return null;
  const raw = storage.getItem(KEY);
  storage.removeItem(KEY);
  const pending = parsePending(raw);
  if (!pending || a.get('state') !== pending.state) {
    throw new ChatError('STATE_MISMATCH', 'this sign-in answer does not belong to a sign-in started here; start again');
  }
  const error = a.get('error');
  if (error) throw new ChatError(CANCELLED.has(error) ? 'CANCELLED' : 'PROVIDER_ERROR', `the provider answered ${error}`);
  const base = { provider: pending.provider, nonce: pending.nonce };
  const idToken = a.get('id_token');
  // The code flow (LINE): the server checks the nonce inside the ID token it trades the code for.
  if (pending.code_verifier !== undefined || !idToken) {
    const code = a.get('code');
    if (!code) throw new ChatError('PROVIDER_ERROR', 'the provider answered neither an ID token nor a code');
    return { ...base, code, redirect_uri: pending.redirect_uri, ...(pending.code_verifier ? { code_verifier: pending.code_verifier } : {}) };
  }
  // Checked here too, so a token for another request is never sent anywhere; the server checks it again with the signature.
  if (jwtClaims(idToken)?.nonce !== pending.nonce) throw new ChatError('NONCE_MISMATCH', 'this ID token was issued for another sign-in; start again');
  return { ...base, id_token: idToken };
}

function parsePending(raw: string | null): Pending | null {
  try {
    const p = raw ? (JSON.parse(raw) as Partial<Pending>) : null;
    return p && typeof p.state === 'string' && typeof p.nonce === 'string' && typeof p.provider === 'string' && typeof p.redirect_uri === 'string' ? (p as Pending) : null;
  } catch {
    return null;
  }
}
