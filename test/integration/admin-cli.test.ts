import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createDatabase } from '../../src/store/db.js';
import { MembersRepo } from '../../src/store/members.repo.js';
import { UsersRepo } from '../../src/store/users.repo.js';

/** Runs `admin-cli grant ...` as `npm run admin` does (from sources here), on the test's database. */
function cli(env: Record<string, string>, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/admin-cli.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

describe('npm run admin -- grant <login_id> <role>', function () {
  // Each case starts the CLI as a process (through tsx), and the first database of a run is a fresh
  // embedded template: slow on a busy machine, and not what these tests measure.
  this.timeout(120_000);
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => db.drop());

  it('gives an existing member the role (login id matched as stored, e.g. any case of an e-mail)', async () => {
    const d = createDatabase({ databaseUrl: db.env.DATABASE_URL, dataDir: db.env.DATA_DIR!, log: pino({ level: 'silent' }) });
    await d.migrate();
    await new UsersRepo(d.knex).insert({ id: 'u-boss', kind: 'member', platform: 'credentials', name: 'boss' });
    await new MembersRepo(d.knex).insert({ user_id: 'u-boss', login_id: 'boss@example.com', login_type: 'email', password_hash: null });
    await d.close();

    const r = await cli(db.env, ['grant', 'Boss@Example.com', 'admin']);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.contain('admin');

    const after = createDatabase({ databaseUrl: db.env.DATABASE_URL, dataDir: db.env.DATA_DIR!, log: pino({ level: 'silent' }) });
    try {
      expect((await new UsersRepo(after.knex).findById('u-boss'))?.role).to.equal('admin');
    } finally {
      await after.close();
    }
  });

  it('exits non-zero with a clear message for an unknown login id or role, and shows usage for bad arguments', async () => {
    const unknown = await cli(db.env, ['grant', 'nobody@example.com', 'admin']);
    expect(unknown.code).to.equal(1);
    expect(unknown.err).to.match(/no member account has the login id "nobody@example.com"/);
    const role = await cli(db.env, ['grant', 'nobody@example.com', 'root']);
    expect(role.code).to.equal(1);
    expect(role.err).to.match(/unknown role "root"/);
    const usage = await cli(db.env, ['promote', 'x']);
    expect(usage.code).to.equal(2);
    expect(usage.err).to.match(/^usage: npm run admin -- grant/);
  });
});
