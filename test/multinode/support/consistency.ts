import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { anonLogin, connect, emit, http, waitFor } from '../../support/clients.js';
import { startCluster, until, type Cluster, type ClusterNode, type ClusterOptions } from './cluster.js';

const SEND_LIMIT = 30;

/**
 * What must hold whatever Redis sits under the nodes (one server, or a Cluster): matching and
 * delivery across nodes, per-room seq under concurrent sends from two nodes, revocation reaching
 * every node at once, and a rate limit shared by the nodes. `startOpts` picks the Redis.
 */
export function describeConsistency(title: string, startOpts: () => Promise<Partial<ClusterOptions>> | Partial<ClusterOptions> = () => ({})): void {
  describe(title, function () {
    this.timeout(90_000);
    let cluster: Cluster;
    let A: ClusterNode, B: ClusterNode;
    const sockets: Socket[] = [];
    const track = (s: Socket): Socket => (sockets.push(s), s);

    before(async () => {
      const extra = await startOpts();
      cluster = await startCluster({
        nodes: 2,
        ...extra,
        env: {
          RATE_MESSAGE_SEND: `${SEND_LIMIT}/60`,
          // The longest cache allowed: only the revocation bus can make revocation immediate.
          SESSION_CACHE_MS: '60000',
          ...(extra.env ?? {}),
        },
      });
      [A, B] = cluster.nodes as [ClusterNode, ClusterNode];
    });
    afterEach(() => {
      for (const s of sockets.splice(0)) s.close();
    });
    after(async () => cluster?.stop());

    async function pairAcross() {
      const alice = await anonLogin(A.url, 'alice');
      const bob = await anonLogin(B.url, 'bob');
      const aliceRooms = track(await connect(A.url, '/rooms', alice.token));
      const bobRooms = track(await connect(B.url, '/rooms', bob.token));
      const bobMm = track(await connect(B.url, '/matchmaking', bob.token));
      expect((await http(A.url, 'POST', '/api/v1/matchmaking/join', { token: alice.token })).body).to.deep.equal({ status: 'waiting' });
      const matched = waitFor(bobMm, 'matched');
      const j = await emit(bobMm, 'join');
      expect(j.data.status, JSON.stringify(j)).to.equal('matched');
      expect((await matched).partner.uid).to.equal(alice.uid);
      return { alice, bob, aliceRooms, bobRooms, roomId: j.data.room_id as string };
    }

    it('pairs users on two nodes and numbers concurrent sends from both nodes 1..N, delivered live to both sides', async () => {
      const { aliceRooms, bobRooms, roomId } = await pairAcross();
      const n = 12;
      const atAlice: Array<{ seq: number }> = [];
      const atBob: Array<{ seq: number }> = [];
      aliceRooms.on('message', (m) => atAlice.push(m));
      bobRooms.on('message', (m) => atBob.push(m));
      const acks = await Promise.all(
        Array.from({ length: n }, (_, i) => emit(i % 2 ? aliceRooms : bobRooms, 'send', { room_id: roomId, content: `m${i}`, client_msg_id: randomUUID() })),
      );
      const seqs = acks.map((a) => a.data.seq).sort((x: number, y: number) => x - y);
      expect(seqs).to.deep.equal(Array.from({ length: n }, (_, i) => i + 1));
      const byId = acks.map((a) => a.data).sort((x, y) => (x.message_id < y.message_id ? -1 : 1));
      expect(byId.map((m) => m.seq)).to.deep.equal(seqs);
      await until('every message on both sides', async () => (atAlice.length === n && atBob.length === n ? true : undefined));
      for (const got of [atAlice, atBob]) expect(got.map((m) => m.seq).sort((x, y) => x - y)).to.deep.equal(seqs);
    });

    it('revokes on every node at once: a logout on one node ends the session cached by the other', async () => {
      const carol = await anonLogin(A.url, 'carol');
      // Node B caches the session as active (for up to SESSION_CACHE_MS = 60 s).
      expect((await http(B.url, 'GET', '/api/v1/matchmaking/status', { token: carol.token })).status).to.equal(200);
      const socket = track(await connect(B.url, '/rooms', carol.token));
      const dropped = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      expect((await http(A.url, 'DELETE', '/api/v1/auth/sessions', { token: carol.token })).status).to.equal(200);
      // Well inside the 60 s cache: only the broadcast can have told node B.
      const status = await until('node B to refuse the revoked session', async () => {
        const r = await http(B.url, 'GET', '/api/v1/matchmaking/status', { token: carol.token });
        return r.status === 200 ? undefined : r;
      }, 10_000);
      expect(status.status).to.equal(401);
      expect(await dropped).to.equal('io server disconnect');
    });

    it('holds one message rate limit across the nodes', async () => {
      const { alice, roomId } = await pairAcross();
      const results: number[] = [];
      for (let i = 0; i < SEND_LIMIT + 4; i++) {
        const node = i % 2 ? A : B;
        const r = await http(node.url, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: alice.token, body: { content: `r${i}`, client_msg_id: randomUUID() } });
        results.push(r.status);
      }
      // The pairing used none of the send budget; every accepted send consumed one point, on whichever node.
      expect(results.filter((s) => s === 201)).to.have.length(SEND_LIMIT);
      expect(results.slice(SEND_LIMIT)).to.deep.equal([429, 429, 429, 429]);
    });
  });
}
