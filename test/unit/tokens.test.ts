import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { generateKeyPairSync } from 'node:crypto';
import { TokenService, deriveKey, safeEqual } from '../../src/core/auth/tokens.js';
import { AppError } from '../../src/core/errors.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123';

describe('TokenService', () => {
  const tokens = new TokenService(SECRET, 900);
  const claims = { uid: 'u1', sid: 's1', gen: 3, kind: 'anon' as const, iatSec: Math.floor(Date.now() / 1000) };

  const fails = (fn: () => unknown, code = 'UNAUTHENTICATED') => {
    try {
      fn();
    } catch (e) {
      expect(e).to.be.instanceOf(AppError);
      expect((e as AppError).code).to.equal(code);
      return;
    }
    expect.fail('expected an AppError');
  };

  it('signs deterministically for the same session, generation and issue time', () => {
    expect(tokens.signAccess(claims, 'access')).to.deep.equal(tokens.signAccess(claims, 'access'));
    expect(tokens.signAccess(claims, 'access').token).to.not.equal(tokens.signAccess(claims, 'rt').token);
  });

  it('verifies its own tokens and returns the claims', () => {
    const { token, exp } = tokens.signAccess(claims, 'access');
    const c = tokens.verifyAccess(token, { types: ['access'] });
    expect(c).to.include({ sub: 'u1', sid: 's1', gen: 3, knd: 'anon', typ: 'access', exp });
  });

  it('refuses a token of a type the caller does not accept', () => {
    const { token } = tokens.signAccess(claims, 'rt');
    fails(() => tokens.verifyAccess(token, { types: ['access'] }));
  });

  it('refuses expired tokens unless asked to allow them', () => {
    const { token } = tokens.signAccess({ ...claims, iatSec: claims.iatSec - 10_000 }, 'access');
    fails(() => tokens.verifyAccess(token, { types: ['access'] }));
    expect(tokens.verifyAccess(token, { types: ['access'], allowExpired: true }).sub).to.equal('u1');
  });

  it('refuses alg none, other HMAC keys, RS256 and key-confusion tokens', () => {
    const payload = { sub: 'u1', sid: 's1', gen: 0, knd: 'anon', typ: 'access', iss: 'gaobinyou' };
    const none = jwt.sign(payload, '', { algorithm: 'none' });
    const other = jwt.sign(payload, 'another-secret', { algorithm: 'HS256' });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs = jwt.sign(payload, privateKey, { algorithm: 'RS256' });
    const hs512 = jwt.sign(payload, deriveKey(SECRET, 'jwt'), { algorithm: 'HS512' });
    for (const t of [none, other, rs, hs512, 'not.a.jwt', '']) fails(() => tokens.verifyAccess(t, { types: ['access'] }));
    void publicKey;
  });

  it('refuses tokens that lack the claims the server relies on', () => {
    const key = deriveKey(SECRET, 'jwt');
    const bad = jwt.sign({ sub: 'u1', typ: 'access', iss: 'gaobinyou' }, key, { algorithm: 'HS256', expiresIn: 60 });
    fails(() => tokens.verifyAccess(bad, { types: ['access'] }));
    const wrongIss = jwt.sign({ sub: 'u1', sid: 's', gen: 0, knd: 'anon', typ: 'access', iss: 'evil' }, key, { algorithm: 'HS256', expiresIn: 60 });
    fails(() => tokens.verifyAccess(wrongIss, { types: ['access'] }));
  });

  it('round-trips refresh tokens and refuses tampered ones', () => {
    const t = tokens.refreshToken('s1', 4);
    expect(tokens.isRefreshToken(t)).to.equal(true);
    expect(tokens.parseRefresh(t)).to.deep.equal({ sid: 's1', gen: 4 });
    expect(tokens.parseRefresh(t.replace('.4.', '.5.'))).to.equal(null);
    expect(tokens.parseRefresh(t.replace('s1', 's2'))).to.equal(null);
    expect(tokens.parseRefresh(`${t}x`)).to.equal(null);
    expect(new TokenService('another-master-secret-of-enough-length', 900).parseRefresh(t)).to.equal(null);
  });

  it('compares in constant time only equal-length strings as equal', () => {
    expect(safeEqual('abc', 'abc')).to.equal(true);
    expect(safeEqual('abc', 'abd')).to.equal(false);
    expect(safeEqual('abc', 'abcd')).to.equal(false);
  });
});
