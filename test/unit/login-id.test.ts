import { expect } from 'chai';
import { loginIdType, normalizeEmail, normalizeLoginId, normalizePhone } from '../../src/core/members/login-id.js';

describe('login id normalisation', () => {
  describe('e-mail addresses', () => {
    it('lowercases and trims an e-mail address', () => {
      expect(normalizeEmail('  Alice.Smith+chat@Example.COM \t')).to.equal('alice.smith+chat@example.com');
    });

    for (const bad of ['alice', 'alice@', '@example.com', 'alice@example', 'al ice@example.com', 'alice@@example.com', 'alice@exa_mple.com', '.alice@example.com', 'alice.@example.com', 'a..b@example.com', 'alice@-example.com', 'alice@example.c0m', 'älice@example.com']) {
      it(`refuses ${JSON.stringify(bad)} as an e-mail address`, () => {
        expect(normalizeEmail(bad)).to.equal(null);
      });
    }
  });

  describe('phone numbers', () => {
    it('strips spaces, dashes and parentheses into canonical E.164', () => {
      expect(normalizePhone(' +886 (912) 345-678 ')).to.equal('+886912345678');
    });

    it('accepts the shortest (8 digits) and the longest (15 digits) E.164 numbers', () => {
      expect(normalizePhone('+12345678')).to.equal('+12345678');
      expect(normalizePhone('+123456789012345')).to.equal('+123456789012345');
    });

    for (const bad of ['0912345678', '886912345678', '+1234567', '+1234567890123456', '+0912345678', '+886.912.345.678', '+886-912-abc', '++886912345678', '+']) {
      it(`refuses ${JSON.stringify(bad)} as a phone number`, () => {
        expect(normalizePhone(bad)).to.equal(null);
      });
    }
  });

  describe('account types', () => {
    it('reads an id with an @ as an e-mail address when the type is any', () => {
      expect(normalizeLoginId('Bob@Example.com', 'any')).to.deep.equal({ id: 'bob@example.com', type: 'email' });
    });

    it('reads an id without an @ as a phone number when the type is any', () => {
      expect(normalizeLoginId('+1 (415) 555-0100', 'any')).to.deep.equal({ id: '+14155550100', type: 'phone' });
    });

    it('refuses a phone number when the type is email, and an e-mail address when the type is phone', () => {
      expect(normalizeLoginId('+14155550100', 'email')).to.equal(null);
      expect(normalizeLoginId('bob@example.com', 'phone')).to.equal(null);
    });

    it('tells the type of a normalised id', () => {
      expect(loginIdType('+14155550100')).to.equal('phone');
      expect(loginIdType('bob@example.com')).to.equal('email');
    });
  });
});
