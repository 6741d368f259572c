import { expect } from 'chai';
import { anonLogin, http, type AnonUser } from '../support/clients.js';
import { startCluster, type Cluster, type ClusterNode } from './support/cluster.js';

// Runs only with both services configured (test/run.mjs phase 3); an unreachable one fails the before hook.
if (process.env.DATABASE_URL && process.env.REDIS_URL) {
  const USERS = 100;

  /** Runs `fn` over `items` with at most `limit` in flight. */
  async function inBatches<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: limit }, async () => {
        while (next < items.length) {
          const i = next++;
          out[i] = await fn(items[i]!, i);
        }
      }),
    );
    return out;
  }

  describe('matchmaking shared by three nodes under concurrent joins', function () {
    this.timeout(90_000);
    let cluster: Cluster;
    let nodes: ClusterNode[];

    before(async () => {
      cluster = await startCluster({ nodes: 3 });
      nodes = cluster.nodes;
    });

    after(async () => {
      await cluster?.stop();
    });

    it(`pairs ${USERS} users joining at once on different nodes, all but at most one, each into exactly one room`, async () => {
      const users: AnonUser[] = await inBatches(Array.from({ length: USERS }), 10, (_, i) => anonLogin(nodes[i % 3]!.url, `load-${i}`));
      const uids = users.map((u) => u.uid);
      const nodeOf = (i: number) => nodes[(i + 1) % 3]!; // not the node it logged in on

      const joins = await Promise.all(users.map((u, i) => http(nodeOf(i).url, 'POST', '/api/v1/matchmaking/join', { token: u.token })));
      for (const j of joins) {
        expect(j.status, JSON.stringify(j.body)).to.equal(201);
        expect(j.body.status).to.be.oneOf(['waiting', 'matched']);
      }

      // Every user is matched or still waiting: nobody who joined is lost (idle).
      const states = await inBatches(users, 20, (u, i) => http(nodes[i % 3]!.url, 'GET', '/api/v1/matchmaking/status', { token: u.token }));
      const status = states.map((s) => s.body as { status: string; room_id?: string });
      expect(status.filter((s) => s.status === 'idle'), 'users lost by the pool').to.deep.equal([]);
      const waiting = users.filter((_, i) => status[i]!.status === 'waiting');
      expect(waiting.length, 'users left waiting').to.be.at.most(1);

      // A join that answered matched names the room the user is in.
      joins.forEach((j, i) => {
        if (j.body.status === 'matched') expect(j.body.room_id).to.equal(status[i]!.room_id);
      });

      // Status answers: every room holds exactly two different users.
      const byRoom = new Map<string, string[]>();
      status.forEach((s, i) => {
        if (s.status === 'matched') byRoom.set(s.room_id!, [...(byRoom.get(s.room_id!) ?? []), uids[i]!]);
      });
      for (const [room, members] of byRoom) {
        expect(members, `members of ${room}`).to.have.length(2);
        expect(members[0]).to.not.equal(members[1]);
      }
      expect(byRoom.size * 2 + waiting.length).to.equal(USERS);

      // The database agrees: nobody is in two rooms, every room has two distinct members, and
      // they are the rooms the status answers named.
      const { rows } = await cluster.db.query<{ room_id: string; user_id: string }>(
        'SELECT m.room_id, m.user_id FROM room_members m JOIN rooms r ON r.id = m.room_id WHERE m.user_id = ANY($1) AND r.closed_at IS NULL',
        [uids],
      );
      const roomsOfUser = new Map<string, string[]>();
      const membersOfRoom = new Map<string, Set<string>>();
      for (const r of rows) {
        roomsOfUser.set(r.user_id, [...(roomsOfUser.get(r.user_id) ?? []), r.room_id]);
        membersOfRoom.set(r.room_id, (membersOfRoom.get(r.room_id) ?? new Set()).add(r.user_id));
      }
      for (const [uid, rooms] of roomsOfUser) expect(rooms, `rooms of ${uid}`).to.have.length(1);
      for (const [room, members] of membersOfRoom) expect([...members].sort(), `room ${room}`).to.deep.equal([...(byRoom.get(room) ?? [])].sort());
      expect(membersOfRoom.size).to.equal(byRoom.size);
      const { rows: all } = await cluster.db.query<{ n: number }>('SELECT count(*)::int AS n FROM rooms');
      expect(all[0]!.n, 'rooms created').to.equal(byRoom.size);

      // Redis agrees: only the user left waiting (if any) is in the pool.
      const queued = await cluster.redis.zRange(`${cluster.env.REDIS_PREFIX}:mm:{pool}queue`, 0, -1);
      expect(queued.sort()).to.deep.equal(waiting.map((u) => u.uid).sort());

      for (const u of waiting) await http(nodes[0]!.url, 'POST', '/api/v1/matchmaking/leave', { token: u.token });
    });
  });
}
