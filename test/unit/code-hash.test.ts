import { expect } from 'chai';
import { deriveKey } from '../../src/core/auth/tokens.js';
import { CODE_PATTERN, generateCode, hashCode } from '../../src/core/members/code-hash.js';

describe('one-time code generation and hashing', () => {
  const key = deriveKey('a-master-secret-that-is-long-enough-123', 'codes');

  it('generates 6-digit codes, keeping leading zeros, across the whole range', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const c = generateCode();
      expect(c).to.match(CODE_PATTERN);
      seen.add(c[0]!);
    }
    // With 5000 draws every leading digit 0..9 shows up (a missing 0 would mean lost zero padding).
    expect([...seen].sort().join('')).to.equal('0123456789');
  });

  it('hashes the same code, purpose and identifier to the same value', () => {
    expect(hashCode(key, 'password_reset', 'a@example.com', '012345')).to.equal(hashCode(key, 'password_reset', 'a@example.com', '012345'));
  });

  it('never stores the code itself', () => {
    const h = hashCode(key, 'password_reset', 'a@example.com', '012345');
    expect(h).to.not.include('012345');
    expect(h).to.have.length.greaterThan(40);
  });

  it('binds the hash to the purpose, the identifier, the code and the key', () => {
    const base = hashCode(key, 'password_reset', 'a@example.com', '012345');
    expect(hashCode(key, 'email_verification', 'a@example.com', '012345')).to.not.equal(base);
    expect(hashCode(key, 'password_reset', 'b@example.com', '012345')).to.not.equal(base);
    expect(hashCode(key, 'password_reset', 'a@example.com', '012346')).to.not.equal(base);
    expect(hashCode(deriveKey('another-master-secret-long-enough-456', 'codes'), 'password_reset', 'a@example.com', '012345')).to.not.equal(base);
  });

  it('uses a key derived for codes, different from the JWT key', () => {
    expect(deriveKey('same-secret-same-secret-same-secret!', 'codes').equals(deriveKey('same-secret-same-secret-same-secret!', 'jwt'))).to.equal(false);
  });
});
