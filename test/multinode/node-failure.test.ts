import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { anonLogin, connect, emit, http, waitFor, type AnonUser } from '../support/clients.js';
import { startCluster, until, type Cluster, type ClusterNode } from './support/cluster.js';
import { onRedisCluster } from './support/redis-mode.js';

// Runs only with both services configured (test/run.mjs phase 3); an unreachable one fails the before hook.
// Single Redis only: a dead node touches Redis as cross-node's unkept waiting user does (run on the Cluster), and the Cluster phase stays near a minute.
if (process.env.DATABASE_URL && process.env.REDIS_URL && !onRedisCluster) {
  const IDLE_MS = 2000;

  describe('a node that dies', function () {
    this.timeout(60_000);
    let cluster: Cluster;
    let A: ClusterNode, B: ClusterNode, C: ClusterNode;
    const sockets: Socket[] = [];

    // The story of the suite: Alice (node A) and Bob (node B) chat; Zoe waits with her socket on
    // node B; then node B is killed with SIGKILL.
    let alice: AnonUser, bob: AnonUser, zoe: AnonUser;
    let roomId: string;
    let aliceRooms: Socket;
    let bobLastSeen: string;

    const send = (node: ClusterNode, user: AnonUser, content: string) =>
      http(node.url, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: user.token, body: { content, client_msg_id: randomUUID() } });

    before(async () => {
      cluster = await startCluster({ nodes: 3, env: { MATCH_IDLE_TIMEOUT_MS: String(IDLE_MS), MATCH_SWEEP_INTERVAL_MS: '200' } });
      [A, B, C] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];

      alice = await anonLogin(A.url, 'alice');
      bob = await anonLogin(B.url, 'bob');
      aliceRooms = await connect(A.url, '/rooms', alice.token);
      const bobRooms = await connect(B.url, '/rooms', bob.token);
      sockets.push(aliceRooms, bobRooms);
      await http(A.url, 'POST', '/api/v1/matchmaking/join', { token: alice.token });
      const j = await http(B.url, 'POST', '/api/v1/matchmaking/join', { token: bob.token });
      expect(j.body.status).to.equal('matched');
      roomId = j.body.room_id;
      const seen = waitFor(bobRooms, 'message');
      await send(A, alice, 'before the crash');
      bobLastSeen = (await seen).message_id;

      zoe = await anonLogin(B.url, 'zoe');
      sockets.push(await connect(B.url, '/matchmaking', zoe.token));
      expect((await http(B.url, 'POST', '/api/v1/matchmaking/join', { token: zoe.token })).body).to.deep.equal({ status: 'waiting' });

      const gone = new Promise((resolve) => bobRooms.once('disconnect', resolve));
      await B.kill('SIGKILL');
      await gone;
    });

    after(async () => {
      for (const s of sockets.splice(0)) s.close();
      await cluster?.stop();
    });

    it('leaves the other nodes ready and serving logins and history', async () => {
      for (const node of [A, C]) {
        expect((await http(node.url, 'GET', '/readyz')).status).to.equal(200);
        const list = await http(node.url, 'GET', `/api/v1/rooms/${roomId}/messages`, { token: alice.token });
        expect(list.status).to.equal(200);
        expect(list.body.data[0].message_id).to.equal(bobLastSeen);
      }
      expect((await anonLogin(C.url, 'newcomer')).uid).to.be.a('string');
    });

    it("drops the dead node's waiting users once nobody keeps them alive, so nobody is matched with them", async () => {
      await until('Zoe to leave the pool', async () =>
        (await cluster.redis.zScore(`${cluster.env.REDIS_PREFIX}:mm:{pool}queue`, zoe.uid)) === null ? true : undefined,
      );
      const x = await anonLogin(A.url, 'x');
      const y = await anonLogin(C.url, 'y');
      expect((await http(A.url, 'POST', '/api/v1/matchmaking/join', { token: x.token })).body).to.deep.equal({ status: 'waiting' });
      const jy = await http(C.url, 'POST', '/api/v1/matchmaking/join', { token: y.token });
      expect(jy.body.status).to.equal('matched');
      const members = await cluster.db.query<{ user_id: string }>('SELECT user_id FROM room_members WHERE room_id = $1', [jy.body.room_id]);
      expect(members.rows.map((r) => r.user_id).sort()).to.deep.equal([x.uid, y.uid].sort());
    });

    it('lets its users reconnect to another node and catch up on every message sent while they were away', async () => {
      for (const [i, node] of [A, C, A].entries()) {
        const r = await send(node, alice, `while Bob is away ${i + 1}`);
        expect(r.status, JSON.stringify(r.body)).to.equal(201);
      }
      const bobOnC = await connect(C.url, '/rooms', bob.token);
      sockets.push(bobOnC);
      const caught = await emit(bobOnC, 'join', { room_id: roomId, after: bobLastSeen });
      expect(caught.ok, JSON.stringify(caught)).to.equal(true);
      expect(caught.data.messages.map((m: { content: string }) => m.content)).to.deep.equal([
        'while Bob is away 1',
        'while Bob is away 2',
        'while Bob is away 3',
      ]);

      // And live delivery carries on both ways from the new node.
      const toBob = waitFor(bobOnC, 'message', (m) => m.content === 'welcome back');
      await send(A, alice, 'welcome back');
      await toBob;
      const toAlice = waitFor(aliceRooms, 'message', (m) => m.content === 'thanks');
      const ack = await emit(bobOnC, 'send', { room_id: roomId, content: 'thanks', client_msg_id: randomUUID() });
      expect(ack.ok).to.equal(true);
      expect((await toAlice).message_id).to.equal(ack.data.message_id);
    });
  });
}
