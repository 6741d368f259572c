import { expect } from 'chai';
import { connect, emit, http } from '../support/clients.js';
import { credentialsReq, uniqueEmail } from '../support/members.js';
import { startCluster, type Cluster, type ClusterNode } from './support/cluster.js';

// Runs only with both services configured (test/run.mjs phase 3); an unreachable one fails the before hook.
if (process.env.DATABASE_URL && process.env.REDIS_URL) {
  describe('security limits hold across nodes (two nodes behind a proxy, TRUST_PROXY=1)', function () {
    this.timeout(60_000);
    let cluster: Cluster;
    let A: ClusterNode, B: ClusterNode;

    before(async () => {
      cluster = await startCluster({
        nodes: 2,
        env: { TRUST_PROXY: '1', RATE_AUTH_CLIENT: '4/600', RATE_CODE_REQUEST_CLIENT: '2/3600', RATE_SOCKET_CONNECT: '3/600' },
      });
      [A, B] = cluster.nodes as [ClusterNode, ClusterNode];
    });
    after(async () => cluster?.stop());

    it('counts one client\'s logins on every node and both doors against one budget', async () => {
      const ip = '198.51.100.77';
      const headers = { 'x-forwarded-for': ip };
      const wrong = () => credentialsReq(uniqueEmail(), 'wrong password');
      expect((await http(A.url, 'POST', '/api/v1/auth/sessions', { body: wrong(), headers })).status).to.equal(401);
      expect((await http(B.url, 'POST', '/api/v1/auth/sessions', { body: wrong(), headers })).status).to.equal(401);
      const socket = await connect(B.url, '/auth', undefined, { extraHeaders: headers });
      try {
        expect((await emit(socket, 'login', wrong())).error!.code).to.equal('UNAUTHENTICATED');
        expect((await http(A.url, 'POST', '/api/v1/auth/sessions', { body: wrong(), headers })).status).to.equal(401);
        expect((await emit(socket, 'login', wrong())).error!.code).to.equal('RATE_LIMITED');
      } finally {
        socket.close();
      }
      expect((await http(A.url, 'POST', '/api/v1/auth/sessions', { body: wrong(), headers })).status).to.equal(429);
    });

    it('counts code requests and new socket connections per client across nodes', async () => {
      const headers = { 'x-forwarded-for': '198.51.100.78' };
      const ask = (url: string) => http(url, 'POST', '/api/v1/auth/password-resets/request', { body: { identifier: uniqueEmail(), account_type: 'email' }, headers });
      expect([(await ask(A.url)).status, (await ask(B.url)).status, (await ask(A.url)).status]).to.deep.equal([200, 200, 429]);

      const opts = { extraHeaders: { 'x-forwarded-for': '198.51.100.79' } };
      for (const url of [A.url, B.url, A.url]) (await connect(url, '/auth', undefined, opts)).close();
      let refused = false;
      await connect(B.url, '/auth', undefined, opts).then((s) => s.close(), () => (refused = true));
      expect(refused, 'a fourth connection on another node was accepted').to.equal(true);
    });
  });
}
