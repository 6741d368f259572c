import { expect } from 'chai';
import { SignJWT } from 'jose';
import type { ProviderConfig } from '../../src/config.js';
import { isAppError } from '../../src/core/errors.js';
import { JosePlatformVerifier } from '../../src/infra/platform-verifier.js';
import { startOidcIssuer, type OidcIssuer } from '../support/oidc-issuer.js';

/** LINE's web login signs ID tokens with HS256 under the channel secret: accepted with that secret only. */
describe('JosePlatformVerifier: LINE web-login tokens (HS256 under the channel secret)', () => {
  let idp: OidcIssuer;
  before(async () => {
    idp = await startOidcIssuer();
  });
  after(async () => idp.close());

  const line = (clientSecret?: string): ProviderConfig => ({ clientId: idp.audience, issuer: idp.issuer, jwksUrl: idp.jwksUrl, ...(clientSecret ? { clientSecret } : {}) });
  const hs256 = (secret: string, claims: Record<string, unknown> = {}) =>
    new SignJWT({ iss: idp.issuer, aud: idp.audience, sub: 'line-user', nonce: 'n-123', ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(secret));
  const codeOf = (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (isAppError(e) ? e.code : String(e)));

  it('accepts a token signed with the configured channel secret, and reads its nonce', async () => {
    const verifier = new JosePlatformVerifier({ google: undefined, apple: undefined, line: line(idp.clientSecret) });
    const identity = await verifier.verify('line', await hs256(idp.clientSecret, { email: 'a@example.com' }));
    expect(identity).to.deep.equal({ provider: 'line', subject: 'line-user', email: 'a@example.com', emailVerified: true, nonce: 'n-123' });
  });

  it('refuses a token signed with another secret, or for another channel', async () => {
    const verifier = new JosePlatformVerifier({ google: undefined, apple: undefined, line: line(idp.clientSecret) });
    expect(await codeOf(verifier.verify('line', await hs256('someone-elses-secret')))).to.equal('UNAUTHENTICATED');
    expect(await codeOf(verifier.verify('line', await hs256(idp.clientSecret, { aud: 'other-channel' })))).to.equal('UNAUTHENTICATED');
  });

  it('refuses HS256 altogether when no channel secret is configured, and for the other providers', async () => {
    const token = await hs256(idp.clientSecret);
    expect(await codeOf(new JosePlatformVerifier({ google: undefined, apple: undefined, line: line() }).verify('line', token))).to.equal('UNAUTHENTICATED');
    const google = new JosePlatformVerifier({ google: line(idp.clientSecret), apple: undefined, line: undefined });
    expect(await codeOf(google.verify('google', token))).to.equal('UNAUTHENTICATED');
  });

  it('still accepts LINE tokens signed with the key set (ES256 from the LINE SDK) when a secret is set', async () => {
    const verifier = new JosePlatformVerifier({ google: undefined, apple: undefined, line: line(idp.clientSecret) });
    expect((await verifier.verify('line', await idp.sign({ sub: 'sdk-user' }, { alg: 'ES256' }))).subject).to.equal('sdk-user');
  });
});
