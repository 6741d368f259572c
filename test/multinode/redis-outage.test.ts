import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { anonLogin, collect, connect, emit, http, waitFor, type AnonUser } from '../support/clients.js';
import { startServer, type TestServer } from '../support/server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { connectSharedRedis, until, within, type SharedRedis } from './support/cluster.js';
import { onRedisCluster } from './support/redis-mode.js';

// Runs only with both services configured (test/run.mjs phase 3); an unreachable one fails the before hook.
// Single Redis only: the cut is a TCP proxy in front of one server; redis-cluster-restart.test.ts is the Cluster's outage.
if (process.env.DATABASE_URL && process.env.REDIS_URL && !onRedisCluster) {
  const redisUrl = process.env.REDIS_URL;
  /** Every call during the outage must answer well within this: no hanging on a dead connection. */
  const PROMPT_MS = 5000;

  /**
   * Two in-process nodes share a database and a Redis namespace; node A reaches Redis through a
   * TCP proxy the test cuts and restores, node B directly. The tests are one story, in order:
   * before the cut, during the outage, after the restore.
   */
  describe('a node that loses its connection to Redis', function () {
    this.timeout(60_000);
    let proxy: TcpProxy;
    let redis: SharedRedis | undefined;
    let A: TestServer, B: TestServer;
    const sockets: Socket[] = [];
    let alice: AnonUser, bob: AnonUser, carol: AnonUser, ivy: AnonUser, jack: AnonUser;
    let roomId: string, ivyAndJack: string;
    let aliceRooms: Socket, bobRooms: Socket;
    let bobLastSeen: string;
    let sentDuringOutage: string;
    let aliceRoomsDuringOutage: Socket;
    let erin: AnonUser;
    let erinDuringOutage: Socket;
    let sentOnBDuringOutage: { message_id: string; seq: number };
    let aliceResyncs: Array<{ room_ids: string[] }>, bobResyncs: Array<{ room_ids: string[] }>;
    let aliceMessages: Array<{ message_id: string; content: string; seq: number }>;

    // In a real node an unhandled rejection ends the process (Node's default); mocha swallows
    // them in-process, so the suite collects them itself and asserts there were none.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);

    const track = <T extends Socket>(s: T): T => {
      sockets.push(s);
      return s;
    };
    const readyz = async (node: TestServer) => within(PROMPT_MS, 'GET /readyz', http(node, 'GET', '/readyz'));

    before(async () => {
      process.on('unhandledRejection', onUnhandled);
      redis = await connectSharedRedis(redisUrl); // fail loudly if Redis is not there at all
      proxy = await startTcpProxy(Number(new URL(redisUrl).port || 6379), new URL(redisUrl).hostname);
      const jwt = randomBytes(32).toString('hex');
      A = await startServer({ REDIS_URL: proxy.urlFor(redisUrl), JWT_SECRET: jwt });
      B = await startServer({ DATABASE_URL: A.env.DATABASE_URL!, REDIS_PREFIX: A.env.REDIS_PREFIX!, JWT_SECRET: jwt });

      alice = await anonLogin(A, 'alice');
      bob = await anonLogin(B, 'bob');
      aliceRooms = track(await connect(A, '/rooms', alice.token));
      bobRooms = track(await connect(B, '/rooms', bob.token));
      aliceResyncs = collect(aliceRooms, 'resync');
      bobResyncs = collect(bobRooms, 'resync');
      aliceMessages = collect(aliceRooms, 'message');
      await http(A, 'POST', '/api/v1/matchmaking/join', { token: alice.token });
      const j = await http(B, 'POST', '/api/v1/matchmaking/join', { token: bob.token });
      expect(j.body.status, 'Alice and Bob are matched across the nodes').to.equal('matched');
      roomId = j.body.room_id;
      const seen = waitFor(bobRooms, 'message');
      await http(A, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: alice.token, body: { content: 'before', client_msg_id: randomUUID() } });
      bobLastSeen = (await seen).message_id;

      ivy = await anonLogin(A, 'ivy');
      jack = await anonLogin(A, 'jack');
      await http(A, 'POST', '/api/v1/matchmaking/join', { token: ivy.token });
      ivyAndJack = (await http(A, 'POST', '/api/v1/matchmaking/join', { token: jack.token })).body.room_id;

      carol = await anonLogin(A, 'carol');
      expect((await http(A, 'POST', '/api/v1/matchmaking/join', { token: carol.token })).body).to.deep.equal({ status: 'waiting' });
    });

    after(async () => {
      process.off('unhandledRejection', onUnhandled);
      for (const s of sockets.splice(0)) s.close();
      proxy?.restore();
      await B?.close(); // B uses A's database, which A drops
      await A?.close();
      await proxy?.close();
      if (redis && A) await redis.deleteKeys(`${A.env.REDIS_PREFIX}:`);
      await redis?.close();
    });

    describe('while Redis is unreachable', () => {
      before(async () => {
        proxy.cut();
        await until('node A to notice the outage', async () => ((await readyz(A)).status === 503 ? true : undefined));
      });

      it('reports redis unavailable on /readyz while the database stays ok', async () => {
        const r = await readyz(A);
        expect(r.status).to.equal(503);
        expect(r.body).to.deep.equal({ status: 'unavailable', checks: { database: 'ok', redis: 'unavailable' } });
        expect((await readyz(B)).status, 'node B still reaches Redis').to.equal(200);
      });

      it('answers 503 UNAVAILABLE with Retry-After, promptly, to matchmaking calls over REST', async () => {
        const dave = await anonLogin(A, 'dave');
        for (const [method, path, user] of [
          ['POST', '/api/v1/matchmaking/join', dave],
          ['GET', '/api/v1/matchmaking/status', carol],
          ['POST', '/api/v1/matchmaking/leave', carol],
        ] as const) {
          const r = await within(PROMPT_MS, `${method} ${path}`, http(A, method, path, { token: user.token }));
          expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).to.equal(503);
          expect(r.body.code).to.equal('UNAVAILABLE');
          expect(r.body.message).to.match(/matchmaking is temporarily unavailable/);
          expect(Number(r.headers.get('retry-after'))).to.be.at.least(1);
        }
      });

      it('answers an UNAVAILABLE ack to a matchmaking join over a socket that connects during the outage', async () => {
        erin = await anonLogin(A, 'erin');
        erinDuringOutage = track(await within(PROMPT_MS, 'socket connect', connect(A, '/matchmaking', erin.token)));
        const ack = await emit(erinDuringOutage, 'join');
        expect(ack.ok).to.equal(false);
        expect(ack.error?.code).to.equal('UNAVAILABLE');
        expect(ack.error?.retry_after).to.be.at.least(1);
        expect(erinDuringOutage.connected, 'the socket stays connected').to.equal(true);
      });

      it('keeps logins, sending and listing messages working, and still delivers to sockets on this node', async () => {
        expect((await within(PROMPT_MS, 'anon login', anonLogin(A, 'frank'))).uid).to.be.a('string');
        aliceRoomsDuringOutage = track(await connect(A, '/rooms', alice.token));
        const local = waitFor(aliceRooms, 'message', (m) => m.content === 'during the outage');
        const sent = await within(PROMPT_MS, 'send', http(A, 'POST', `/api/v1/rooms/${roomId}/messages`, {
          token: alice.token,
          body: { content: 'during the outage', client_msg_id: randomUUID() },
        }));
        expect(sent.status, JSON.stringify(sent.body)).to.equal(201);
        sentDuringOutage = sent.body.message_id;
        expect((await local).message_id).to.equal(sentDuringOutage);
        const list = await http(A, 'GET', `/api/v1/rooms/${roomId}/messages`, { token: alice.token });
        expect(list.body.data[0].message_id).to.equal(sentDuringOutage);
      });

      it('stores a message sent on the other node (which this node cannot hear, and nothing tells its client yet)', async () => {
        const ack = await emit(bobRooms, 'send', { room_id: roomId, content: 'from B during the outage', client_msg_id: randomUUID() });
        expect(ack.ok, JSON.stringify(ack)).to.equal(true);
        sentOnBDuringOutage = ack.data;
        expect(aliceResyncs).to.deep.equal([]);
      });

      it('closes a room that a member leaves (the rematch block is skipped), telling the partner on this node', async () => {
        const jackRooms = track(await connect(A, '/rooms', jack.token));
        const closed = waitFor(jackRooms, 'room_closed');
        const left = await within(PROMPT_MS, 'leave', http(A, 'POST', `/api/v1/rooms/${ivyAndJack}/leave`, { token: ivy.token }));
        expect(left.status, JSON.stringify(left.body)).to.equal(200);
        expect(await closed).to.deep.equal({ room_id: ivyAndJack, by: ivy.uid });
        const late = await http(A, 'POST', `/api/v1/rooms/${ivyAndJack}/messages`, { token: jack.token, body: { content: 'x', client_msg_id: randomUUID() } });
        expect(late.status).to.equal(409);
      });
    });

    describe('after Redis is back', () => {
      before(async () => {
        // Let node A's clients fail a few more reconnect attempts first: a subscription asked for
        // during a short blip is only queued, one asked for during a longer outage is refused.
        const target = proxy.refused + 6;
        await until('node A to retry Redis a few times', async () => (proxy.refused >= target ? true : undefined));
        proxy.restore();
        await until('node A to be ready again', async () => ((await readyz(A)).status === 200 ? true : undefined));
      });

      it('is ready again', async () => {
        expect((await readyz(A)).body).to.deep.equal({ status: 'ok', checks: { database: 'ok', redis: 'ok' } });
      });

      it('lets a client on another node catch up on what was sent during the outage', async () => {
        const caught = await emit(bobRooms, 'join', { room_id: roomId, after: bobLastSeen });
        expect(caught.data.messages.map((m: { message_id: string }) => m.message_id)).to.deep.equal([sentDuringOutage, sentOnBDuringOutage.message_id]);
        expect(caught.data.closed).to.equal(false);
      });

      it("sends resync {room_ids} to this node's /rooms sockets, and the catch-up fills the gap their seq shows", async () => {
        const resync = await until('resync on node A', async () => aliceResyncs[0]);
        expect(resync).to.deep.equal({ room_ids: [roomId] });
        expect(bobResyncs, 'node B never lost Redis').to.deep.equal([]);
        const held = aliceMessages.filter((m) => m.content !== 'after' && m.content !== 'and back');
        expect(held.map((m) => m.seq), 'live on node A: before and its own outage message').to.deep.equal([1, 2]);
        expect(sentOnBDuringOutage.seq, 'the message node A missed').to.equal(3);
        const caught = await emit(aliceRooms, 'join', { room_id: roomId, after: held[held.length - 1]!.message_id });
        expect(caught.data.messages.map((m: { message_id: string; seq: number }) => [m.message_id, m.seq])).to.deep.equal([[sentOnBDuringOutage.message_id, 3]]);
      });

      it('delivers across nodes again, also to sockets that connected during the outage', async () => {
        const toOld = waitFor(aliceRooms, 'message', (m) => m.content === 'after');
        const toNew = waitFor(aliceRoomsDuringOutage, 'message', (m) => m.content === 'after');
        const ack = await emit(bobRooms, 'send', { room_id: roomId, content: 'after', client_msg_id: randomUUID() });
        expect(ack.ok, JSON.stringify(ack)).to.equal(true);
        expect((await toOld).message_id).to.equal(ack.data.message_id);
        expect((await toNew).message_id).to.equal(ack.data.message_id);
        const toBob = waitFor(bobRooms, 'message', (m) => m.content === 'and back');
        await emit(aliceRoomsDuringOutage, 'send', { room_id: roomId, content: 'and back', client_msg_id: randomUUID() });
        await toBob;
      });

      it('matches again, with the users who waited before the outage still waiting', async () => {
        const gus = await anonLogin(B, 'gus');
        const r = await http(B, 'POST', '/api/v1/matchmaking/join', { token: gus.token });
        expect(r.status).to.equal(201);
        expect(r.body.status).to.equal('matched');
        expect((await http(A, 'GET', '/api/v1/matchmaking/status', { token: carol.token })).body).to.deep.equal({ status: 'matched', room_id: r.body.room_id });
      });

      it('tells a user whose socket connected during the outage about a match made on another node', async () => {
        expect((await emit(erinDuringOutage, 'join')).data).to.deep.equal({ status: 'waiting' });
        const heard = waitFor(erinDuringOutage, 'matched');
        const hank = await anonLogin(B, 'hank');
        const r = await http(B, 'POST', '/api/v1/matchmaking/join', { token: hank.token });
        expect(r.body.status).to.equal('matched');
        expect(await heard).to.deep.equal({ room_id: r.body.room_id, partner: { uid: hank.uid, name: 'hank' } });
      });

      it('left no rejected promise unhandled during the outage (that would have ended a real node)', () => {
        expect(unhandled.map(String)).to.deep.equal([]);
      });
    });
  });
}
