import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { anonLogin, collect, connect, emit, http, waitFor, type AnonUser } from '../support/clients.js';
import { startCluster, until, within, type Cluster, type ClusterNode } from './support/cluster.js';
import { onRedisCluster, phaseRedisCluster } from './support/redis-mode.js';
import type { RedisCluster } from './support/redis-cluster.js';

// The Cluster's Redis outage (the Cluster phase only; redis-outage.test.ts is the single Redis one).
if (process.env.DATABASE_URL && process.env.REDIS_URL && onRedisCluster) {
  /** Every call during the outage must answer well within this: no hanging on a dead master. */
  const PROMPT_MS = 5000;

  /**
   * Two nodes on the 3-master Cluster; the master that holds the matchmaking pool's slot and the
   * chat room's channel is killed (no replicas: its slots go down, and once the others agree it
   * failed, with full coverage required, the Cluster refuses every key command) and started again on its ports with its cluster config but none of its data, as a
   * master without persistence comes back. One story, in order: before, during, after.
   */
  describe('a Redis Cluster master that dies and restarts empty', function () {
    this.timeout(90_000);
    let redis: RedisCluster;
    let master: number;
    let cluster: Cluster;
    let A: ClusterNode, B: ClusterNode;
    const sockets: Socket[] = [];
    const track = (s: Socket): Socket => (sockets.push(s), s);
    let alice: AnonUser, bob: AnonUser, x: AnonUser, y: AnonUser, waiter: AnonUser;
    let waiterMatched: Promise<{ room_id: string }>;
    let roomId = '';
    let aliceRooms: Socket, bobRooms: Socket;
    let aliceResyncs: Array<{ room_ids: string[] }>, bobResyncs: Array<{ room_ids: string[] }>;
    let aliceMessages: Array<{ message_id: string; seq: number }>, bobMessages: Array<{ message_id: string; seq: number }>;
    let duringOutage: Array<{ message_id: string; seq: number }>;
    const readyz = (node: ClusterNode) => within(PROMPT_MS, 'GET /readyz', http(node.url, 'GET', '/readyz'));
    const send = (node: ClusterNode, user: AnonUser, content: string) =>
      within(PROMPT_MS, 'send', http(node.url, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: user.token, body: { content, client_msg_id: randomUUID() } }));

    before(async () => {
      redis = (await phaseRedisCluster())!;
      // Heartbeats every second (a third of the idle timeout), so a forgotten waiting user is queued again soon.
      cluster = await startCluster({ nodes: 2, env: { MATCH_IDLE_TIMEOUT_MS: '3000' } });
      [A, B] = cluster.nodes as [ClusterNode, ClusterNode];
      master = await redis.masterOf(`${cluster.env.REDIS_PREFIX}:mm:{pool}queue`);

      // Alice and Bob get a room whose channel lives on that master too (2 in 3 rooms do not: they
      // leave and the next pair tries), so both nodes lose the room's broadcasts with it.
      for (let tries = 0; !roomId; tries++) {
        if (tries === 40) throw new Error('no room channel landed on the pool master in 40 pairs');
        alice = await anonLogin(A.url, 'alice');
        bob = await anonLogin(B.url, 'bob');
        await http(A.url, 'POST', '/api/v1/matchmaking/join', { token: alice.token });
        const j = await http(B.url, 'POST', '/api/v1/matchmaking/join', { token: bob.token });
        expect(j.body.status, 'Alice and Bob are matched across the nodes').to.equal('matched');
        if ((await redis.masterOf(`${cluster.env.REDIS_PREFIX}:sio#/rooms#room:${j.body.room_id}#`)) === master) roomId = j.body.room_id;
        else await http(B.url, 'POST', `/api/v1/rooms/${j.body.room_id}/leave`, { token: bob.token });
      }
      // The handshake puts each socket into its open room.
      aliceRooms = track(await connect(A.url, '/rooms', alice.token));
      bobRooms = track(await connect(B.url, '/rooms', bob.token));
      aliceResyncs = collect(aliceRooms, 'resync');
      bobResyncs = collect(bobRooms, 'resync');
      aliceMessages = collect(aliceRooms, 'message');
      bobMessages = collect(bobRooms, 'message');
      const seen = waitFor(bobRooms, 'message');
      expect((await send(A, alice, 'before')).status).to.equal(201);
      await seen;

      // X blocks Y: the block lives in the pool's slot too, and must survive the restart.
      x = await anonLogin(A.url, 'x');
      y = await anonLogin(B.url, 'y');
      expect((await http(A.url, 'POST', '/api/v1/user/me/blocks', { token: x.token, body: { uid: y.uid } })).status).to.equal(200);

      // A user waits for a match with a socket open on A; the pool that holds the place dies with the master.
      waiter = await anonLogin(A.url, 'waiter');
      const waiterMm = track(await connect(A.url, '/matchmaking', waiter.token));
      waiterMatched = waitFor(waiterMm, 'matched', () => true, 60_000);
      waiterMatched.catch(() => undefined); // awaited in its test; never an unhandled rejection if an earlier one fails
      expect((await emit(waiterMm, 'join')).data).to.deep.equal({ status: 'waiting' });
      await new Promise((r) => setTimeout(r, 1500)); // a heartbeat of A sees the user waiting

      await redis.kill(master);
    });

    after(async () => {
      for (const s of sockets.splice(0)) s.close();
      await redis?.start(master).catch(() => undefined); // the next files need a whole Cluster
      await cluster?.stop();
    });

    describe('while the master is down', () => {
      before(async () => {
        await until('both nodes to notice the outage', async () => ((await readyz(A)).status === 503 && (await readyz(B)).status === 503 ? true : undefined));
      });

      it('reports redis unavailable on /readyz of every node while the database stays ok', async () => {
        for (const node of [A, B]) expect((await readyz(node)).body).to.deep.equal({ status: 'unavailable', checks: { database: 'ok', redis: 'unavailable' } });
      });

      it('answers 503 UNAVAILABLE with Retry-After, promptly, to a matchmaking join', async () => {
        const dave = await anonLogin(A.url, 'dave');
        const r = await within(PROMPT_MS, 'join', http(B.url, 'POST', '/api/v1/matchmaking/join', { token: dave.token }));
        expect(r.status, JSON.stringify(r.body)).to.equal(503);
        expect(r.body.code).to.equal('UNAVAILABLE');
        expect(Number(r.headers.get('retry-after'))).to.be.at.least(1);
      });

      it('keeps storing messages sent on either node, numbered in order', async () => {
        duringOutage = [];
        for (const [node, user, content] of [[A, alice, 'during 1'], [B, bob, 'during 2']] as const) {
          const r = await send(node, user, content);
          expect(r.status, JSON.stringify(r.body)).to.equal(201);
          duringOutage.push(r.body);
        }
        expect(duringOutage.map((m) => m.seq)).to.deep.equal([2, 3]);
      });
    });

    describe('after the master is back', () => {
      before(async () => {
        await redis.start(master);
        await until('both nodes to be ready again', async () => ((await readyz(A)).status === 200 && (await readyz(B)).status === 200 ? true : undefined), 30_000);
      });

      it("tells each client on either node, which missed the other node's message, to resync, and the catch-up fills the gap", async () => {
        for (const [who, socket, live, resyncs, own] of [['Alice', aliceRooms, aliceMessages, aliceResyncs, 2], ['Bob', bobRooms, bobMessages, bobResyncs, 3]] as const) {
          expect(live.map((m) => m.seq), `${who} got live: before, and the outage message of her or his own node`).to.deep.equal([1, own]);
          expect(await until(`a resync for ${who}`, async () => resyncs[0])).to.deep.equal({ room_ids: [roomId] });
          const caught = await emit(socket, 'join', { room_id: roomId, after: live[0]!.message_id });
          expect(caught.data.messages.map((m: { seq: number }) => m.seq)).to.deep.equal([2, 3]);
        }
      });

      it('delivers across the nodes again, both ways', async () => {
        const toBob = waitFor(bobRooms, 'message', (m) => m.content === 'after');
        const sent = await emit(aliceRooms, 'send', { room_id: roomId, content: 'after', client_msg_id: randomUUID() });
        expect(sent.ok, JSON.stringify(sent)).to.equal(true);
        expect((await toBob).message_id).to.equal(sent.data.message_id);
        const toAlice = waitFor(aliceRooms, 'message', (m) => m.content === 'and back');
        const back = await emit(bobRooms, 'send', { room_id: roomId, content: 'and back', client_msg_id: randomUUID() });
        expect((await toAlice).message_id).to.equal(back.data.message_id);
      });

      it('queues again the user who was waiting with a socket on A, and matches them with the next joiner', async () => {
        const queue = `${cluster.env.REDIS_PREFIX}:mm:{pool}queue`;
        await until('A to queue its waiting user again', async () => ((await cluster.redis.zScore(queue, waiter.uid)) !== null ? true : undefined), 20_000);
        const next = await anonLogin(B.url, 'next');
        const j = await http(B.url, 'POST', '/api/v1/matchmaking/join', { token: next.token });
        expect(j.body.status, JSON.stringify(j.body)).to.equal('matched');
        expect((await waiterMatched).room_id, "the waiting user's socket on A is told").to.equal(j.body.room_id);
      });

      it('matches again, and a block made before the restart still keeps its pair apart', async () => {
        // Ready again means the blocks are loaded again (until then a join answers 503, as during the outage).
        const jx = await http(A.url, 'POST', '/api/v1/matchmaking/join', { token: x.token });
        const jy = await http(B.url, 'POST', '/api/v1/matchmaking/join', { token: y.token });
        expect([jx.body, jy.body]).to.deep.equal([{ status: 'waiting' }, { status: 'waiting' }]);
        const zed = await anonLogin(B.url, 'zed');
        const jz = await http(B.url, 'POST', '/api/v1/matchmaking/join', { token: zed.token });
        expect(jz.body.status).to.equal('matched');
        const members = await cluster.db.query<{ user_id: string }>('SELECT user_id FROM room_members WHERE room_id = $1', [jz.body.room_id]);
        expect(members.rows.map((r) => r.user_id).sort()).to.deep.equal([x.uid, zed.uid].sort());
      });

      it('kept both nodes running (an unhandled rejection would have ended one)', () => {
        expect([A.alive, B.alive]).to.deep.equal([true, true]);
      });
    });
  });
}
