import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startServer, type TestServer } from '../support/server.js';
import { connect, emit, http, matchedPair } from '../support/clients.js';

/** Per-room `seq` (1, 2, 3… no holes, same order as message_id) and `closed` in the join ack. */
for (const batching of ['on', 'off'] as const) {
  describe(`ordering and gaps (MESSAGE_WRITE_BATCH=${batching})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ MESSAGE_WRITE_BATCH: batching });
    });
    after(async () => server?.close());

    const send = (token: string, room: string, content: string, client_msg_id: string = randomUUID()) =>
      http(server, 'POST', `/api/v1/rooms/${room}/messages`, { token, body: { content, client_msg_id } });

    it('numbers concurrent sends from both doors and both members 1..N with no holes, in message_id order', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const sa = await connect(server, '/rooms', a.token);
      const sb = await connect(server, '/rooms', b.token);
      const sends = [];
      for (let i = 0; i < 20; i++) {
        sends.push(emit(sa, 'send', { room_id: roomId, content: `a${i}`, client_msg_id: `a${i}` }));
        sends.push(emit(sb, 'send', { room_id: roomId, content: `b${i}`, client_msg_id: `b${i}` }));
        sends.push(send(i % 2 ? a.token : b.token, roomId, `r${i}`));
      }
      const answers = await Promise.all(sends);
      const messages = answers.map((r) => ('ok' in r ? r.data : r.body));
      const seqs = messages.map((m) => m.seq).sort((x, y) => x - y);
      expect(seqs).to.deep.equal(Array.from({ length: 60 }, (_, i) => i + 1));
      const byId = [...messages].sort((x, y) => (x.message_id < y.message_id ? -1 : 1));
      expect(byId.map((m) => m.seq)).to.deep.equal(seqs);
      sa.close();
      sb.close();
    });

    it('gives a retried client_msg_id its first seq and uses no number for it', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const first = await send(a.token, roomId, 'one', 'k');
      const retries = await Promise.all([send(a.token, roomId, 'one', 'k'), send(a.token, roomId, 'one', 'k')]);
      const next = await send(b.token, roomId, 'two');
      expect(first.body.seq).to.equal(1);
      for (const r of retries) {
        expect(r.status).to.equal(200);
        expect(r.body.seq).to.equal(1);
      }
      expect(next.body.seq).to.equal(2);
    });

    it('answers the same message to one client_msg_id sent many times at once, and spends one seq on it', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const all = await Promise.all(Array.from({ length: 6 }, () => send(a.token, roomId, 'same', 'dup')));
      expect(all.map((r) => r.status).sort()).to.deep.equal([200, 200, 200, 200, 200, 201]);
      expect(new Set(all.map((r) => r.body.message_id)).size).to.equal(1);
      expect(all[0]!.body.seq).to.equal(1);
      expect((await send(b.token, roomId, 'next')).body.seq).to.equal(2);
    });

    it('numbers each room on its own', async () => {
      const p1 = await matchedPair(server);
      const p2 = await matchedPair(server);
      const r = await Promise.all([send(p1.a.token, p1.roomId, 'x'), send(p2.a.token, p2.roomId, 'y'), send(p1.b.token, p1.roomId, 'z')]);
      expect(r.map((x) => x.body.seq).sort()).to.deep.equal([1, 1, 2]);
    });

    it('lists messages with seq through REST (list, after) and over the socket (history, join)', async () => {
      const { a, b, roomId } = await matchedPair(server);
      for (const c of ['m1', 'm2', 'm3']) await send(a.token, roomId, c);
      const list = await http(server, 'GET', `/api/v1/rooms/${roomId}/messages`, { token: b.token });
      expect(list.body.data.map((m: { seq: number }) => m.seq)).to.deep.equal([3, 2, 1]);
      const after = await http(server, 'GET', `/api/v1/rooms/${roomId}/messages/after?after=${list.body.data[2].message_id}`, { token: b.token });
      expect(after.body.messages.map((m: { seq: number }) => m.seq)).to.deep.equal([2, 3]);
      const sb = await connect(server, '/rooms', b.token);
      const join = await emit(sb, 'join', { room_id: roomId });
      expect(join.data.messages.map((m: { seq: number }) => m.seq)).to.deep.equal([1, 2, 3]);
      sb.close();
    });

    it('answers closed in the join ack and the REST catch-up: false while open, true once closed', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const sb = await connect(server, '/rooms', b.token);
      const open = await emit(sb, 'join', { room_id: roomId });
      expect(open.ok).to.equal(true);
      expect(open.data.closed).to.equal(false);
      expect((await http(server, 'GET', `/api/v1/rooms/${roomId}/messages/after`, { token: b.token })).body.closed).to.equal(false);
      expect((await http(server, 'POST', `/api/v1/rooms/${roomId}/leave`, { token: a.token })).status).to.equal(200);
      const closed = await emit(sb, 'join', { room_id: roomId });
      expect(closed.data).to.include({ room_id: roomId, closed: true, has_more: false });
      expect((await http(server, 'GET', `/api/v1/rooms/${roomId}/messages/after`, { token: b.token })).body.closed).to.equal(true);
      sb.close();
    });
  });
}
