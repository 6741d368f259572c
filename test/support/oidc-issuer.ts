/**
 * A local OpenID issuer for tests: serves a JWKS, signs ID tokens with its own keys, and emulates
 * LINE's verify endpoint, so platform login is tested with real signatures and no network. It also
 * plays the browser-facing half (oidc-flows.ts): an /authorize page that consents at once and a
 * /token endpoint for the code flow.
 */
import { createServer } from 'node:http';
import { createFlows, type FlowUser } from './oidc-flows.js';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, errors, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';

export type IssuerAlg = 'RS256' | 'ES256';

export interface SignOptions {
  alg?: IssuerAlg;
  /** Seconds from now when a number (negative for an already expired token), a jose time span ('10m', '-1h') when a string. Default '10m'. */
  expiresIn?: string | number;
  issuer?: string;
  audience?: string;
  /** Signs with a fresh key that is not in the JWKS, under the same kid (a forgery). */
  foreignKey?: boolean;
  kid?: string;
}

export interface OidcIssuer {
  url: string;
  jwksUrl: string;
  verifyUrl: string;
  issuer: string;
  /** The audience tokens get unless `sign` is told otherwise; use it as the provider's client id. */
  audience: string;
  /** Requests served so far, to check caching. */
  requests: { jwks: number; verify: number; authorize: number; token: number };
  /** The authorization endpoint (consents at once as `user`) and the token endpoint of the code flow. */
  authorizeUrl: string;
  tokenUrl: string;
  /** The client secret /token wants (LINE's channel secret); its ID tokens are HS256 under it, as LINE's are. */
  clientSecret: string;
  /** Who consents at /authorize next; `error` makes it answer that error instead (e.g. access_denied, a cancel). */
  user: FlowUser;
  /** A code as /authorize would hand out (for calling the exchange directly). */
  issueCode(redirectUri: string, o?: { nonce?: string; challenge?: string; user?: FlowUser }): string;
  sign(claims: Record<string, unknown>, opts?: SignOptions): Promise<string>;
  unsigned(claims: Record<string, unknown>): string;
  /** While set, /jwks and /verify answer this status instead (an outage); null restores them. */
  failWith(status: number | null): void;
  close(): Promise<void>;
}

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function makeKeyPair(alg: IssuerAlg, kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export async function startOidcIssuer(opts: { audience?: string; clientSecret?: string } = {}): Promise<OidcIssuer> {
  const keys: Record<IssuerAlg, KeyPair> = {
    RS256: await makeKeyPair('RS256', 'test-rs256'),
    ES256: await makeKeyPair('ES256', 'test-es256'),
  };
  const jwks = { keys: [keys.RS256.publicJwk, keys.ES256.publicJwk] };
  const localKeys = createLocalJWKSet(jwks);
  const audience = opts.audience ?? 'test-client-id';
  const requests = { jwks: 0, verify: 0, authorize: 0, token: 0 };
  let failure: number | null = null;
  let issuer = '';
  const clientSecret = opts.clientSecret ?? 'test-channel-secret';
  const flows = createFlows({
    clientSecret,
    audience,
    issuer: () => issuer,
    failure: () => failure,
    sign: (claims, alg) => signToken(claims, { alg }),
  });

  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/jwks') {
      requests.jwks++;
      if (failure !== null) return send(failure, { error: 'outage' });
      return send(200, jwks);
    }
    if (req.method === 'GET' && path === '/authorize') {
      requests.authorize++;
      return void flows.authorize(req, res);
    }
    if (req.method === 'POST' && path === '/token') {
      requests.token++;
      return void flows.token(req, res);
    }
    if (req.method === 'POST' && path === '/verify') {
      requests.verify++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (failure !== null) return send(failure, { error: 'outage' });
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        void verifyLikeLine(form.get('id_token'), form.get('client_id')).then((r) =>
          'claims' in r ? send(200, r.claims) : send(400, { error: 'invalid_request', error_description: r.error }),
        );
      });
      return;
    }
    send(404, { error: 'not_found' });
  });

  // Mirrors the answers of https://api.line.me/oauth2/v2.1/verify closely enough for clients.
  async function verifyLikeLine(
    idToken: string | null,
    clientId: string | null,
  ): Promise<{ claims: Record<string, unknown> } | { error: string }> {
    if (!idToken) return { error: 'id_token is required' };
    if (!clientId) return { error: 'client_id is required' };
    try {
      const { payload } = await jwtVerify(idToken, localKeys, { algorithms: ['RS256', 'ES256'] });
      if (payload.iss !== issuer) return { error: 'Invalid IdToken Issuer.' };
      if (payload.aud !== clientId) return { error: 'Invalid IdToken Audience.' };
      return { claims: payload };
    } catch (e) {
      return { error: e instanceof errors.JWTExpired ? 'IdToken expired.' : 'Invalid IdToken.' };
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = url;

  async function signToken(claims: Record<string, unknown>, o: Omit<SignOptions, 'alg'> & { alg?: IssuerAlg | 'HS256' } = {}): Promise<string> {
    const alg = o.alg ?? 'RS256';
    if (alg === 'HS256') {
      return new SignJWT({ iss: issuer, aud: audience, ...claims }).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(clientSecret));
    }
    const key = o.foreignKey ? (await generateKeyPair(alg)).privateKey : keys[alg].privateKey;
    const jwt = new SignJWT({ iss: o.issuer ?? issuer, aud: o.audience ?? audience, ...claims })
      .setProtectedHeader({ alg, kid: o.kid ?? keys[alg].kid, typ: 'JWT' })
      .setIssuedAt();
    if (claims.exp === undefined) {
      const expiresIn = o.expiresIn ?? '10m';
      jwt.setExpirationTime(typeof expiresIn === 'number' ? Math.floor(Date.now() / 1000) + expiresIn : expiresIn);
    }
    return jwt.sign(key);
  }

  return {
    url,
    jwksUrl: `${url}/jwks`,
    verifyUrl: `${url}/verify`,
    authorizeUrl: `${url}/authorize`,
    tokenUrl: `${url}/token`,
    clientSecret,
    issuer,
    audience,
    requests,
    get user() {
      return flows.user;
    },
    set user(u: FlowUser) {
      flows.user = u;
    },

    issueCode: (redirectUri, o) => flows.issueCode(redirectUri, o),
    sign: (claims, o = {}) => signToken(claims, o),

    unsigned(claims) {
      const exp = Math.floor(Date.now() / 1000) + 600;
      return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: issuer, aud: audience, exp, ...claims })}.`;
    },

    failWith(status) {
      failure = status;
    },

    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets from fetch would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

/** The env of a server whose three providers all point at `idp` (LINE with its channel secret, for the code flow). */
export const issuerEnv = (idp: OidcIssuer, lineSecret = idp.clientSecret): Record<string, string> => ({
  ...Object.fromEntries(['GOOGLE', 'APPLE', 'LINE'].flatMap((p) => [[`${p}_ISSUER`, idp.issuer], [`${p}_JWKS_URL`, idp.jwksUrl], [`${p}_AUTHORIZE_URL`, idp.authorizeUrl]])),
  GOOGLE_CLIENT_ID: idp.audience,
  APPLE_CLIENT_ID: idp.audience,
  LINE_CHANNEL_ID: idp.audience,
  LINE_CHANNEL_SECRET: lineSecret,
  LINE_TOKEN_URL: idp.tokenUrl,
});
