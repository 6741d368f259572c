import { expect } from 'chai';
import bcrypt from 'bcrypt';
import { pino } from 'pino';
import type { Knex } from 'knex';
import { AppError } from '../../src/core/errors.js';
import type { Ctx } from '../../src/core/context.js';
import type { RateBucket, RateLimiter } from '../../src/core/ports.js';
import { CredentialsService, type CredentialsDeps } from '../../src/core/members/credentials.service.js';
import { BcryptHasher, Passwords, type PasswordHasher } from '../../src/core/members/passwords.js';
import type { MemberAccountRow } from '../../src/store/members.repo.js';
import type { TokenPair } from '../../src/core/auth/sessions.service.js';
import type { AuditEvent, AuditFields } from '../../src/store/audit.repo.js';
import type { LoginReq } from '../../src/schemas/members.schemas.js';

/**
 * A hasher that records every comparison, and which hash it was made against. Its hashes are
 * `h(plain)`; `weak:h(plain)` stands for one made with weaker settings (a lower bcrypt cost).
 */
class CountingHasher implements PasswordHasher {
  readonly hashed: string[] = [];
  readonly compared: Array<{ plain: string; hash: string }> = [];
  /** Runs inside hash(): a test can change the stored password "meanwhile", or make hashing fail. */
  onHash: () => void = () => undefined;
  async hash(plain: string): Promise<string> {
    this.hashed.push(plain);
    this.onHash();
    return `h(${plain})`;
  }
  async verify(plain: string, hash: string): Promise<boolean> {
    this.compared.push({ plain, hash });
    return hash === `h(${plain})` || hash === `weak:h(${plain})`;
  }
  outdated(hash: string): boolean {
    return hash.startsWith('weak:');
  }
}

const PEPPER = Buffer.alloc(32, 7);

const ctx: Ctx = { requestId: 't', ip: '203.0.113.7', log: pino({ level: 'silent' }) };

const account = (over: Partial<MemberAccountRow> = {}): MemberAccountRow => ({
  user_id: 'u-1',
  login_id: 'alice@example.com',
  login_type: 'email',
  password_hash: 'h(right password)',
  is_email_verified: false,
  is_phone_verified: false,
  created_at: new Date(),
  updated_at: new Date(),
  ...over,
});

const loginReq = (password: string, loginId = 'alice@example.com'): LoginReq => ({
  auth_method: 'credentials',
  login_id: loginId,
  credentials: { password, account_type: 'email' },
});

function setup(accounts: MemberAccountRow[]) {
  const hasher = new CountingHasher();
  const audits: Array<{ event: AuditEvent; f: AuditFields }> = [];
  const limits: Array<{ op: string; bucket: RateBucket; key: string }> = [];
  const replacements: Array<{ uid: string; old: string; hash: string }> = [];
  const limiter: RateLimiter = {
    consume: async (bucket, key) => void limits.push({ op: 'consume', bucket, key }),
    reset: async (bucket, key) => void limits.push({ op: 'reset', bucket, key }),
  };
  const deps: CredentialsDeps = {
    db: null as unknown as Knex, // login never opens a transaction
    users: { insert: async () => expect.fail('login must not create users') },
    accounts: {
      insert: async () => expect.fail('login must not create accounts'),
      exists: async (id) => accounts.some((a) => a.login_id === id),
      findByLoginId: async (id) => {
        const a = accounts.find((row) => row.login_id === id);
        return a ? { ...a } : null; // a snapshot, as a database read is
      },
      replacePasswordHash: async (uid, old, hash) => {
        replacements.push({ uid, old, hash });
        const a = accounts.find((row) => row.user_id === uid && row.password_hash === old);
        if (a) a.password_hash = hash;
        return !!a;
      },
    },
    passwords: new Passwords(hasher, PEPPER),
    sessions: { start: async (uid): Promise<TokenPair> => ({ uid, sid: 's', accessToken: 'a', realtimeToken: 'r', refreshToken: 'rt', expireAt: 0 }) },
    limiter,
    audit: { record: async (event, f = {}) => void audits.push({ event, f }) },
  };
  return { service: new CredentialsService(deps), hasher, audits, limits, replacements, passwords: deps.passwords };
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(AppError);
    return e as AppError;
  }
  return expect.fail('expected a rejection');
}

describe('CredentialsService login', () => {
  it('makes exactly one comparison, against a dummy hash, for an unknown login id', async () => {
    const { service, hasher } = setup([account()]);
    const err = await rejection(service.login(ctx, loginReq('whatever1', 'nobody@example.com')));
    expect(err.code).to.equal('UNAUTHENTICATED');
    expect(hasher.compared).to.have.length(1);
    // The dummy is a real hash made at start-up (so it costs the same as a stored one).
    expect(hasher.hashed).to.have.length(1);
    expect(hasher.compared[0]!.hash).to.equal(`h(${hasher.hashed[0]})`);
  });

  it('makes exactly one comparison, against the stored hash, for a wrong password', async () => {
    const { service, hasher } = setup([account()]);
    await rejection(service.login(ctx, loginReq('wrong password')));
    expect(hasher.compared).to.deep.equal([{ plain: 'wrong password', hash: 'h(right password)' }]);
  });

  it('gives an unknown login id and a wrong password the very same error', async () => {
    const { service } = setup([account()]);
    const unknown = await rejection(service.login(ctx, loginReq('right password', 'nobody@example.com')));
    const wrong = await rejection(service.login(ctx, loginReq('wrong password')));
    expect([unknown.code, unknown.message, unknown.details]).to.deep.equal([wrong.code, wrong.message, wrong.details]);
  });

  it('refuses a password-less (platform) account after one dummy comparison, even when the password equals the dummy', async () => {
    const { service, hasher } = setup([account({ password_hash: null })]);
    await rejection(service.login(ctx, loginReq('anything1')));
    expect(hasher.compared).to.have.length(1);
    const dummyPlain = hasher.hashed[0]!;
    // Even the dummy's own plaintext must not let anyone into an account without a password.
    const err = await rejection(service.login(ctx, loginReq(dummyPlain)));
    expect(err.code).to.equal('UNAUTHENTICATED');
  });

  it('audits failed logins and says whether the id was known (the client is not told)', async () => {
    const { service, audits } = setup([account()]);
    await rejection(service.login(ctx, loginReq('wrong password')));
    await rejection(service.login(ctx, loginReq('wrong password', 'nobody@example.com')));
    expect(audits.map((a) => [a.event, a.f.userId, (a.f.detail as { reason: string }).reason, a.f.ip])).to.deep.equal([
      ['login_failed', 'u-1', 'wrong_password', ctx.ip],
      ['login_failed', null, 'unknown_login_id', ctx.ip],
    ]);
  });

  it('rate-limits by client address, and by address and login id, giving only the latter back after a success', async () => {
    const { service, limits } = setup([account()]);
    const out = await service.login(ctx, loginReq('right password'));
    expect(out).to.deep.equal({ uid: 'u-1', access_token: 'a', refresh_token: 'rt', token_type: 'Bearer' });
    expect(limits).to.deep.equal([
      { op: 'consume', bucket: 'auth_client', key: '203.0.113.7' },
      { op: 'consume', bucket: 'auth_login', key: '203.0.113.7|alice@example.com' },
      { op: 'reset', bucket: 'auth_login', key: '203.0.113.7|alice@example.com' },
    ]);
  });
});

describe('CredentialsService login: upgrading old password hashes', () => {
  const V1 = '$gby1$';

  it('replaces a hash from before the pepper by a current one, compare-and-set on the old hash', async () => {
    const legacy = account(); // 'h(right password)': no $gby1$ prefix
    const { service, hasher, replacements, passwords } = setup([legacy]);
    await service.login(ctx, loginReq('right password'));
    expect(hasher.compared).to.have.length(1);
    expect(replacements).to.have.length(1);
    expect(replacements[0]).to.include({ uid: 'u-1', old: 'h(right password)' });
    expect(legacy.password_hash).to.equal(replacements[0]!.hash).and.match(/^\$gby1\$h\(/);
    expect(await passwords.verify('right password', legacy.password_hash)).to.equal(true);
    expect(passwords.needsUpgrade(legacy.password_hash!)).to.equal(false);
  });

  it('replaces a peppered hash made at a lower cost', async () => {
    const { passwords } = setup([]);
    const current = await passwords.hash('right password');
    const weak = V1 + 'weak:' + current.slice(V1.length);
    const row = account({ password_hash: weak });
    const { service, replacements } = setup([row]);
    await service.login(ctx, loginReq('right password'));
    expect(replacements.map((r) => [r.old, r.hash])).to.deep.equal([[weak, current]]);
    expect(row.password_hash).to.equal(current);
  });

  it('leaves a current hash alone: one comparison, no hash, no write', async () => {
    const { passwords } = setup([]);
    const { service, hasher, replacements } = setup([account({ password_hash: await passwords.hash('right password') })]);
    const before = hasher.hashed.length; // the dummy hash made at start-up
    await service.login(ctx, loginReq('right password'));
    expect([hasher.compared.length, hasher.hashed.length - before, replacements.length]).to.deep.equal([1, 0, 0]);
  });

  it('never overwrites a password changed while the upgrade was hashing', async () => {
    const row = account();
    const { service, hasher, replacements } = setup([row]);
    const before = hasher.hashed.length;
    hasher.onHash = () => {
      if (hasher.hashed.length > before) row.password_hash = `${V1}h(the new password)`;
    };
    const out = await service.login(ctx, loginReq('right password'));
    expect(out.uid).to.equal('u-1');
    expect(replacements).to.have.length(1);
    expect(row.password_hash).to.equal(`${V1}h(the new password)`);
  });

  it('still logs in when the upgrade fails (say the hashing queue is full)', async () => {
    const row = account();
    const { service, hasher, replacements } = setup([row]);
    hasher.onHash = () => {
      throw new AppError('UNAVAILABLE', 'the server is busy hashing passwords');
    };
    const out = await service.login(ctx, loginReq('right password'));
    expect(out.uid).to.equal('u-1');
    expect(replacements).to.deep.equal([]);
    expect(row.password_hash).to.equal('h(right password)');
  });
});

describe('Passwords with bcrypt', () => {
  const passwords = new Passwords(new BcryptHasher(4), PEPPER);

  it('hashes with bcrypt at the configured cost and verifies the password', async () => {
    const h = await passwords.hash('correct horse 1');
    expect(h).to.match(/^\$gby1\$\$2[aby]\$04\$/);
    expect(await passwords.verify('correct horse 1', h)).to.equal(true);
    expect(await passwords.verify('correct horse 2', h)).to.equal(false);
  });

  it('asks for an upgrade of a hash at a lower cost or without the pepper, not of a current one', async () => {
    const stronger = new Passwords(new BcryptHasher(5), PEPPER);
    const atFour = await passwords.hash('correct horse 1');
    expect(passwords.needsUpgrade(atFour)).to.equal(false);
    expect(stronger.needsUpgrade(atFour)).to.equal(true);
    expect(await stronger.verify('correct horse 1', atFour)).to.equal(true);
    expect(passwords.needsUpgrade(await bcrypt.hash('correct horse 1', 4))).to.equal(true);
    expect(passwords.needsUpgrade('$gby1$not a bcrypt hash')).to.equal(false);
  });

  it('answers false for a missing hash', async () => {
    expect(await passwords.verify('correct horse 1', null)).to.equal(false);
    expect(await passwords.verify('correct horse 1', undefined)).to.equal(false);
  });
});
