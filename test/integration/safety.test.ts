import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, emit, http, matchedPair, waitFor, type AnonUser } from '../support/clients.js';
import { auditByActor, report } from '../support/moderation.js';

const join = (s: TestServer, u: AnonUser) => http(s, 'POST', '/api/v1/matchmaking/join', { token: u.token });
const send = (s: TestServer, u: AnonUser, roomId: string, content: string) =>
  http(s, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: u.token, body: { content, client_msg_id: randomUUID() } });

describe('safety: report and block', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  describe('report (REST)', () => {
    it('stores the report with the last messages as evidence, closes the room for both and never tells the partner why', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const sb = await connect(server, '/rooms', b.token);
      await send(server, b, roomId, 'you are awful');
      await send(server, a, roomId, 'please stop');
      const closed = waitFor(sb, 'room_closed');
      const r = await report(server, a.token, roomId, { reason: 'harassment', note: 'insults' });
      expect(r.status).to.equal(201);
      expect(r.body).to.have.keys(['report_id']);
      const ev = await closed;
      expect(ev).to.deep.equal({ room_id: roomId, by: a.uid });
      sb.close();
      const row = await server.app.db.knex('reports').where({ id: r.body.report_id }).first();
      expect(row).to.include({ reporter_id: a.uid, reported_id: b.uid, reason: 'harassment', note: 'insults', status: 'open' });
      const evidence = typeof row.evidence === 'string' ? JSON.parse(row.evidence) : row.evidence;
      expect(evidence.map((m: { content: string }) => m.content)).to.deep.equal(['you are awful', 'please stop']);
      expect((await send(server, b, roomId, 'still there?')).status).to.equal(409);
    });

    it('keeps only the last 50 messages as evidence, oldest first', async () => {
      const { a, b, roomId } = await matchedPair(server);
      for (let i = 1; i <= 55; i++) await send(server, i % 2 ? a : b, roomId, `m${i}`);
      const r = await report(server, b.token, roomId, { reason: 'spam' });
      const row = await server.app.db.knex('reports').where({ id: r.body.report_id }).first();
      const evidence = typeof row.evidence === 'string' ? JSON.parse(row.evidence) : row.evidence;
      expect(evidence).to.have.length(50);
      expect(evidence[0].content).to.equal('m6');
      expect(evidence[49].content).to.equal('m55');
    });

    it('answers 409 when the same user reports the same room again, and lets the partner report it too', async () => {
      const { a, b, roomId } = await matchedPair(server);
      expect((await report(server, a.token, roomId)).status).to.equal(201);
      const again = await report(server, a.token, roomId);
      expect(again.status).to.equal(409);
      expect(again.body.code).to.equal('CONFLICT');
      expect((await report(server, b.token, roomId, { reason: 'other' })).status).to.equal(201);
    });

    it('answers 403 to someone who is not a member and 404 for an unknown room', async () => {
      const { roomId } = await matchedPair(server);
      const c = await anonLogin(server);
      expect((await report(server, c.token, roomId)).status).to.equal(403);
      expect((await report(server, c.token, randomUUID())).status).to.equal(404);
    });

    it('answers 400 naming the fields for a bad reason or a note over 500 characters', async () => {
      const { a, roomId } = await matchedPair(server);
      const r = await report(server, a.token, roomId, { reason: 'rude', note: 'x'.repeat(501) });
      expect(r.status).to.equal(400);
      expect(r.body.error.map((e: { field: string }) => e.field).sort()).to.deep.equal(['note', 'reason']);
      expect((await report(server, a.token, roomId, {})).body.error[0].field).to.equal('reason');
    });

    it('never matches the reporter with the reported user again', async () => {
      const { a, b, roomId } = await matchedPair(server);
      await report(server, a.token, roomId);
      expect((await join(server, a)).body.status).to.equal('waiting');
      expect((await join(server, b)).body.status).to.equal('waiting');
      const c = await anonLogin(server);
      const jc = await join(server, c);
      expect(jc.body.status).to.equal('matched');
      await http(server, 'POST', '/api/v1/matchmaking/leave', { token: a.token });
      await http(server, 'POST', '/api/v1/matchmaking/leave', { token: b.token });
      await http(server, 'POST', '/api/v1/matchmaking/leave', { token: c.token });
    });

    it('is in the audit log with the reporter as the actor', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const r = await report(server, a.token, roomId, { reason: 'hate' });
      const events = await auditByActor(server, a.uid);
      expect(events.map((e) => e.event)).to.include.members(['report_created']);
      expect(events.find((e) => e.event === 'report_created')!.detail).to.include({ report_id: r.body.report_id, target: b.uid, reason: 'hate' });
    });
  });

  describe('report (socket)', () => {
    it('answers {report_id} through the /rooms socket, the same operation as REST', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const sa = await connect(server, '/rooms', a.token);
      const ack = await emit(sa, 'report', { room_id: roomId, reason: 'sexual' });
      expect(ack.ok).to.equal(true);
      expect(ack.data).to.have.keys(['report_id']);
      const again = await emit(sa, 'report', { room_id: roomId, reason: 'sexual' });
      expect(again).to.deep.include({ ok: false });
      expect(again.error!.code).to.equal('CONFLICT');
      const bad = await emit(sa, 'report', { room_id: roomId, reason: 42 });
      expect(bad.error!.code).to.equal('INVALID_ARGUMENT');
      expect(sa.connected).to.equal(true);
      sa.close();
      expect((await send(server, b, roomId, 'hi')).status).to.equal(409);
    });
  });

  describe('blocks', () => {
    const blocks = (u: AnonUser) => http(server, 'GET', '/api/v1/user/me/blocks', { token: u.token });
    const block = (u: AnonUser, uid: unknown) => http(server, 'POST', '/api/v1/user/me/blocks', { token: u.token, body: { uid } });

    it('lists blocks newest first with names; blocking again is harmless; unblocking twice too', async () => {
      const me = await anonLogin(server, 'me');
      const x = await anonLogin(server, 'xena');
      const y = await anonLogin(server, 'yuri');
      expect((await block(me, x.uid)).body).to.deep.equal({ code: 'OK', message: 'ok' });
      expect((await block(me, y.uid)).status).to.equal(200);
      expect((await block(me, x.uid)).status).to.equal(200);
      const list = await blocks(me);
      expect(list.body.data.map((b: { uid: string; name: string }) => [b.uid, b.name])).to.deep.equal([[y.uid, 'yuri'], [x.uid, 'xena']]);
      expect(list.body.data[0].created_at).to.match(/^\d{4}-\d\d-\d\dT/);
      for (let i = 0; i < 2; i++) expect((await http(server, 'DELETE', `/api/v1/user/me/blocks/${y.uid}`, { token: me.token })).status).to.equal(200);
      expect((await blocks(me)).body.data.map((b: { uid: string }) => b.uid)).to.deep.equal([x.uid]);
    });

    it('answers 400 for yourself or a malformed uid, 404 for nobody', async () => {
      const me = await anonLogin(server);
      const self = await block(me, me.uid);
      expect(self.status).to.equal(400);
      expect(self.body.error[0].field).to.equal('uid');
      expect((await block(me, 12)).body.error[0].field).to.equal('uid');
      expect((await block(me, '')).status).to.equal(400);
      expect((await block(me, randomUUID())).status).to.equal(404);
    });

    it('blocking the partner closes the open room; the pair is never matched again until unblocked', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const sb = await connect(server, '/rooms', b.token);
      const closed = waitFor(sb, 'room_closed');
      expect((await block(b, a.uid)).status).to.equal(200);
      expect(await closed).to.deep.equal({ room_id: roomId, by: b.uid });
      sb.close();
      expect((await join(server, a)).body.status).to.equal('waiting');
      expect((await join(server, b)).body.status).to.equal('waiting');
      await http(server, 'POST', '/api/v1/matchmaking/leave', { token: a.token });
      await http(server, 'POST', '/api/v1/matchmaking/leave', { token: b.token });
    });

    it('after an unblock the pair can be matched again', async () => {
      const x = await anonLogin(server);
      const y = await anonLogin(server);
      await block(x, y.uid);
      try {
        expect((await join(server, x)).body.status).to.equal('waiting');
        expect((await join(server, y)).body.status).to.equal('waiting');
        await http(server, 'DELETE', `/api/v1/user/me/blocks/${y.uid}`, { token: x.token });
        // Joining again pairs them, unless the periodic sweep already did: matched either way. When
        // the sweep took both out of the queue a moment before this join, the room is being opened
        // as the join answers `waiting`; the status then turns to matched within a sweep.
        let again = (await join(server, y)).body as { status: string; room_id?: string };
        for (let i = 0; i < 50 && again.status !== 'matched'; i++) {
          await new Promise((r) => setTimeout(r, 100));
          again = (await http(server, 'GET', '/api/v1/matchmaking/status', { token: y.token })).body;
        }
        expect(again.status).to.equal('matched');
        expect((await http(server, 'GET', '/api/v1/matchmaking/status', { token: x.token })).body).to.deep.equal(again);
      } finally {
        await http(server, 'POST', '/api/v1/matchmaking/leave', { token: x.token });
        await http(server, 'POST', '/api/v1/matchmaking/leave', { token: y.token });
      }
    });

    it('blocks either way round: the blocked user cannot be matched with the blocker either', async () => {
      const x = await anonLogin(server);
      const y = await anonLogin(server);
      await block(y, x.uid);
      try {
        expect((await join(server, y)).body.status).to.equal('waiting');
        expect((await join(server, x)).body.status).to.equal('waiting');
      } finally {
        await http(server, 'POST', '/api/v1/matchmaking/leave', { token: x.token });
        await http(server, 'POST', '/api/v1/matchmaking/leave', { token: y.token });
      }
    });

    it('keeps a pair apart while the other one\'s block still stands', async () => {
      const x = await anonLogin(server);
      const y = await anonLogin(server);
      await block(x, y.uid);
      await block(y, x.uid);
      await http(server, 'DELETE', `/api/v1/user/me/blocks/${y.uid}`, { token: x.token });
      try {
        expect((await join(server, x)).body.status).to.equal('waiting');
        expect((await join(server, y)).body.status).to.equal('waiting');
      } finally {
        await http(server, 'POST', '/api/v1/matchmaking/leave', { token: x.token });
        await http(server, 'POST', '/api/v1/matchmaking/leave', { token: y.token });
      }
    });

    it('works through the /rooms socket and is audited with the actor', async () => {
      const me = await anonLogin(server);
      const x = await anonLogin(server);
      const s = await connect(server, '/rooms', me.token);
      expect(await emit(s, 'block', { uid: x.uid })).to.deep.equal({ ok: true, data: { code: 'OK', message: 'ok' } });
      const bad = await emit(s, 'block', { uid: me.uid });
      expect(bad.error!.code).to.equal('INVALID_ARGUMENT');
      s.close();
      expect((await blocks(me)).body.data.map((b: { uid: string }) => b.uid)).to.deep.equal([x.uid]);
      expect((await auditByActor(server, me.uid)).map((e) => e.event)).to.deep.equal(['user_blocked']);
    });
  });
});

describe('safety: hostile input', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  it('answers 400 or 413, never 500, to bodies that are not what the routes expect', async () => {
    const { a, roomId } = await matchedPair(server);
    const cases: Array<[string, string, { raw?: string; body?: unknown }, number]> = [
      ['POST', '/api/v1/user/me/blocks', { raw: '[1,2]' }, 400],
      ['POST', '/api/v1/user/me/blocks', { raw: '{"uid":' }, 400],
      ['POST', '/api/v1/user/me/blocks', { body: { uid: 'x'.repeat(129) } }, 400],
      ['POST', `/api/v1/rooms/${roomId}/report`, { body: { reason: 'spam', note: 'x'.repeat(17_000) } }, 413],
      ['POST', `/api/v1/rooms/${roomId}/report`, { body: { reason: ['spam'] } }, 400],
      ['POST', `/api/v1/rooms/${'r'.repeat(200)}/report`, { body: { reason: 'spam' } }, 400],
      ['DELETE', `/api/v1/user/me/blocks/${'u'.repeat(200)}`, {}, 400],
    ];
    for (const [method, path, opts, status] of cases) {
      const r = await http(server, method, path, { token: a.token, ...opts });
      expect(r.status, `${method} ${path.slice(0, 60)} ${JSON.stringify(r.body).slice(0, 200)}`).to.equal(status);
    }
  });

  it('answers an error ack, and keeps the socket, for hostile report and block payloads', async () => {
    const u = await anonLogin(server);
    const s = await connect(server, '/rooms', u.token);
    for (const [event, payload] of [['report', 'spam'], ['report', null], ['block', [u.uid]], ['block', { uid: { $ne: 1 } }]] as const) {
      const ack = await emit(s, event, payload);
      expect(ack.ok, `${event} ${JSON.stringify(payload)}`).to.equal(false);
      expect(ack.error!.code).to.equal('INVALID_ARGUMENT');
    }
    expect(s.connected).to.equal(true);
    s.close();
  });
});

describe('safety: rate limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ RATE_REPORT: '1/3600', RATE_BLOCK: '2/3600' });
  });
  after(async () => server?.close());

  it('limits reports per user (RATE_REPORT) with Retry-After', async () => {
    const { a, roomId } = await matchedPair(server);
    expect((await report(server, a.token, roomId)).status).to.equal(201);
    const { roomId: second } = await matchedPair(server);
    const r = await report(server, a.token, second);
    expect(r.status).to.equal(429);
    expect(Number(r.headers.get('retry-after'))).to.be.greaterThan(0);
  });

  it('limits blocks per user (RATE_BLOCK)', async () => {
    const me = await anonLogin(server);
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await http(server, 'POST', '/api/v1/user/me/blocks', { token: me.token, body: { uid: (await anonLogin(server)).uid } })).status);
    expect(codes).to.deep.equal([200, 200, 429]);
  });
});
