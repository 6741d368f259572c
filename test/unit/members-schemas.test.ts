import { expect } from 'chai';
import { AppError } from '../../src/core/errors.js';
import { validate } from '../../src/schemas/common.js';
import * as S from '../../src/schemas/members.schemas.js';

const fields = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(AppError);
    return ((e as AppError).details as Array<{ field: string }>).map((d) => d.field);
  }
  return [];
};

const reg = (password: string, confirm = password) => ({
  auth_method: 'credentials',
  login_id: 'a@example.com',
  credentials: { password, password_confirm: confirm, account_type: 'email' },
});

describe('member schemas', () => {
  describe('passwords', () => {
    it('accepts 128 characters of any script and refuses 129, whatever their size in bytes', () => {
      for (const ch of ['a', 'é', '密', '😀']) {
        expect(fields(() => validate(S.register, reg(ch.repeat(128))))).to.deep.equal([]);
        expect(fields(() => validate(S.register, reg(ch.repeat(129))))).to.deep.equal(['credentials.password']);
      }
    });

    it('counts characters after NFC normalisation (an accent typed as two code points is one character)', () => {
      const nfd = 'e\u0301'.repeat(128); // 256 code points, 128 characters once composed
      expect(fields(() => validate(S.register, reg(nfd)))).to.deep.equal([]);
    });

    it('says the character limit in the message', () => {
      try {
        validate(S.register, reg('密碼'.repeat(65)));
        expect.fail('accepted');
      } catch (e) {
        expect((e as AppError).message).to.match(/at most 128 characters/);
      }
    });

    it('counts the 8-character minimum in characters (8 emoji pass, 7 do not)', () => {
      expect(fields(() => validate(S.register, reg('😀'.repeat(8))))).to.deep.equal([]);
      expect(fields(() => validate(S.register, reg('😀'.repeat(7))))).to.deep.equal(['credentials.password']);
    });

    it('does not trim passwords', () => {
      const v = validate(S.register, reg('  spaced pw  '));
      expect(v.credentials!.password).to.equal('  spaced pw  ');
    });
  });

  describe('login ids', () => {
    it('answers the normalised login id', () => {
      const v = validate(S.login, { auth_method: 'credentials', login_id: ' +886 912-345-678 ', credentials: { password: 'whatever1', account_type: 'phone' } });
      expect(v.login_id).to.equal('+886912345678');
    });

    it('drops password_confirm on login and the payload of the other method', () => {
      const v = validate(S.login, {
        auth_method: 'credentials',
        login_id: 'a@example.com',
        credentials: { password: 'whatever1', password_confirm: 'different', account_type: 'email' },
        platform: { provider: 'google', token: 'x' },
      });
      expect(v.credentials).to.deep.equal({ password: 'whatever1', account_type: 'email' });
      expect(v).to.not.have.property('platform');
    });
  });

  describe('birthdate', () => {
    const today = new Date().toISOString().slice(0, 10);
    const future = new Date(Date.now() + 3 * 86400_000).toISOString().slice(0, 10);
    for (const [v, ok] of [
      ['1993-04-17', true],
      ['2000-02-29', true],
      [today, true],
      ['1900-02-29', false],
      ['2023-02-29', false],
      ['1993-13-01', false],
      ['1993-04-31', false],
      ['1993-4-17', false],
      ['17/04/1993', false],
      [future, false],
    ] as const) {
      it(`${ok ? 'accepts' : 'refuses'} ${v}`, () => {
        expect(fields(() => validate(S.updateUserInfo, { birthdate: v }))).to.deep.equal(ok ? [] : ['birthdate']);
      });
    }
  });
});
