import type { AppConfig } from '../config.js';
import { AppError } from '../core/errors.js';
import type { PlatformCodeExchanger, PlatformProvider } from '../core/ports.js';
import { DEFAULT_FETCH_TIMEOUT_MS, MAX_TOKEN_LENGTH, unavailable } from './platform-verifier.js';

// A token endpoint's answer is a few KB; anything far larger is not worth reading.
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The code flow's second half (OpenID Connect Core 3.1.3): the browser brought back a code, and
 * only we (holding the channel secret) can trade it for an ID token at the provider's token
 * endpoint. The ID token is then checked by the verifier like any other; the PKCE verifier ties
 * the code to the browser that started the sign-in.
 */
export class HttpCodeExchanger implements PlatformCodeExchanger {
  constructor(
    private readonly providers: AppConfig['providers'],
    private readonly fetchTimeoutMs = DEFAULT_FETCH_TIMEOUT_MS,
  ) {}

  async exchange(provider: PlatformProvider, grant: { code: string; redirectUri: string; codeVerifier?: string }): Promise<string> {
    const config = this.providers[provider];
    if (!config?.tokenUrl || !config.clientSecret) {
      throw new AppError('INVALID_ARGUMENT', `${provider} sign-in with a code is not configured on this server; send an id_token instead`);
    }
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code: grant.code,
      redirect_uri: grant.redirectUri,
      client_id: config.clientId,
      client_secret: config.clientSecret,
      ...(grant.codeVerifier ? { code_verifier: grant.codeVerifier } : {}),
    });
    let res: Response;
    let text: string;
    try {
      res = await fetch(config.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        // The secret goes to the configured endpoint only, never where a redirect points.
        redirect: 'error',
        signal: AbortSignal.timeout(this.fetchTimeoutMs),
      });
      text = await readBounded(res);
    } catch (e) {
      throw unavailable(provider, e);
    }
    const body = parseJson(text);
    if (res.status === 200) {
      const idToken = body?.id_token;
      if (typeof idToken !== 'string' || idToken.length === 0 || idToken.length > MAX_TOKEN_LENGTH) {
        throw unavailable(provider, new Error('token endpoint answered without an ID token (is the openid scope requested?)'));
      }
      return idToken;
    }
    throw refusal(provider, res.status, typeof body?.error === 'string' ? body.error : '');
  }
}

/** RFC 6749 section 5.2: what the provider's refusal means for the person signing in. */
function refusal(provider: PlatformProvider, status: number, error: string): AppError {
  if (error === 'invalid_grant') {
    return new AppError('UNAUTHENTICATED', `the ${provider} sign-in code is invalid, expired, already used, or was issued for another redirect_uri or code_verifier; sign in again`);
  }
  if (error === 'invalid_request' && status === 400) {
    return new AppError('INVALID_ARGUMENT', `${provider} refused the code exchange as malformed (check code, redirect_uri and code_verifier)`);
  }
  // invalid_client (a wrong channel id or secret), a 5xx or anything else: our side or theirs, not the person's.
  return unavailable(provider, new Error(`token endpoint answered ${status}${error ? ` ${error}` : ''}`));
}

async function readBounded(res: Response): Promise<string> {
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_ANSWER_BYTES) {
    await res.body?.cancel();
    throw new Error(`token endpoint answer of ${length} bytes is too large`);
  }
  // Read in chunks and stop at the bound: without a content-length, res.text() would buffer all of it.
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      // Leaving the loop by a throw cancels the stream (the iterator's return()).
      if (size > MAX_ANSWER_BYTES) throw new Error('token endpoint answer is too large');
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
