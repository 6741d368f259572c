import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import type { AppConfig, ProviderConfig } from '../config.js';
import { AppError } from '../core/errors.js';
import type { PlatformIdentity, PlatformProvider, PlatformVerifier } from '../core/ports.js';

const GOOGLE_DEFAULT_ISSUER = 'https://accounts.google.com';
// Google documents both spellings as valid for its own ID tokens.
const GOOGLE_ISSUERS = [GOOGLE_DEFAULT_ISSUER, 'accounts.google.com'];

// Asymmetric only: `none` would accept anything, and HS* would let anyone holding the public key
// (or, for LINE web logins, the channel secret) mint tokens; RSA and EC keys cover all three providers.
const ALGORITHMS = ['RS256', 'ES256'];
const CLOCK_TOLERANCE_SEC = 5;
// Real ID tokens are around 1 KB; anything far larger is not worth parsing or posting anywhere.
export const MAX_TOKEN_LENGTH = 16 * 1024;
const RETRY_AFTER_SEC = 5;
export const DEFAULT_FETCH_TIMEOUT_MS = 5000;

/** Marks a failure of the provider's side (key set or verify endpoint), as opposed to a bad token. */
class ProviderUnavailable extends Error {
  constructor(cause: unknown) {
    super('provider unavailable', { cause });
  }
}

export interface PlatformVerifierOptions {
  /** Limit for each call to a JWKS URL or verify endpoint. */
  fetchTimeoutMs?: number;
}

export class JosePlatformVerifier implements PlatformVerifier {
  private readonly keySets = new Map<PlatformProvider, JWTVerifyGetKey>();
  private readonly fetchTimeoutMs: number;

  constructor(
    private readonly providers: AppConfig['providers'],
    opts: PlatformVerifierOptions = {},
  ) {
    this.fetchTimeoutMs = opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  }

  async verify(provider: PlatformProvider, token: string): Promise<PlatformIdentity> {
    const config = this.providers[provider];
    if (!config) {
      throw new AppError('INVALID_ARGUMENT', `${provider} login is not configured on this server`);
    }
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw invalidToken(provider);
    }
    const claims =
      provider === 'line' && config.verifyUrl
        ? await this.verifyWithEndpoint(provider, config, config.verifyUrl, token)
        : await this.verifyWithJwks(provider, config, token);
    return toIdentity(provider, claims);
  }

  private async verifyWithJwks(provider: PlatformProvider, config: ProviderConfig, token: string): Promise<JWTPayload> {
    const issuer = provider === 'google' && config.issuer === GOOGLE_DEFAULT_ISSUER ? GOOGLE_ISSUERS : config.issuer;
    try {
      const { payload } = await jwtVerify(token, this.keyFor(provider, config), {
        issuer,
        audience: config.clientId,
        algorithms: provider === 'line' && config.clientSecret ? [...ALGORITHMS, 'HS256'] : ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SEC,
        requiredClaims: ['sub', 'exp'],
      });
      return payload;
    } catch (e) {
      if (e instanceof ProviderUnavailable) throw unavailable(provider, e.cause);
      // Everything else (malformed, forged, expired, wrong audience...) is the token's fault.
      throw invalidToken(provider, e);
    }
  }

  /**
   * LINE checks its own tokens (including HS256 web-login tokens signed with the channel secret,
   * which we could not verify locally), so the algorithm is left to LINE here; the claims it answers
   * are still checked against our configuration, so a misbehaving endpoint cannot widen what we accept.
   */
  private async verifyWithEndpoint(
    provider: PlatformProvider,
    config: ProviderConfig,
    verifyUrl: string,
    token: string,
  ): Promise<JWTPayload> {
    if (token.split('.').length !== 3) throw invalidToken(provider);
    let res: Response;
    try {
      res = await fetch(verifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ id_token: token, client_id: config.clientId }).toString(),
        // A redirect would send the token somewhere we did not configure.
        redirect: 'error',
        signal: AbortSignal.timeout(this.fetchTimeoutMs),
      });
    } catch (e) {
      throw unavailable(provider, e);
    }
    // LINE answers 400 for every token it rejects; any other failure says nothing about the token.
    if (res.status === 400) {
      await res.body?.cancel();
      throw invalidToken(provider);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw unavailable(provider, new Error(`verify endpoint answered ${res.status}`));
    }
    let claims: unknown;
    try {
      claims = await res.json();
    } catch (e) {
      throw unavailable(provider, e);
    }
    if (!isRecord(claims) || !endpointClaimsValid(claims, config)) throw invalidToken(provider);
    return claims;
  }

  /**
   * LINE signs the ID tokens of its web login (the code flow) with HS256 under the channel secret.
   * When that secret is configured, HS256 is checked against it, and only it: an HS256 token can
   * never be checked against a public key from the JWKS (the algorithm-confusion forgery).
   */
  private keyFor(provider: PlatformProvider, config: ProviderConfig): JWTVerifyGetKey {
    const remote = this.keySet(provider, config);
    const secret = provider === 'line' && config.clientSecret ? new TextEncoder().encode(config.clientSecret) : null;
    return (header, token) => (header.alg === 'HS256' && secret ? secret : remote(header, token));
  }

  private keySet(provider: PlatformProvider, config: ProviderConfig): JWTVerifyGetKey {
    let keys = this.keySets.get(provider);
    if (!keys) {
      const remote = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: this.fetchTimeoutMs });
      // jose reports an unreachable key set and a token without a matching key through the same
      // call; we separate them here because one is retryable and the other is not.
      keys = async (header, token) => {
        try {
          return await remote(header, token);
        } catch (e) {
          if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) throw e;
          throw new ProviderUnavailable(e);
        }
      };
      this.keySets.set(provider, keys);
    }
    return keys;
  }
}

function endpointClaimsValid(claims: Record<string, unknown>, config: ProviderConfig): boolean {
  const { iss, aud, exp, sub } = claims;
  const audOk = typeof aud === 'string' ? aud === config.clientId : Array.isArray(aud) && aud.includes(config.clientId);
  const expOk = typeof exp === 'number' && exp + CLOCK_TOLERANCE_SEC > Date.now() / 1000;
  return iss === config.issuer && audOk && expOk && typeof sub === 'string';
}

function toIdentity(provider: PlatformProvider, claims: JWTPayload): PlatformIdentity {
  const { sub, email, email_verified: emailVerified, name, picture } = claims;
  if (typeof sub !== 'string' || sub.length === 0) throw invalidToken(provider);
  const identity: PlatformIdentity = { provider, subject: sub };
  if (typeof email === 'string' && email.length > 0) identity.email = email;
  // Apple sends the flag as the string "true"/"false"; Google as a boolean.
  if (typeof emailVerified === 'boolean') identity.emailVerified = emailVerified;
  else if (emailVerified === 'true' || emailVerified === 'false') identity.emailVerified = emailVerified === 'true';
  // LINE sends no flag: it releases `email` only with the user's consent and only an address the
  // user confirmed with LINE, so an e-mail in a LINE token counts as verified by LINE.
  else if (provider === 'line' && identity.email) identity.emailVerified = true;
  if (typeof name === 'string' && name.length > 0) identity.name = name;
  if (typeof picture === 'string' && picture.length > 0) identity.picture = picture;
  if (typeof claims.nonce === 'string') identity.nonce = claims.nonce;
  return identity;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const invalidToken = (provider: PlatformProvider, cause?: unknown): AppError =>
  new AppError('UNAUTHENTICATED', `invalid ${provider} token`, cause === undefined ? {} : { cause });

export const unavailable = (provider: PlatformProvider, cause: unknown): AppError =>
  new AppError('UNAVAILABLE', `${provider} token verification is unavailable, retry later`, {
    retryAfter: RETRY_AFTER_SEC,
    cause,
  });
