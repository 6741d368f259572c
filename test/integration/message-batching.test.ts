import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createDatabase, type Database } from '../../src/store/db.js';
import { MessagesRepo, type MessageRow } from '../../src/store/messages.repo.js';
import { RoomsRepo } from '../../src/store/rooms.repo.js';
import { UsersRepo } from '../../src/store/users.repo.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, collect, connect, emit, http, matchedPair, sleep } from '../support/clients.js';

/**
 * The message write coalescer (src/store/message-writer.ts): concurrent inserts share one
 * multi-row statement, and every caller still gets exactly its own row, or null for the same
 * reasons as a single insert (duplicate, closed room, not a member, unknown room).
 */
describe('message write batching', () => {
  describe('the repository (one database, no server)', () => {
    let tdb: TestDatabase;
    let db: Database;
    let repo: MessagesRepo;
    let rooms: RoomsRepo;
    let users: UsersRepo;

    before(async () => {
      tdb = await createTestDatabase();
      db = createDatabase({ databaseUrl: tdb.env.DATABASE_URL, dataDir: tdb.env.DATA_DIR!, log: pino({ level: 'silent' }) });
      await db.migrate();
      repo = new MessagesRepo(db.knex, { batch: true, maxBatch: 50 });
      rooms = new RoomsRepo(db.knex);
      users = new UsersRepo(db.knex);
    });
    after(async () => {
      await db?.close();
      await tdb?.drop();
    });

    async function room(): Promise<{ id: string; a: string; b: string }> {
      const a = randomUUID();
      const b = randomUUID();
      await users.insert({ id: a, kind: 'anon', platform: 'anonymous', name: 'a' });
      await users.insert({ id: b, kind: 'anon', platform: 'anonymous', name: 'b' });
      const id = randomUUID();
      await rooms.create(id, [a, b]);
      return { id, a, b };
    }

    const stats = () => ({ ...repo.writeStats()! });

    it('resolves concurrent sends to several rooms each with its own row, in one statement per batch', async () => {
      const rs = await Promise.all([room(), room(), room(), room()]);
      const before = stats();
      const calls = Array.from({ length: 40 }, (_, i) => {
        const r = rs[i % rs.length]!;
        return { roomId: r.id, senderId: i % 2 ? r.a : r.b, clientMsgId: `c${i}`, content: `message ${i}` };
      });
      const rows = await Promise.all(calls.map((c) => repo.insertIfAllowed(c)));
      const after = stats();
      rows.forEach((row, i) => {
        expect(row, `call ${i}`).to.not.equal(null);
        expect(row!.room_id).to.equal(calls[i]!.roomId);
        expect(row!.sender_id).to.equal(calls[i]!.senderId);
        expect(row!.client_msg_id).to.equal(calls[i]!.clientMsgId);
        expect(row!.content).to.equal(calls[i]!.content);
      });
      expect(new Set(rows.map((r) => r!.id)).size).to.equal(40);
      // Coalesced: 40 messages in far fewer statements.
      expect(after.messages - before.messages).to.equal(40);
      expect(after.statements - before.statements).to.be.lessThan(10);
      expect(after.largest).to.be.greaterThan(1);
      // Inside each room, ids follow the order of the calls.
      for (const r of rs) {
        const ids = rows.filter((row) => row!.room_id === r.id).map((row) => BigInt(row!.id));
        expect(ids).to.deep.equal([...ids].sort((x, y) => (x < y ? -1 : 1)));
      }
      const stored = await db.knex('messages').whereIn('room_id', rs.map((r) => r.id)).count({ n: '*' }).first();
      expect(Number(stored!.n)).to.equal(40);
    });

    it('inserts a client_msg_id repeated inside one batch once: the first caller gets the row, the second null', async () => {
      const r = await room();
      const [first, second, other] = await Promise.all([
        repo.insertIfAllowed({ roomId: r.id, senderId: r.a, clientMsgId: 'dup', content: 'first' }),
        repo.insertIfAllowed({ roomId: r.id, senderId: r.a, clientMsgId: 'dup', content: 'second' }),
        repo.insertIfAllowed({ roomId: r.id, senderId: r.b, clientMsgId: 'dup', content: 'same id, other sender' }),
      ]);
      expect(first?.content).to.equal('first');
      expect(second).to.equal(null);
      expect(other?.content).to.equal('same id, other sender');
      expect(await repo.findByClientId(r.id, r.a, 'dup')).to.deep.include({ id: first!.id, content: 'first' });
      // A retry in a later batch conflicts with the stored row too.
      expect(await repo.insertIfAllowed({ roomId: r.id, senderId: r.a, clientMsgId: 'dup', content: 'third' })).to.equal(null);
    });

    it('answers null for a closed room, a non-member and an unknown room inside a batch, and inserts the rest', async () => {
      const open = await room();
      const closed = await room();
      expect(await rooms.closeReturningMembers(closed.id, closed.a)).to.not.equal(null);
      const stranger = (await room()).a;
      const res = await Promise.all([
        repo.insertIfAllowed({ roomId: open.id, senderId: open.a, clientMsgId: 'k1', content: 'ok 1' }),
        repo.insertIfAllowed({ roomId: closed.id, senderId: closed.a, clientMsgId: 'k1', content: 'closed' }),
        repo.insertIfAllowed({ roomId: open.id, senderId: stranger, clientMsgId: 'k1', content: 'not a member' }),
        repo.insertIfAllowed({ roomId: randomUUID(), senderId: open.a, clientMsgId: 'k1', content: 'no such room' }),
        repo.insertIfAllowed({ roomId: open.id, senderId: open.b, clientMsgId: 'k2', content: 'ok 2' }),
      ]);
      expect(res.map((r) => r?.content ?? null)).to.deep.equal(['ok 1', null, null, null, 'ok 2']);
    });

    it('falls back to one insert per message when the batch statement fails, so only the bad row fails', async () => {
      const r = await room();
      const fallbacks = stats().fallbacks;
      const settled = await Promise.allSettled([
        repo.insertIfAllowed({ roomId: r.id, senderId: r.a, clientMsgId: 'g1', content: 'good 1' }),
        // Postgres refuses NUL in text (the schemas refuse control characters long before this).
        repo.insertIfAllowed({ roomId: r.id, senderId: r.a, clientMsgId: 'bad', content: 'bad \u0000 row' }),
        repo.insertIfAllowed({ roomId: r.id, senderId: r.b, clientMsgId: 'g2', content: 'good 2' }),
      ]);
      expect(settled.map((s) => s.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
      expect((settled[0] as PromiseFulfilledResult<MessageRow>).value.content).to.equal('good 1');
      expect((settled[2] as PromiseFulfilledResult<MessageRow>).value.content).to.equal('good 2');
      expect(stats().fallbacks).to.equal(fallbacks + 1);
    });

    it('keeps per-room order across consecutive batches while another room writes concurrently', async () => {
      const r1 = await room();
      const r2 = await room();
      const all: Array<Promise<MessageRow | null>> = [];
      for (let wave = 0; wave < 20; wave++) {
        for (let i = 0; i < 30; i++) {
          const r = i % 2 ? r1 : r2;
          all.push(repo.insertIfAllowed({ roomId: r.id, senderId: i % 4 < 2 ? r.a : r.b, clientMsgId: `w${wave}-${i}`, content: `${wave}-${i}` }));
        }
        await sleep(0);
      }
      const rows = await Promise.all(all);
      for (const r of [r1, r2]) {
        const mine = rows.filter((x) => x!.room_id === r.id);
        expect(mine).to.have.length(300);
        const ids = mine.map((x) => BigInt(x!.id));
        for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `room order at ${i}`).to.equal(true);
      }
    });

    // MESSAGE_WRITE_CONCURRENCY: 8 rooms, 3 messages each, all asked for in one turn, so 12
    // statements of 2 messages are waiting from the start: the limit is reached, and never passed.
    for (const concurrency of [1, 3]) {
      it(`runs ${concurrency} statement(s) at once at most, every message stored once and in order per room`, async () => {
        const limited = new MessagesRepo(db.knex, { batch: true, maxBatch: 2, concurrency });
        const rs = await Promise.all(Array.from({ length: 8 }, () => room()));
        const all: Array<Promise<MessageRow | null>> = [];
        for (let n = 0; n < 3; n++) for (const r of rs) all.push(limited.insertIfAllowed({ roomId: r.id, senderId: r.a, clientMsgId: `m${n}`, content: `${n}` }));
        const rows = await Promise.all(all);
        const s = limited.writeStats()!;
        expect(s.messages).to.equal(24);
        expect(s.statements).to.be.at.least(12);
        expect(s.peakInFlight).to.equal(concurrency);
        expect(rows.every((r) => r !== null)).to.equal(true);
        const byRoom = new Map<string, string[]>();
        for (const r of rows) byRoom.set(r!.room_id, [...(byRoom.get(r!.room_id) ?? []), `${r!.seq}:${r!.content}`]);
        expect(byRoom.size).to.equal(8);
        for (const seqs of byRoom.values()) expect(seqs).to.deep.equal(['1:0', '2:1', '3:2']);
      });
    }
  });

  describe('through both doors (server with MESSAGE_WRITE_BATCH=on, the default)', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ MESSAGE_WRITE_BATCH: 'on' });
    });
    after(async () => server?.close());

    it('acks every one of many concurrent socket sends in several rooms with its own message, and delivers each once', async () => {
      const pairs = [await matchedPair(server), await matchedPair(server), await matchedPair(server)];
      const socks = await Promise.all(pairs.flatMap((p) => [connect(server, '/rooms', p.a.centrifugo_token), connect(server, '/rooms', p.b.centrifugo_token)]));
      const seen = socks.map((s) => collect<{ message_id: string; content: string }>(s, 'message'));
      const sends = socks.flatMap((s, si) => Array.from({ length: 10 }, (_, k) => ({ s, si, room: pairs[Math.floor(si / 2)]!.roomId, content: `s${si} m${k}` })));
      const acks = await Promise.all(sends.map((x) => emit(x.s, 'send', { room_id: x.room, content: x.content, client_msg_id: randomUUID() })));
      acks.forEach((a, i) => {
        expect(a.ok, JSON.stringify(a)).to.equal(true);
        expect(a.data.content).to.equal(sends[i]!.content);
        expect(a.data.room_id).to.equal(sends[i]!.room);
      });
      await sleep(200);
      // Each socket sees the 20 messages of its room (its own and its partner's), each once.
      for (const s of seen) {
        expect(s).to.have.length(20);
        expect(new Set(s.map((m) => m.message_id)).size).to.equal(20);
      }
      for (const x of socks) x.close();
    });

    it('answers a duplicate client_msg_id sent twice at once with the same message, broadcast once', async () => {
      const { a, b, roomId } = await matchedPair(server);
      const sa = await connect(server, '/rooms', a.centrifugo_token);
      const sb = await connect(server, '/rooms', b.centrifugo_token);
      const seen = collect(sb, 'message');
      const [x, y] = await Promise.all([
        emit(sa, 'send', { room_id: roomId, content: 'once', client_msg_id: 'same' }),
        emit(sa, 'send', { room_id: roomId, content: 'twice', client_msg_id: 'same' }),
      ]);
      expect(x.ok && y.ok).to.equal(true);
      expect(y.data).to.deep.equal(x.data);
      await sleep(150);
      expect(seen).to.have.length(1);
      sa.close();
      sb.close();
    });

    it('refuses a send to a closed room (409) while sends to open rooms in the same moment succeed', async () => {
      const closed = await matchedPair(server);
      const open = await matchedPair(server);
      expect((await http(server, 'POST', `/api/v1/rooms/${closed.roomId}/leave`, { token: closed.a.token })).status).to.equal(200);
      const outsider = await anonLogin(server);
      const post = (token: string, room: string, content: string) =>
        http(server, 'POST', `/api/v1/rooms/${room}/messages`, { token, body: { content, client_msg_id: randomUUID() } });
      const res = await Promise.all([
        post(open.a.token, open.roomId, 'fine'),
        post(closed.b.token, closed.roomId, 'too late'),
        post(outsider.token, open.roomId, 'not mine'),
        post(open.b.token, open.roomId, 'fine too'),
        post(open.a.token, randomUUID(), 'nowhere'),
      ]);
      expect(res.map((r) => r.status)).to.deep.equal([201, 409, 403, 201, 404]);
    });
  });
});
