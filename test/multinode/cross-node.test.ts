import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { anonLogin, collect, connect, emit, http, waitFor, type AnonUser } from '../support/clients.js';
import { until, type Cluster, type ClusterNode } from './support/cluster.js';
import { threeNodes } from '../support/three-nodes.js';

// Runs only with both services configured (test/run.mjs phase 3); an unreachable one fails the before hook.
if (process.env.DATABASE_URL && process.env.REDIS_URL) {
  const IDLE_MS = 3000;
  const SWEEP_MS = 250;
  const SEND_LIMIT = 20;

  describe('three nodes behind one Redis and one Postgres', function () {
    this.timeout(60_000);
    let cluster: Cluster;
    let A: ClusterNode, B: ClusterNode, C: ClusterNode;
    const nodes = threeNodes({
      MATCH_IDLE_TIMEOUT_MS: String(IDLE_MS),
      MATCH_SWEEP_INTERVAL_MS: String(SWEEP_MS),
      RATE_MESSAGE_SEND: `${SEND_LIMIT}/60`,
      REFRESH_GRACE: '0', // a reused refresh token is theft at once
    });
    const sockets = nodes.sockets;
    before(() => ({ cluster, A, B, C } = nodes));

    interface Side {
      user: AnonUser;
      node: ClusterNode;
      mm: Socket;
      rooms: Socket;
    }

    async function side(node: ClusterNode, name: string): Promise<Side> {
      const user = await anonLogin(node.url, name);
      const mm = await connect(node.url, '/matchmaking', user.token);
      const rooms = await connect(node.url, '/rooms', user.token);
      sockets.push(mm, rooms);
      return { user, node, mm, rooms };
    }

    /** Alice on `a` joins over REST and waits; Bob on `b` joins over his socket and is matched. */
    async function pairAcross(a: ClusterNode, b: ClusterNode) {
      const alice = await side(a, 'alice');
      const bob = await side(b, 'bob');
      const aliceMatched = waitFor(alice.mm, 'matched');
      const bobMatched = waitFor(bob.mm, 'matched');
      const ja = await http(a.url, 'POST', '/api/v1/matchmaking/join', { token: alice.user.token });
      expect(ja.status, JSON.stringify(ja.body)).to.equal(201);
      expect(ja.body).to.deep.equal({ status: 'waiting' });
      const jb = await emit(bob.mm, 'join');
      expect(jb.ok, JSON.stringify(jb)).to.equal(true);
      expect(jb.data.status).to.equal('matched');
      const roomId = jb.data.room_id as string;
      const [ma, mb] = await Promise.all([aliceMatched, bobMatched]);
      return { alice, bob, roomId, ma, mb };
    }

    const send = (node: ClusterNode, user: AnonUser, roomId: string, content: string, clientMsgId = randomUUID()) =>
      http(node.url, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: user.token, body: { content, client_msg_id: clientMsgId } });

    const queueKey = () => `${cluster.env.REDIS_PREFIX}:mm:{pool}queue`;
    const waitsInRedis = async (uid: string) => (await cluster.redis.zScore(queueKey(), uid)) !== null;

    it('matches users on different nodes and tells each of them on the node it is connected to', async () => {
      const { alice, bob, roomId, ma, mb } = await pairAcross(A, B);
      expect(ma).to.deep.equal({ room_id: roomId, partner: { uid: bob.user.uid, name: 'bob' } });
      expect(mb).to.deep.equal({ room_id: roomId, partner: { uid: alice.user.uid, name: 'alice' } });
      for (const u of [alice.user, bob.user]) {
        const s = await http(C.url, 'GET', '/api/v1/matchmaking/status', { token: u.token });
        expect(s.body).to.deep.equal({ status: 'matched', room_id: roomId });
      }
    });

    it('carries messages both ways across nodes, over sockets and over REST', async () => {
      const { alice, bob, roomId } = await pairAcross(A, B);

      const toBob = waitFor(bob.rooms, 'message', (m) => m.content === 'hello from A');
      const sent = await emit(alice.rooms, 'send', { room_id: roomId, content: 'hello from A', client_msg_id: randomUUID() });
      expect(sent.ok, JSON.stringify(sent)).to.equal(true);
      expect(await toBob).to.deep.equal(sent.data);

      const toAlice = waitFor(alice.rooms, 'message', (m) => m.content === 'hello from C');
      const viaRest = await send(C, bob.user, roomId, 'hello from C');
      expect(viaRest.status).to.equal(201);
      const live = await toAlice;
      expect(live).to.deep.equal({ ...viaRest.body, room_id: roomId });

      const list = await http(B.url, 'GET', `/api/v1/rooms/${roomId}/messages`, { token: alice.user.token });
      expect(list.body.data.map((m: { content: string }) => m.content)).to.deep.equal(['hello from C', 'hello from A']);
    });

    it('answers a retried send on another node with the first message and broadcasts it once', async () => {
      const { alice, bob, roomId } = await pairAcross(A, B);
      const seen = collect<{ message_id: string; content: string }>(bob.rooms, 'message');
      const clientMsgId = randomUUID();

      const first = await send(A, alice.user, roomId, 'only once', clientMsgId);
      expect(first.status).to.equal(201);
      const again = await send(B, alice.user, roomId, 'only once', clientMsgId);
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal(first.body);
      const overSocket = await emit(alice.rooms, 'send', { room_id: roomId, content: 'only once', client_msg_id: clientMsgId });
      expect(overSocket.data.message_id).to.equal(first.body.message_id);

      // A broadcast by B (or by A, for the socket retry) would reach Bob before a later one from the same node.
      const markerB = waitFor(bob.rooms, 'message', (m) => m.content === 'marker B');
      const markerA = waitFor(bob.rooms, 'message', (m) => m.content === 'marker A');
      await send(B, alice.user, roomId, 'marker B');
      await send(A, alice.user, roomId, 'marker A');
      await Promise.all([markerA, markerB]);
      expect(seen.filter((m) => m.message_id === first.body.message_id)).to.have.length(1);

      const { rows } = await cluster.db.query('SELECT count(*)::int AS n FROM messages WHERE room_id = $1', [roomId]);
      expect(rows[0].n).to.equal(3);
    });

    it('relays typing to the partner on another node and never back to the typing user on any node', async () => {
      const { alice, bob, roomId } = await pairAcross(A, B);
      const aliceOnC = await connect(C.url, '/rooms', alice.user.token);
      sockets.push(aliceOnC);
      const echoes = collect(alice.rooms, 'typing');
      const echoesOnC = collect(aliceOnC, 'typing');

      const toBob = waitFor(bob.rooms, 'typing');
      const ack = await emit(alice.rooms, 'typing', { room_id: roomId, typing: true });
      expect(ack.ok).to.equal(true);
      expect(await toBob).to.deep.equal({ room_id: roomId, uid: alice.user.uid, typing: true });

      // A later broadcast from node A reaches Alice's sockets after the typing one would have.
      const markers = [waitFor(alice.rooms, 'message'), waitFor(aliceOnC, 'message')];
      await send(A, alice.user, roomId, 'marker');
      await Promise.all(markers);
      expect(echoes).to.deep.equal([]);
      expect(echoesOnC).to.deep.equal([]);
    });

    it('tells the partner on another node that the room closed, and refuses later sends on every node', async () => {
      const { alice, bob, roomId } = await pairAcross(A, B);
      const closed = waitFor(alice.rooms, 'room_closed');
      const left = await http(C.url, 'POST', `/api/v1/rooms/${roomId}/leave`, { token: bob.user.token });
      expect(left.status).to.equal(200);
      expect(await closed).to.deep.equal({ room_id: roomId, by: bob.user.uid });
      for (const node of [A, B, C]) expect((await send(node, alice.user, roomId, 'too late')).status).to.equal(409);
      for (const u of [alice.user, bob.user]) {
        expect((await http(A.url, 'GET', '/api/v1/matchmaking/status', { token: u.token })).body).to.deep.equal({ status: 'idle' });
      }
    });

    it('holds the message-send limit for a user whose requests are spread over the nodes', async () => {
      const { alice, roomId } = await pairAcross(A, C);
      const nodes = [A, B, C];
      for (let i = 0; i < SEND_LIMIT; i++) {
        const r = await send(nodes[i % 3]!, alice.user, roomId, `m${i}`);
        expect(r.status, `send ${i} on node ${i % 3}`).to.equal(201);
      }
      for (const node of nodes) {
        const r = await send(node, alice.user, roomId, 'one too many');
        expect(r.status).to.equal(429);
        expect(r.body.code).to.equal('RATE_LIMITED');
        expect(Number(r.headers.get('retry-after'))).to.be.within(1, 60);
      }
      const overSocket = await emit(alice.rooms, 'send', { room_id: roomId, content: 'one too many', client_msg_id: randomUUID() });
      expect(overSocket.error?.code).to.equal('RATE_LIMITED');
    });

    it("disconnects a revoked session's sockets on every node", async () => {
      const mallory = await anonLogin(A.url, 'mallory');
      const onB = await connect(B.url, '/rooms', mallory.token);
      const onC = await connect(C.url, '/matchmaking', mallory.centrifugo_token);
      sockets.push(onB, onC);
      const dropped = [onB, onC].map((s) => new Promise<string>((resolve) => s.once('disconnect', resolve)));

      const refreshed = await http(A.url, 'POST', '/api/v1/auth/refresh', { body: { token: mallory.refresh_token } });
      expect(refreshed.status).to.equal(200);
      const reused = await http(A.url, 'POST', '/api/v1/auth/refresh', { body: { token: mallory.refresh_token } });
      expect(reused.status).to.equal(401);

      expect(await Promise.all(dropped)).to.deep.equal(['io server disconnect', 'io server disconnect']);
      // Node B may trust its cached session lookup for SESSION_CACHE_MS (2 s by default), no longer.
      const refused = await until('node B to refuse the revoked session', async () => {
        const outcome = await connect(B.url, '/rooms', refreshed.body.token).then(
          (s) => (s.close(), undefined),
          (e: Error) => e.message,
        );
        return outcome;
      }, 5000, 250);
      expect(refused).to.equal('UNAUTHENTICATED');
    });

    it('keeps a waiting user alive through its socket on another node and drops one that nobody keeps alive', async () => {
      // Ulla and Vic were just in a room together, so they wait side by side without being paired.
      const ulla = await anonLogin(A.url, 'ulla');
      const vic = await anonLogin(A.url, 'vic');
      await http(C.url, 'POST', '/api/v1/matchmaking/join', { token: ulla.token });
      const paired = await http(A.url, 'POST', '/api/v1/matchmaking/join', { token: vic.token });
      expect(paired.body.status).to.equal('matched');
      await http(B.url, 'POST', `/api/v1/rooms/${paired.body.room_id}/leave`, { token: vic.token });

      const ullaSocket = await connect(B.url, '/matchmaking', ulla.token); // her only sign of life, on node B
      sockets.push(ullaSocket);
      const joinedAt = Date.now();
      expect((await http(C.url, 'POST', '/api/v1/matchmaking/join', { token: ulla.token })).body).to.deep.equal({ status: 'waiting' });
      expect((await http(A.url, 'POST', '/api/v1/matchmaking/join', { token: vic.token })).body).to.deep.equal({ status: 'waiting' });

      // Vic has no socket and does not poll: some node's sweep drops him after the idle timeout.
      await until('Vic to leave the pool', async () => ((await waitsInRedis(vic.uid)) ? undefined : true), IDLE_MS + 10_000);
      const quiet = joinedAt + IDLE_MS + 4 * SWEEP_MS - Date.now();
      if (quiet > 0) await new Promise((r) => setTimeout(r, quiet));
      expect(await waitsInRedis(ulla.uid), 'Ulla is still waiting').to.equal(true);
      expect((await http(C.url, 'GET', '/api/v1/matchmaking/status', { token: vic.token })).body).to.deep.equal({ status: 'idle' });

      // The next user is matched with Ulla, not with Vic, and Ulla hears of it on node B.
      const wes = await anonLogin(C.url, 'wes');
      const heard = waitFor(ullaSocket, 'matched');
      const w = await http(C.url, 'POST', '/api/v1/matchmaking/join', { token: wes.token });
      expect(w.body.status).to.equal('matched');
      expect(await heard).to.deep.equal({ room_id: w.body.room_id, partner: { uid: wes.uid, name: 'wes' } });
    });
  });
}
