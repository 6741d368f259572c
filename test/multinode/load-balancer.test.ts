import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { io as ioc, type Socket } from 'socket.io-client';
import { anonLogin, emit, http, waitFor, type AnonUser } from '../support/clients.js';
import { freePort } from '../support/free-port.js';
import { startCluster, until, type Cluster, type ClusterNode } from './support/cluster.js';
import { startLoadBalancer, type LoadBalancer } from './support/load-balancers.js';
import { onRedisCluster } from './support/redis-mode.js';

/**
 * docs/deploy.md's nginx and HAProxy configurations, run as written (addresses and TLS swapped for
 * local ones, test/multinode/support/load-balancers.ts) by Debian's nginx and haproxy in front of
 * three nodes, with a long-polling client (needs stickiness) and a WebSocket client, and the node
 * holding the long-polling client killed in the middle.
 */
// Single Redis only: it checks the balancers' configurations; the nodes' Redis Cluster paths are the other files' (and it keeps the Cluster phase near a minute).
if (process.env.DATABASE_URL && process.env.REDIS_URL && !onRedisCluster) {
  for (const kind of ['nginx', 'haproxy'] as const) {
    describe(`three nodes behind ${kind}, configured as docs/deploy.md says`, function () {
      this.timeout(120_000);
      let cluster: Cluster;
      let lb: LoadBalancer;
      const sockets: Socket[] = [];
      let alice: AnonUser, bob: AnonUser, roomId: string;
      let alicePolling: Socket, bobWs: Socket;
      let aliceConnects = 0;
      let lastAtAlice = '';

      // The clients reconnect by themselves (through the balancer), as real ones do.
      const open = (token: string, transport: 'polling' | 'websocket'): Socket => {
        const s = ioc(`${lb.url}/rooms`, { transports: [transport], withCredentials: true, forceNew: true, reconnectionDelay: 200, reconnectionDelayMax: 1000, auth: { token } });
        sockets.push(s);
        return s;
      };
      const connected = (s: Socket) => (s.connected ? Promise.resolve() : new Promise<void>((resolve) => s.once('connect', () => resolve())));

      /** The node that holds the /rooms socket(s) right now, read from each live node's metrics. */
      async function holderOfRooms(): Promise<ClusterNode[]> {
        const out: ClusterNode[] = [];
        for (const n of cluster.nodes.filter((x) => x.alive)) {
          const text = await (await fetch(`${n.url}/metrics`)).text();
          const m = /socket_connections\{namespace="\/rooms"\} (\d+)/.exec(text);
          if (m && Number(m[1]) > 0) out.push(n);
        }
        return out;
      }

      before(async () => {
        cluster = await startCluster({ nodes: 3, env: { TRUST_PROXY: '1' } });
        lb = await startLoadBalancer(kind, cluster.nodes.map((n) => n.port), await freePort());
        alice = await anonLogin(lb.url, 'alice');
        bob = await anonLogin(lb.url, 'bob');
        await http(lb.url, 'POST', '/api/v1/matchmaking/join', { token: alice.token });
        const j = await http(lb.url, 'POST', '/api/v1/matchmaking/join', { token: bob.token });
        expect(j.body.status, JSON.stringify(j.body)).to.equal('matched');
        roomId = j.body.room_id;
      });

      after(async () => {
        for (const s of sockets.splice(0)) s.close();
        await lb?.stop();
        await cluster?.stop();
      });

      it('serves REST, a long-polling client (sticky) and a WebSocket client, both ways', async () => {
        alicePolling = open(alice.token, 'polling');
        alicePolling.on('connect', () => aliceConnects++);
        alicePolling.on('message', (m: { message_id: string }) => (lastAtAlice = m.message_id));
        bobWs = open(bob.token, 'websocket');
        await Promise.all([connected(alicePolling), connected(bobWs)]);
        expect(alicePolling.io.engine.transport.name).to.equal('polling');
        for (let i = 0; i < 5; i++) {
          const toAlice = waitFor(alicePolling, 'message', (m) => m.content === `to alice ${i}`);
          expect((await emit(bobWs, 'send', { room_id: roomId, content: `to alice ${i}`, client_msg_id: randomUUID() })).ok).to.equal(true);
          await toAlice;
          const toBob = waitFor(bobWs, 'message', (m) => m.content === `to bob ${i}`);
          const ack = await emit(alicePolling, 'send', { room_id: roomId, content: `to bob ${i}`, client_msg_id: randomUUID() });
          expect(ack.ok, JSON.stringify(ack)).to.equal(true);
          await toBob;
        }
        // Several long-polling round trips went through the balancer on one session: no reconnect.
        expect(aliceConnects).to.equal(1);
      });

      it('moves the clients of a killed node to the others, where they carry on and catch up', async () => {
        const holders = await holderOfRooms();
        expect(holders.length, 'some node holds the sockets').to.be.greaterThan(0);
        const before = aliceConnects;
        // Kill the node of the long-polling client (the balancer gives no hint which one it is:
        // kill each holder, which is the polling client's node whatever else it holds).
        await Promise.all(holders.map((n) => n.kill('SIGKILL')));
        await until('the long-polling client to reconnect through the balancer', async () => (aliceConnects > before && alicePolling.connected ? true : undefined), 30_000);
        await until('the WebSocket client to be connected', async () => (bobWs.connected ? true : undefined), 30_000);
        expect(alicePolling.io.engine.transport.name).to.equal('polling');

        const missed = await emit(bobWs, 'send', { room_id: roomId, content: 'after the failover', client_msg_id: randomUUID() });
        expect(missed.ok, JSON.stringify(missed)).to.equal(true);
        const caught = await emit(alicePolling, 'join', { room_id: roomId, after: lastAtAlice });
        expect(caught.ok, JSON.stringify(caught)).to.equal(true);
        expect(caught.data.messages.map((m: { message_id: string }) => m.message_id)).to.include(missed.data.message_id);
        expect(caught.data.closed).to.equal(false);

        const toBob = waitFor(bobWs, 'message', (m) => m.content === 'back');
        expect((await emit(alicePolling, 'send', { room_id: roomId, content: 'back', client_msg_id: randomUUID() })).ok).to.equal(true);
        await toBob;
        const status = await http(lb.url, 'GET', '/api/v1/matchmaking/status', { token: alice.token });
        expect(status.body).to.deep.equal({ status: 'matched', room_id: roomId });
      });
    });
  }
}
