import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, collect, connect, emit, http, matchedPair, sleep, waitFor } from '../support/clients.js';

describe('rooms and messages', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  const send = (token: string, room: string, content: unknown, client_msg_id: unknown = randomUUID()) =>
    http(server, 'POST', `/api/v1/rooms/${room}/messages`, { token, body: { content, client_msg_id } });
  const list = (token: string, room: string, query = '') => http(server, 'GET', `/api/v1/rooms/${room}/messages${query}`, { token });

  describe('sending', () => {
    it('stores a message and answers 201 Message {message_id, uid, content, timestamp}', async () => {
      const { a, roomId } = await matchedPair(server);
      const before = Date.now();
      const r = await send(a.token, roomId, '  hello there  ');
      expect(r.status).to.equal(201);
      expect(r.body).to.have.all.keys('message_id', 'uid', 'content', 'timestamp', 'seq');
      expect(r.body.uid).to.equal(a.uid);
      expect(r.body.content).to.equal('hello there');
      expect(r.body.timestamp).to.be.within(before - 1000, Date.now() + 1000);
    });

    it('answers a retry with the same client_msg_id with the first message (200) and broadcasts nothing', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const sb = await connect(server, '/rooms', b.token);
      const seen = collect(sb, 'message');
      const delivered = waitFor(sb, 'message');
      const first = await send(a.token, roomId, 'once', 'same-id');
      expect((await delivered).message_id).to.equal(first.body.message_id);
      const again = await send(a.token, roomId, 'different text', 'same-id');
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal(first.body);
      await sleep(150);
      expect(seen).to.have.length(1);
      expect((await list(a.token, roomId)).body.pager.total).to.equal(1);
      sb.close();
    });

    it('lets two members use the same client_msg_id independently', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const ra = await send(a.token, roomId, 'from a', 'k1');
      const rb = await send(b.token, roomId, 'from b', 'k1');
      expect(ra.status).to.equal(201);
      expect(rb.status).to.equal(201);
      expect(ra.body.message_id).to.not.equal(rb.body.message_id);
    });

    it('accepts 2000 characters (emoji count as one) and refuses 2001', async () => {
      const { a, roomId } = await matchedPair(server);
      expect((await send(a.token, roomId, '😀'.repeat(2000))).status).to.equal(201);
      const r = await send(a.token, roomId, 'x'.repeat(2001));
      expect(r.status).to.equal(400);
      expect(r.body.error[0].field).to.equal('content');
      expect(r.body.message).to.match(/2000/);
    });

    for (const [label, content, id] of [
      ['empty content', '', 'a'],
      ['whitespace-only content', ' \n\t ', 'a'],
      ['a number as content', 5, 'a'],
      ['an object as content', { x: 1 }, 'a'],
      ['a missing client_msg_id', 'hi', undefined],
      ['an empty client_msg_id', 'hi', ''],
      ['a client_msg_id over 64 characters', 'hi', 'x'.repeat(65)],
      ['a client_msg_id with spaces', 'hi', 'has space'],
    ] as const) {
      it(`rejects ${label} with 400`, async () => {
        const { a, roomId } = await matchedPair(server);
        const r = await http(server, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: a.token, body: { content, client_msg_id: id } });
        expect(r.status).to.equal(400);
        expect(r.body.code).to.equal('INVALID_ARGUMENT');
      });
    }

    it('answers 404 for an unknown room and 403 for a room the user is not in', async () => {
      const { roomId } = await matchedPair(server);
      const stranger = await anonLogin(server);
      expect((await send(stranger.token, 'no-such-room', 'x')).status).to.equal(404);
      expect((await send(stranger.token, randomUUID(), 'x')).status).to.equal(404);
      const r = await send(stranger.token, roomId, 'x');
      expect(r.status).to.equal(403);
      expect(r.body.code).to.equal('FORBIDDEN');
      expect((await list(stranger.token, roomId)).status).to.equal(403);
    });

    it('gives message ids that sort in send order, as strings and as numbers', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await send(i % 2 ? a.token : b.token, roomId, `m${i}`)).body.message_id);
      expect([...ids].sort()).to.deep.equal(ids);
      expect([...ids].sort((x, y) => Number(x) - Number(y))).to.deep.equal(ids);
    });
  });

  describe('listing', () => {
    let pair: Awaited<ReturnType<typeof matchedPair>>;
    const sent: string[] = [];
    before(async () => {
      pair = await matchedPair(server);
      for (let i = 1; i <= 25; i++) sent.push((await send(pair.a.token, pair.roomId, `msg ${i}`)).body.message_id);
    });

    it('answers page 1 with the newest messages, newest first, with the pager', async () => {
      const r = await list(pair.b.token, pair.roomId);
      expect(r.status).to.equal(200);
      expect(r.body.pager).to.deep.equal({ total: 25, page: 1, pageSize: 20, totalPages: 2 });
      expect(r.body.data).to.have.length(20);
      expect(r.body.data[0].content).to.equal('msg 25');
      expect(r.body.data[19].content).to.equal('msg 6');
      expect(r.body.data[0]).to.have.all.keys('message_id', 'uid', 'content', 'timestamp', 'seq');
    });

    it('answers later pages, and an empty page past the end', async () => {
      const p2 = await list(pair.b.token, pair.roomId, '?page_index=2');
      expect(p2.body.data.map((m: { content: string }) => m.content)).to.deep.equal(['msg 5', 'msg 4', 'msg 3', 'msg 2', 'msg 1']);
      const p9 = await list(pair.b.token, pair.roomId, '?page_index=9&page_size=10');
      expect(p9.status).to.equal(200);
      expect(p9.body).to.deep.equal({ pager: { total: 25, page: 9, pageSize: 10, totalPages: 3 }, data: [] });
    });

    it('accepts page_size 1 and 100', async () => {
      expect((await list(pair.b.token, pair.roomId, '?page_size=1')).body.data).to.have.length(1);
      expect((await list(pair.b.token, pair.roomId, '?page_size=100')).body.data).to.have.length(25);
    });

    for (const q of ['?page_size=0', '?page_size=101', '?page_size=abc', '?page_index=0', '?page_index=-1', '?page_size=2.5', '?before=xyz', '?page_size=1&page_size=2']) {
      it(`rejects ${q} with 400`, async () => {
        const r = await list(pair.b.token, pair.roomId, q);
        expect(r.status).to.equal(400);
        expect(r.body.code).to.equal('INVALID_ARGUMENT');
      });
    }

    it('pages from a before cursor, stable while new messages arrive', async () => {
      const cursor = sent[10]!; // "msg 11"
      const r1 = await list(pair.b.token, pair.roomId, `?before=${cursor}&page_size=5`);
      expect(r1.body.data.map((m: { content: string }) => m.content)).to.deep.equal(['msg 10', 'msg 9', 'msg 8', 'msg 7', 'msg 6']);
      expect(r1.body.pager.total).to.equal(10);
      const { b, roomId } = pair;
      await send(b.token, roomId, 'late arrival');
      const r2 = await list(pair.b.token, pair.roomId, `?before=${cursor}&page_size=5`);
      expect(r2.body.data).to.deep.equal(r1.body.data);
    });
  });

  describe('catch-up and delivery', () => {
    it('delivers a message sent over REST to the room sockets with room_id', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const sb = await connect(server, '/rooms', b.token);
      expect((await emit(sb, 'join', { room_id: roomId })).ok).to.equal(true);
      const got = waitFor(sb, 'message');
      const r = await send(a.token, roomId, 'over rest');
      expect(await got).to.deep.equal({ ...r.body, room_id: roomId });
      sb.close();
    });

    it('lists a message sent over a socket through REST', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const sa = await connect(server, '/rooms', a.token);
      const ack = await emit(sa, 'send', { room_id: roomId, content: 'over socket', client_msg_id: 'c-1' });
      expect(ack.ok).to.equal(true);
      expect(ack.data).to.have.all.keys('message_id', 'uid', 'content', 'timestamp', 'seq', 'room_id');
      const r = await list(b.token, roomId);
      expect(r.body.data[0]).to.deep.equal({ message_id: ack.data.message_id, uid: a.uid, content: 'over socket', timestamp: ack.data.timestamp, seq: 1 });
      sa.close();
    });

    it('catches a reconnecting client up with join {room_id, after}, oldest first', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const m1 = (await send(a.token, roomId, 'one')).body.message_id;
      await send(a.token, roomId, 'two');
      await send(b.token, roomId, 'three');
      const sb = await connect(server, '/rooms', b.token);
      const all = await emit(sb, 'join', { room_id: roomId });
      expect(all.data.messages.map((m: { content: string }) => m.content)).to.deep.equal(['one', 'two', 'three']);
      const later = await emit(sb, 'join', { room_id: roomId, after: m1 });
      expect(later.data.room_id).to.equal(roomId);
      expect(later.data.messages.map((m: { content: string }) => m.content)).to.deep.equal(['two', 'three']);
      expect(later.data.has_more).to.equal(false);
      sb.close();
    });

    it('loses nothing across a disconnect: messages sent while away come back through join after', async () => {
      const { a, b, roomId } = await matchedPair(server);
      let sb = await connect(server, '/rooms', b.token);
      const first = waitFor(sb, 'message');
      await send(a.token, roomId, 'before');
      const lastSeen = (await first).message_id;
      sb.close();
      for (const t of ['while', 'away', 'x3']) await send(a.token, roomId, t);
      sb = await connect(server, '/rooms', b.token);
      const caught = await emit(sb, 'join', { room_id: roomId, after: lastSeen });
      expect(caught.data.messages.map((m: { content: string }) => m.content)).to.deep.equal(['while', 'away', 'x3']);
      const live = waitFor(sb, 'message');
      await send(a.token, roomId, 'live again');
      expect((await live).content).to.equal('live again');
      sb.close();
    });

    it('relays typing to the partner only, and validates it', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const [sa, sb] = await Promise.all([connect(server, '/rooms', a.token), connect(server, '/rooms', b.token)]);
      const mine = collect(sa, 'typing');
      const got = waitFor(sb, 'typing');
      expect(await emit(sa, 'typing', { room_id: roomId, typing: true })).to.deep.equal({ ok: true, data: { code: 'OK', message: 'ok' } });
      expect(await got).to.deep.equal({ room_id: roomId, uid: a.uid, typing: true });
      expect((await emit(sa, 'typing', { room_id: roomId })).error?.code).to.equal('INVALID_ARGUMENT');
      const stranger = await anonLogin(server);
      const ss = await connect(server, '/rooms', stranger.token);
      expect((await emit(ss, 'typing', { room_id: roomId, typing: true })).error?.code).to.equal('FORBIDDEN');
      await sleep(100);
      expect(mine).to.have.length(0);
      for (const s of [sa, sb, ss]) s.close();
    });

    it('answers history over the socket like GET messages', async () => {
      const { a, roomId } = await matchedPair(server);
      for (let i = 0; i < 3; i++) await send(a.token, roomId, `h${i}`);
      const sa = await connect(server, '/rooms', a.token);
      const h = await emit(sa, 'history', { room_id: roomId, page_size: 2 });
      const r = await list(a.token, roomId, '?page_size=2');
      expect(h.data.pager).to.deep.equal(r.body.pager);
      expect(h.data.data.map((m: { message_id: string }) => m.message_id)).to.deep.equal(r.body.data.map((m: { message_id: string }) => m.message_id));
      sa.close();
    });
  });

  describe('leaving', () => {
    it('closes the room for both: the partner gets room_closed, later sends get 409, history stays readable', async () => {
      const { a, b, roomId } = await matchedPair(server);
      await send(a.token, roomId, 'last words');
      const sb = await connect(server, '/rooms', b.token);
      const closed = waitFor(sb, 'room_closed');
      const r = await http(server, 'POST', `/api/v1/rooms/${roomId}/leave`, { token: a.token });
      expect(r.status).to.equal(200);
      expect(r.body).to.deep.equal({ code: 'OK', message: 'ok' });
      expect(await closed).to.deep.equal({ room_id: roomId, by: a.uid });
      const late = await send(b.token, roomId, 'anyone?');
      expect(late.status).to.equal(409);
      expect(late.body.code).to.equal('CONFLICT');
      const sockSend = await emit(sb, 'send', { room_id: roomId, content: 'hello?', client_msg_id: 'z' });
      expect(sockSend.error?.code).to.equal('CONFLICT');
      const hist = await list(b.token, roomId);
      expect(hist.status).to.equal(200);
      expect(hist.body.data[0].content).to.equal('last words');
      expect((await http(server, 'GET', '/api/v1/matchmaking/status', { token: b.token })).body).to.deep.equal({ status: 'idle' });
      sb.close();
    });

    it('still answers a retried send of a message stored before the room closed', async () => {
      const { a, roomId } = await matchedPair(server);
      const first = await send(a.token, roomId, 'kept', 'retry-me');
      await http(server, 'POST', `/api/v1/rooms/${roomId}/leave`, { token: a.token });
      const again = await send(a.token, roomId, 'kept', 'retry-me');
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal(first.body);
    });

    it('is idempotent for members, 403 for strangers and 404 for unknown rooms, over both doors', async () => {
      const { a, b, roomId } = await matchedPair(server);
      expect((await http(server, 'POST', `/api/v1/rooms/${roomId}/leave`, { token: a.token })).status).to.equal(200);
      expect((await http(server, 'POST', `/api/v1/rooms/${roomId}/leave`, { token: b.token })).status).to.equal(200);
      const stranger = await anonLogin(server);
      expect((await http(server, 'POST', `/api/v1/rooms/${roomId}/leave`, { token: stranger.token })).status).to.equal(403);
      expect((await http(server, 'POST', `/api/v1/rooms/nope/leave`, { token: stranger.token })).status).to.equal(404);
      const ss = await connect(server, '/rooms', stranger.token);
      expect((await emit(ss, 'leave', { room_id: roomId })).error?.code).to.equal('FORBIDDEN');
      expect((await emit(ss, 'leave', { room_id: 'nope' })).error?.code).to.equal('NOT_FOUND');
      ss.close();
    });
  });
});
