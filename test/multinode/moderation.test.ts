import { expect } from 'chai';
import type { Socket } from 'socket.io-client';
import { anonLogin, connect, emit, http, waitFor, type AnonUser } from '../support/clients.js';
import { credentialsReq, uniqueEmail } from '../support/members.js';
import type { Cluster, ClusterNode } from './support/cluster.js';
import { threeNodes } from '../support/three-nodes.js';

// Runs only with both services configured (test/run.mjs phase 3); an unreachable one fails the before hook.
if (process.env.DATABASE_URL && process.env.REDIS_URL) {
  describe('moderation and presence across three nodes', function () {
    this.timeout(90_000);
    let cluster: Cluster;
    let A: ClusterNode, B: ClusterNode, C: ClusterNode;
    const nodes = threeNodes({
      // Each node caches a session's state for SESSION_CACHE_MS; the revoking node forgets at once,
      // the others when the cache runs out (or at once with the revocation broadcast of #11).
      SESSION_CACHE_MS: '0',
      RATE_REPORT: '100000/60',
      RATE_BLOCK: '100000/60',
    });
    before(() => ({ cluster, A, B, C } = nodes));

    const track = (s: Socket) => (nodes.sockets.push(s), s);
    const join = (node: ClusterNode, u: AnonUser) => http(node.url, 'POST', '/api/v1/matchmaking/join', { token: u.token });
    const leave = (node: ClusterNode, u: AnonUser) => http(node.url, 'POST', '/api/v1/matchmaking/leave', { token: u.token });

    async function moderator(node: ClusterNode): Promise<string> {
      const r = await http(node.url, 'POST', '/api/v1/auth/register', { body: credentialsReq(uniqueEmail('mod')) });
      await cluster.db.query(`UPDATE users SET role = 'moderator' WHERE id = $1`, [r.body.uid]);
      return r.body.access_token as string;
    }

    it('a blocked pair joining at the same moment on two nodes is never matched, over many tries', async () => {
      const pairs: Array<[AnonUser, AnonUser]> = [];
      for (let i = 0; i < 15; i++) {
        const x = await anonLogin(A.url, `x${i}`);
        const y = await anonLogin(B.url, `y${i}`);
        const by = i % 2 ? x : y;
        const other = by === x ? y : x;
        expect((await http(C.url, 'POST', '/api/v1/user/me/blocks', { token: by.token, body: { uid: other.uid } })).status).to.equal(200);
        pairs.push([x, y]);
      }
      for (const [x, y] of pairs) {
        const [jx, jy] = await Promise.all([join(A, x), join(B, y)]);
        expect([jx.body.status, jy.body.status], JSON.stringify([jx.body, jy.body])).to.deep.equal(['waiting', 'waiting']);
        await Promise.all([leave(A, x), leave(B, y)]);
      }
    });

    it('blocking a partner on one node closes the room for the partner on another', async () => {
      const x = await anonLogin(A.url, 'x');
      const y = await anonLogin(B.url, 'y');
      const ys = track(await connect(B.url, '/rooms', y.token));
      await join(A, x);
      const roomId = (await join(B, y)).body.room_id as string;
      const closed = waitFor(ys, 'room_closed');
      expect((await http(C.url, 'POST', '/api/v1/user/me/blocks', { token: x.token, body: { uid: y.uid } })).status).to.equal(200);
      expect(await closed).to.deep.equal({ room_id: roomId, by: x.uid });
    });

    it('a ban on one node drops the user\'s sockets on the others, closes the room there and refuses the handshake everywhere', async () => {
      const mod = await moderator(A);
      // A member: banning an anonymous user would also refuse anonymous logins from 127.0.0.1.
      const reg = await http(B.url, 'POST', '/api/v1/auth/register', { body: credentialsReq(uniqueEmail('bad')) });
      const bad = { uid: reg.body.uid, token: reg.body.access_token } as AnonUser;
      const partner = await anonLogin(C.url, 'partner');
      const badRooms = track(await connect(B.url, '/rooms', bad.token));
      const badMm = track(await connect(C.url, '/matchmaking', bad.token));
      const partnerRooms = track(await connect(C.url, '/rooms', partner.token));
      await join(B, bad);
      const roomId = (await join(C, partner)).body.room_id as string;
      const dropped = Promise.all([badRooms, badMm].map((s) => new Promise<string>((resolve) => s.once('disconnect', resolve))));
      const closed = waitFor(partnerRooms, 'room_closed');
      const r = await http(A.url, 'POST', `/api/v1/admin/users/${bad.uid}/ban`, { token: mod, body: { reason: 'abuse' } });
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      expect(await dropped).to.deep.equal(['io server disconnect', 'io server disconnect']);
      expect(await closed).to.deep.equal({ room_id: roomId, by: bad.uid });
      for (const node of [A, B, C]) {
        const err = await connect(node.url, '/rooms', bad.token).then(() => null, (e: Error & { data?: any }) => e);
        expect(err?.message).to.equal('FORBIDDEN');
        expect(err?.data?.error).to.deep.equal({ reason: 'banned', until: null });
        expect((await http(node.url, 'GET', '/api/v1/matchmaking/status', { token: bad.token })).status).to.equal(403);
      }
    });

    it('tells a partner on one node that the other, on another node, is gone and back', async () => {
      const login = async (node: ClusterNode, name: string) => {
        const auth = await connect(node.url, '/auth');
        const ack = await emit(auth, 'anon_login', { name });
        auth.close();
        return ack.data as AnonUser;
      };
      const p = await login(A, 'p');
      const q = await login(B, 'q');
      const pRooms = track(await connect(A.url, '/rooms', p.token));
      const pMm = track(await connect(A.url, '/matchmaking', p.token));
      const qRooms = await connect(B.url, '/rooms', q.token);
      const qMm = await connect(B.url, '/matchmaking', q.token);
      const matched = waitFor<{ room_id: string }>(pMm, 'matched');
      await emit(pMm, 'join');
      await emit(qMm, 'join');
      const { room_id } = await matched;
      const offline = waitFor(pRooms, 'presence', () => true, 10_000);
      qRooms.close();
      qMm.close();
      expect(await offline).to.deep.equal({ room_id, uid: q.uid, online: false });
      const online = waitFor(pRooms, 'presence', () => true, 10_000);
      track(await connect(C.url, '/rooms', q.token));
      expect(await online).to.deep.equal({ room_id, uid: q.uid, online: true });
    });
  });
}
