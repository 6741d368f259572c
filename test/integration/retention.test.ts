import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { startServer, type TestServer } from '../support/server.js';
import { http, matchedPair } from '../support/clients.js';
import { report, staff } from '../support/moderation.js';
import { RetentionJob } from '../../src/core/chat/retention.service.js';
import { RetentionRepo } from '../../src/store/retention.repo.js';

describe('retention (MESSAGE_RETENTION_DAYS)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  const say = (token: string, roomId: string, content: string) =>
    http(server, 'POST', `/api/v1/rooms/${roomId}/messages`, { token, body: { content, client_msg_id: randomUUID() } });
  const count = async (roomId: string) => Number(((await server.app.db.knex('messages').where({ room_id: roomId }).count({ n: '*' })) as Array<{ n: string | number }>)[0]!.n);
  const job = (days: number) => new RetentionJob(new RetentionRepo(server.app.db.knex), { now: () => Date.now() }, days, pino({ level: 'silent' }));

  it('deletes the messages of rooms closed longer ago than the retention, keeps the rest and the evidence of reports', async () => {
    const old = await matchedPair(server);
    await say(old.a.token, old.roomId, 'old news');
    const reportId = (await report(server, old.b.token, old.roomId)).body.report_id as string; // closes the room
    const recent = await matchedPair(server);
    await say(recent.a.token, recent.roomId, 'fresh');
    await http(server, 'POST', `/api/v1/rooms/${recent.roomId}/leave`, { token: recent.a.token });
    const open = await matchedPair(server);
    await say(open.a.token, open.roomId, 'still chatting');
    await server.app.db.knex('rooms').where({ id: old.roomId }).update({ closed_at: new Date(Date.now() - 31 * 86_400_000) });
    await server.app.db.knex('rooms').where({ id: open.roomId }).update({ created_at: new Date(Date.now() - 90 * 86_400_000) });

    expect(await job(30).run()).to.be.at.least(1);
    expect(await count(old.roomId)).to.equal(0);
    expect(await count(recent.roomId)).to.equal(1);
    expect(await count(open.roomId)).to.equal(1);
    const mod = await staff(server);
    const evidence = (await http(server, 'GET', `/api/v1/admin/reports/${reportId}`, { token: mod.access_token })).body.evidence;
    expect(evidence.map((m: { content: string }) => m.content)).to.deep.equal(['old news']);
  });

  it('keeps everything when the retention is 0', async () => {
    const p = await matchedPair(server);
    await say(p.a.token, p.roomId, 'forever');
    await http(server, 'POST', `/api/v1/rooms/${p.roomId}/leave`, { token: p.a.token });
    await server.app.db.knex('rooms').where({ id: p.roomId }).update({ closed_at: new Date(Date.now() - 3650 * 86_400_000) });
    expect(await job(0).run()).to.equal(0);
    expect(await count(p.roomId)).to.equal(1);
  });
});
