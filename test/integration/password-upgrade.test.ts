import { expect } from 'chai';
import bcrypt from 'bcrypt';
import { MembersRepo } from '../../src/store/members.repo.js';
import { startServer, type TestServer } from '../support/server.js';
import { credentialsReq, login, PASSWORD, registerMember } from '../support/members.js';

/** Old password hashes are replaced at login (docs/security.md, "Passwords"), on the real store. */
describe('password hashes made with older settings are upgraded at login', () => {
  let server: TestServer;
  let repo: MembersRepo;
  before(async () => {
    server = await startServer();
    repo = new MembersRepo(server.app.db.knex);
  });
  after(async () => server?.close());

  const storedHash = async (uid: string) => (await repo.findByUserId(uid))!.password_hash!;

  it('replaces a hash from before the pepper with a current one, and the password keeps working', async () => {
    const m = await registerMember(server);
    const legacy = await bcrypt.hash(PASSWORD, 4);
    await server.app.db.knex('member_accounts').where({ user_id: m.uid }).update({ password_hash: legacy });

    expect((await login(server, credentialsReq(m.login_id, PASSWORD))).status).to.equal(200);
    const upgraded = await storedHash(m.uid);
    expect(upgraded).to.match(/^\$gby1\$\$2[aby]\$04\$/);
    expect((await login(server, credentialsReq(m.login_id, PASSWORD))).status).to.equal(200);
    expect(await storedHash(m.uid)).to.equal(upgraded); // current now: left alone
    expect((await login(server, credentialsReq(m.login_id, 'not the password'))).status).to.equal(401);
  });

  it('writes the new hash only over the old one (compare-and-set), never over a password changed meanwhile', async () => {
    const m = await registerMember(server);
    const current = await storedHash(m.uid);
    expect(await repo.replacePasswordHash(m.uid, 'a hash that is no longer stored', 'upgrade')).to.equal(false);
    expect(await storedHash(m.uid)).to.equal(current);
    expect(await repo.replacePasswordHash(m.uid, current, 'upgrade')).to.equal(true);
    expect(await storedHash(m.uid)).to.equal('upgrade');
  });
});
