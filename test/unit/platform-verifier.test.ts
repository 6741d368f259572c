import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { SignJWT } from 'jose';
import type { ProviderConfig } from '../../src/config.js';
import { AppError } from '../../src/core/errors.js';
import type { ErrorCode } from '../../src/core/errors.js';
import type { PlatformProvider } from '../../src/core/ports.js';
import { JosePlatformVerifier } from '../../src/infra/platform-verifier.js';
import { startOidcIssuer } from '../support/oidc-issuer.js';
import type { IssuerAlg, OidcIssuer } from '../support/oidc-issuer.js';

type Providers = ConstructorParameters<typeof JosePlatformVerifier>[0];

const NO_PROVIDERS: Providers = { google: undefined, apple: undefined, line: undefined };

function only(provider: PlatformProvider, config: ProviderConfig): Providers {
  return { ...NO_PROVIDERS, [provider]: config };
}

async function rejection(p: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(AppError);
    expect((e as AppError).code).to.equal(code);
    return e as AppError;
  }
  return expect.fail(`expected a rejection with ${code}, but the token was accepted`);
}

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A server that answers every request with one fixed status and JSON body. */
async function fixedServer(status: number, body: unknown): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/verify`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('JosePlatformVerifier', () => {
  let idp: OidcIssuer;
  let deadUrl: string;

  before(async () => {
    idp = await startOidcIssuer();
    deadUrl = `http://127.0.0.1:${await closedPort()}`;
  });

  after(async () => {
    await idp.close();
  });

  const jwksConfig = (): ProviderConfig => ({ clientId: idp.audience, issuer: idp.issuer, jwksUrl: idp.jwksUrl });

  interface Case {
    provider: PlatformProvider;
    mode: string;
    alg: IssuerAlg;
    config: () => ProviderConfig;
    /** Claims of a good token and the identity they must produce (beyond provider and subject). */
    claims: Record<string, unknown>;
    identity: Record<string, unknown>;
  }

  const cases: Case[] = [
    {
      provider: 'google',
      mode: 'JWKS',
      alg: 'RS256',
      config: jwksConfig,
      claims: { email: 'amy@example.com', email_verified: true, name: 'Amy', picture: 'https://example.com/amy.png' },
      identity: { email: 'amy@example.com', emailVerified: true, name: 'Amy', picture: 'https://example.com/amy.png' },
    },
    {
      provider: 'apple',
      mode: 'JWKS',
      alg: 'RS256',
      config: jwksConfig,
      // Apple sends email_verified as a string.
      claims: { email: 'bob@privaterelay.appleid.com', email_verified: 'true' },
      identity: { email: 'bob@privaterelay.appleid.com', emailVerified: true },
    },
    {
      provider: 'line',
      mode: 'JWKS',
      alg: 'ES256',
      config: jwksConfig,
      claims: { name: 'Cho', picture: 'https://profile.line-scdn.net/cho' },
      identity: { name: 'Cho', picture: 'https://profile.line-scdn.net/cho' },
    },
    {
      provider: 'line',
      mode: 'verify endpoint',
      alg: 'ES256',
      // The JWKS URL is dead on purpose: in this mode it must never be needed.
      config: () => ({ clientId: idp.audience, issuer: idp.issuer, jwksUrl: `${deadUrl}/jwks`, verifyUrl: idp.verifyUrl }),
      claims: { name: 'Dan', email: 'dan@example.com' },
      // LINE sends no email_verified: an address in its token is one LINE confirmed.
      identity: { name: 'Dan', email: 'dan@example.com', emailVerified: true },
    },
  ];

  for (const c of cases) {
    describe(`${c.provider} through its ${c.mode}`, () => {
      let verifier: JosePlatformVerifier;
      const sign = (claims: Record<string, unknown>, opts: Parameters<OidcIssuer['sign']>[1] = {}) =>
        idp.sign({ sub: 'user-123', ...claims }, { alg: c.alg, ...opts });
      const rejectsAsInvalid = async (token: string) => {
        const err = await rejection(verifier.verify(c.provider, token), 'UNAUTHENTICATED');
        expect(err.message).to.equal(`invalid ${c.provider} token`);
      };

      beforeEach(() => {
        verifier = new JosePlatformVerifier(only(c.provider, c.config()), { fetchTimeoutMs: 2000 });
      });

      it('accepts a good token and returns the identity it names', async () => {
        const identity = await verifier.verify(c.provider, await sign(c.claims));
        expect(identity).to.deep.equal({ provider: c.provider, subject: 'user-123', ...c.identity });
      });

      it('rejects a token issued for another client', async () => {
        await rejectsAsInvalid(await sign({}, { audience: 'someone-else' }));
      });

      it('rejects a token from another issuer', async () => {
        await rejectsAsInvalid(await sign({}, { issuer: 'https://evil.example.com' }));
      });

      it('rejects an expired token', async () => {
        await rejectsAsInvalid(await sign({}, { expiresIn: -60 }));
      });

      // Through the verify endpoint, expiry is LINE's call (its own skew rules), so this is ours only with JWKS.
      if (c.mode === 'JWKS') {
        it('tolerates a couple of seconds of clock skew on expiry', async () => {
          const identity = await verifier.verify(c.provider, await sign({}, { expiresIn: -2 }));
          expect(identity.subject).to.equal('user-123');
        });
      }

      it('rejects an unsigned token (alg none)', async () => {
        await rejectsAsInvalid(idp.unsigned({ sub: 'user-123' }));
      });

      it('rejects a token signed by a foreign key under a known key id', async () => {
        await rejectsAsInvalid(await sign({}, { foreignKey: true }));
      });

      it('rejects a token whose key id is not in the key set', async () => {
        await rejectsAsInvalid(await sign({}, { kid: 'unknown-kid' }));
      });

      it('rejects an HS256 token signed with a shared string', async () => {
        const token = await new SignJWT({ sub: 'user-123', iss: idp.issuer, aud: idp.audience })
          .setProtectedHeader({ alg: 'HS256', kid: c.alg === 'RS256' ? 'test-rs256' : 'test-es256' })
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(new TextEncoder().encode('a secret anyone could guess, or the public key'));
        await rejectsAsInvalid(token);
      });

      it('rejects a token without a subject', async () => {
        await rejectsAsInvalid(await idp.sign({ email: 'x@example.com' }, { alg: c.alg }));
      });

      for (const garbage of ['', 'not-a-token', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30.', 'x'.repeat(20_000)]) {
        it(`rejects the garbage string ${JSON.stringify(garbage.slice(0, 30))}`, async () => {
          await rejectsAsInvalid(garbage);
        });
      }
    });
  }

  describe('configuration', () => {
    for (const provider of ['google', 'apple', 'line'] as const) {
      it(`answers INVALID_ARGUMENT naming ${provider} when ${provider} is not configured`, async () => {
        const verifier = new JosePlatformVerifier(NO_PROVIDERS);
        const err = await rejection(verifier.verify(provider, await idp.sign({ sub: 'u' })), 'INVALID_ARGUMENT');
        expect(err.message).to.equal(`${provider} login is not configured on this server`);
      });
    }

    it('accepts both spellings of the Google issuer when the Google default is configured', async () => {
      const verifier = new JosePlatformVerifier(
        only('google', { clientId: idp.audience, issuer: 'https://accounts.google.com', jwksUrl: idp.jwksUrl }),
      );
      for (const iss of ['https://accounts.google.com', 'accounts.google.com']) {
        const identity = await verifier.verify('google', await idp.sign({ sub: 'g-1' }, { issuer: iss }));
        expect(identity.subject).to.equal('g-1');
      }
    });

    it('accepts only the configured issuer when the Google issuer is not the default', async () => {
      const verifier = new JosePlatformVerifier(only('google', jwksConfig()));
      const token = await idp.sign({ sub: 'g-1' }, { issuer: 'accounts.google.com' });
      await rejection(verifier.verify('google', token), 'UNAUTHENTICATED');
    });

    it('does not give Apple the alternative Google issuer', async () => {
      const verifier = new JosePlatformVerifier(
        only('apple', { clientId: idp.audience, issuer: 'https://accounts.google.com', jwksUrl: idp.jwksUrl }),
      );
      const token = await idp.sign({ sub: 'a-1' }, { issuer: 'accounts.google.com' });
      await rejection(verifier.verify('apple', token), 'UNAUTHENTICATED');
    });

    it('reads email_verified "false" from Apple as not verified', async () => {
      const verifier = new JosePlatformVerifier(only('apple', jwksConfig()));
      const identity = await verifier.verify('apple', await idp.sign({ sub: 'a-2', email: 'e@x.io', email_verified: 'false' }));
      expect(identity.emailVerified).to.equal(false);
    });
  });

  describe('key set availability', () => {
    afterEach(() => idp.failWith(null));

    for (const provider of ['google', 'apple', 'line'] as const) {
      it(`answers UNAVAILABLE with a retry hint when the ${provider} key set is unreachable`, async () => {
        const verifier = new JosePlatformVerifier(
          only(provider, { clientId: idp.audience, issuer: idp.issuer, jwksUrl: `${deadUrl}/jwks` }),
        );
        const token = await idp.sign({ sub: 'u' }, { alg: provider === 'line' ? 'ES256' : 'RS256' });
        const err = await rejection(verifier.verify(provider, token), 'UNAVAILABLE');
        expect(err.message).to.equal(`${provider} token verification is unavailable, retry later`);
        expect(err.retryAfter).to.equal(5);
      });
    }

    it('answers UNAVAILABLE when the key set answers 503, and recovers once it is back', async () => {
      const verifier = new JosePlatformVerifier(only('google', jwksConfig()));
      const token = await idp.sign({ sub: 'u' });
      idp.failWith(503);
      await rejection(verifier.verify('google', token), 'UNAVAILABLE');
      idp.failWith(null);
      expect((await verifier.verify('google', token)).subject).to.equal('u');
    });

    it('fetches the key set once and reuses it for later tokens', async () => {
      const verifier = new JosePlatformVerifier(only('apple', jwksConfig()));
      const before = idp.requests.jwks;
      await verifier.verify('apple', await idp.sign({ sub: 'u1' }));
      await verifier.verify('apple', await idp.sign({ sub: 'u2' }));
      expect(idp.requests.jwks - before).to.equal(1);
    });

    it('rejects an unsigned token without even fetching the key set', async () => {
      const verifier = new JosePlatformVerifier(
        only('google', { clientId: idp.audience, issuer: idp.issuer, jwksUrl: `${deadUrl}/jwks` }),
      );
      await rejection(verifier.verify('google', idp.unsigned({ sub: 'u' })), 'UNAUTHENTICATED');
    });
  });

  describe('LINE verify endpoint', () => {
    const lineConfig = (verifyUrl: string): ProviderConfig => ({
      clientId: idp.audience,
      issuer: idp.issuer,
      jwksUrl: `${deadUrl}/jwks`,
      verifyUrl,
    });

    afterEach(() => idp.failWith(null));

    it('asks the endpoint rather than checking the signature locally', async () => {
      const verifier = new JosePlatformVerifier(only('line', lineConfig(idp.verifyUrl)));
      const before = idp.requests.verify;
      await verifier.verify('line', await idp.sign({ sub: 'l-1' }, { alg: 'ES256' }));
      expect(idp.requests.verify - before).to.equal(1);
    });

    it('answers UNAVAILABLE when the endpoint is unreachable', async () => {
      const verifier = new JosePlatformVerifier(only('line', lineConfig(`${deadUrl}/verify`)));
      const err = await rejection(verifier.verify('line', await idp.sign({ sub: 'l-1' }, { alg: 'ES256' })), 'UNAVAILABLE');
      expect(err.retryAfter).to.equal(5);
    });

    it('answers UNAVAILABLE when the endpoint answers 500', async () => {
      const verifier = new JosePlatformVerifier(only('line', lineConfig(idp.verifyUrl)));
      idp.failWith(500);
      await rejection(verifier.verify('line', await idp.sign({ sub: 'l-1' }, { alg: 'ES256' })), 'UNAVAILABLE');
    });

    it('answers UNAVAILABLE when the endpoint does not answer in time', async () => {
      const server = createServer(() => undefined); // accepts and never answers
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/verify`;
        const verifier = new JosePlatformVerifier(only('line', lineConfig(url)), { fetchTimeoutMs: 200 });
        await rejection(verifier.verify('line', await idp.sign({ sub: 'l-1' }, { alg: 'ES256' })), 'UNAVAILABLE');
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    const exp = () => Math.floor(Date.now() / 1000) + 600;
    const answers: Array<[string, () => Record<string, unknown>]> = [
      ['another channel', () => ({ iss: idp.issuer, sub: 'l-1', aud: 'another-channel', exp: exp() })],
      ['another issuer', () => ({ iss: 'https://evil.example.com', sub: 'l-1', aud: idp.audience, exp: exp() })],
      ['an expired token', () => ({ iss: idp.issuer, sub: 'l-1', aud: idp.audience, exp: exp() - 3600 })],
      ['no subject', () => ({ iss: idp.issuer, aud: idp.audience, exp: exp() })],
    ];
    for (const [what, claims] of answers) {
      it(`does not trust an endpoint answer naming ${what}`, async () => {
        const endpoint = await fixedServer(200, claims());
        try {
          const verifier = new JosePlatformVerifier(only('line', lineConfig(endpoint.url)));
          await rejection(verifier.verify('line', await idp.sign({ sub: 'l-1' }, { alg: 'ES256' })), 'UNAUTHENTICATED');
        } finally {
          await endpoint.close();
        }
      });
    }

    it('trusts a consistent endpoint answer, even one a couple of seconds past expiry', async () => {
      const endpoint = await fixedServer(200, { iss: idp.issuer, sub: 'l-1', aud: idp.audience, exp: exp() - 602 });
      try {
        const verifier = new JosePlatformVerifier(only('line', lineConfig(endpoint.url)));
        const identity = await verifier.verify('line', await idp.sign({ sub: 'l-1' }, { alg: 'ES256' }));
        expect(identity).to.deep.equal({ provider: 'line', subject: 'l-1' });
      } finally {
        await endpoint.close();
      }
    });
  });
});
