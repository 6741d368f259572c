import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createDatabase, type Database } from '../../src/store/db.js';
import { RoomsRepo } from '../../src/store/rooms.repo.js';
import { UsersRepo } from '../../src/store/users.repo.js';
import { MessagesRepo } from '../../src/store/messages.repo.js';
import { MemoryMatchPool } from '../../src/infra/match-pool.memory.js';
import { MatchmakingService } from '../../src/core/chat/matchmaking.service.js';
import { RoomsService } from '../../src/core/chat/rooms.service.js';
import { systemClock, type Broadcaster, type MatchedMember, type RateLimiter } from '../../src/core/ports.js';
import type { Ctx } from '../../src/core/context.js';

const log = pino({ level: 'silent' });
const ctx: Ctx = { requestId: 't', ip: '127.0.0.1', log };
const noLimits: RateLimiter = { consume: async () => undefined, reset: async () => undefined };

/** A pool that, once, hands out a partner chosen by the test: what a race between two nodes produces. */
class RiggedPool extends MemoryMatchPool {
  rig: string | null = null;
  override async enqueue(uid: string, now: number): Promise<string | null> {
    const r = this.rig;
    this.rig = null;
    return r ?? super.enqueue(uid, now);
  }
}

describe('a user is in at most one open room', () => {
  let tdb: TestDatabase;
  let db: Database;
  let rooms: RoomsRepo;
  let users: UsersRepo;
  before(async () => {
    tdb = await createTestDatabase();
    db = createDatabase({ databaseUrl: tdb.env.DATABASE_URL, dataDir: tdb.env.DATA_DIR!, log });
    await db.migrate();
    rooms = new RoomsRepo(db.knex);
    users = new UsersRepo(db.knex);
  });
  after(async () => {
    await db?.close();
    await tdb?.drop();
  });

  const newUser = async () => (await users.insert({ id: randomUUID(), kind: 'anon', platform: 'anonymous', name: 'u' })).id;

  it('the database refuses a second open room for the same user and creates nothing', async () => {
    const [a, b, c] = [await newUser(), await newUser(), await newUser()];
    const r1 = randomUUID();
    expect(await rooms.create(r1, [a, b])).to.equal(true);
    const r2 = randomUUID();
    expect(await rooms.create(r2, [c, a])).to.equal(false);
    expect(await rooms.findForMember(r2, a)).to.equal(null);
    expect(await rooms.openRoomOf(a)).to.equal(r1);
    expect(await rooms.openRoomOf(c)).to.equal(null);
  });

  it('allows a new room once the old one is closed', async () => {
    const [a, b, c] = [await newUser(), await newUser(), await newUser()];
    const r1 = randomUUID();
    await rooms.create(r1, [a, b]);
    expect(await rooms.closeReturningMembers(r1, a)).to.have.members([a, b]);
    expect(await rooms.closeReturningMembers(r1, a)).to.equal(null);
    const r2 = randomUUID();
    expect(await rooms.create(r2, [a, c])).to.equal(true);
    expect(await rooms.openRoomOf(a)).to.equal(r2);
    expect((await rooms.findForMember(r1, a))?.is_member).to.equal(true); // history stays readable
  });

  it('when the pool pairs a joiner with someone already in a room, the joiner goes back to the queue and nobody is told of a phantom room', async () => {
    const pool = new RiggedPool();
    const matched: Array<{ roomId: string; members: readonly MatchedMember[] }> = [];
    const broadcaster: Broadcaster = {
      matched: (roomId, members) => void matched.push({ roomId, members }),
      message: () => undefined,
      typing: () => undefined,
      roomClosed: () => undefined,
      sessionRevoked: () => undefined,
      userDisconnected: () => undefined,
    };
    const roomService = new RoomsService(rooms, new MessagesRepo(db.knex), pool, noLimits, systemClock, { rematchCooldownMs: 0, catchUpLimit: 10 });
    const mm = new MatchmakingService(pool, rooms, users, roomService, noLimits, systemClock, { idleTimeoutMs: 30_000 }, log, broadcaster);
    const [a, b, c, d] = [await newUser(), await newUser(), await newUser(), await newUser()];
    const r1 = randomUUID();
    await rooms.create(r1, [a, b]); // a is busy

    pool.rig = a; // the race: c is handed a, who was matched on another node a moment ago
    const res = await mm.join(ctx, { uid: c, kind: 'anon', sid: 's' });
    expect(res).to.deep.equal({ status: 'waiting' });
    expect(await rooms.openRoomOf(a)).to.equal(r1);
    expect(matched).to.have.length(0);

    // c kept a place in the queue: the next joiner is matched with c.
    const next = await mm.join(ctx, { uid: d, kind: 'anon', sid: 's' });
    expect(next.status).to.equal('matched');
    expect(await rooms.openRoomOf(c)).to.equal((next as { room_id: string }).room_id);
    expect(matched.map((m) => m.members.map((x) => x.uid).sort())).to.deep.equal([[c, d].sort()]);
  });

  it('when the joiner is the busy one, it is answered with the room it is already in', async () => {
    const pool = new RiggedPool();
    const roomService = new RoomsService(rooms, new MessagesRepo(db.knex), pool, noLimits, systemClock, { rematchCooldownMs: 0, catchUpLimit: 10 });
    const mm = new MatchmakingService(pool, rooms, users, roomService, noLimits, systemClock, { idleTimeoutMs: 30_000 }, log);
    const [a, b, c] = [await newUser(), await newUser(), await newUser()];
    await pool.enqueue(c, Date.now()); // c waits
    // a joins on two nodes at once: node 1 already put a with b into r1; node 2's pool pairs a with c.
    const r1 = randomUUID();
    const origOpenRoomOf = rooms.openRoomOf.bind(rooms);
    let first = true;
    rooms.openRoomOf = async (u: string) => {
      if (u === a && first) {
        first = false;
        await rooms.create(r1, [a, b]); // the other node wins between our check and our pairing
        return null;
      }
      return origOpenRoomOf(u);
    };
    try {
      const res = await mm.join(ctx, { uid: a, kind: 'anon', sid: 's' });
      expect(res).to.deep.equal({ status: 'matched', room_id: r1 });
      expect(await pool.isWaiting(c)).to.equal(true); // c is not lost
    } finally {
      rooms.openRoomOf = origOpenRoomOf;
    }
  });
});
