import { expect } from 'chai';
import { pino } from 'pino';
import { MatchmakingService } from '../../src/core/chat/matchmaking.service.js';
import { MemoryMatchPool } from '../../src/infra/match-pool.memory.js';
import { AppError } from '../../src/core/errors.js';
import type { Actor, Ctx } from '../../src/core/context.js';
import type { MatchPool } from '../../src/core/ports.js';

/**
 * What a node does when its pool forgets everyone (a Redis restarted empty): a memory pool that the
 * test empties and makes report `forgot`, and repositories the test controls.
 */
describe('MatchmakingService: queueing again the users a forgetful pool lost', () => {
  let mem: MemoryMatchPool;
  let forgetOnNextTouch: boolean;
  let enqueueFailures: number;
  let enqueued: string[];
  let inRoom: Map<string, string>;
  let banned: Set<string>;
  let rooms: Array<[string, string]>;
  let pauseOpenRoomOf: Promise<void> | null;

  // The memory pool, but for an enqueue that can fail and a touch that can report `forgot`.
  const pool = (): MatchPool =>
    Object.assign(Object.create(mem) as MatchPool, {
      enqueue: async (uid: string, now: number) => {
        if (enqueueFailures > 0) {
          enqueueFailures--;
          throw new AppError('UNAVAILABLE', 'the pool is reloading its blocks');
        }
        enqueued.push(uid);
        return mem.enqueue(uid, now);
      },
      touch: async (uids: readonly string[], now: number) => {
        const forgot = forgetOnNextTouch;
        forgetOnNextTouch = false;
        return { ...(await mem.touch(uids, now)), forgot };
      },
    });
  const roomsRepo = {
    openRoomOf: async (uid: string) => {
      if (pauseOpenRoomOf) await pauseOpenRoomOf;
      return inRoom.get(uid) ?? null;
    },
    create: async (id: string, [a, b]: [string, string]) => {
      rooms.push([a, b]);
      inRoom.set(a, id).set(b, id);
      return true;
    },
  };
  const users = {
    findById: async (id: string) => ({ id, banned_at: banned.has(id) ? new Date(0) : null, banned_until: null }),
    namesByIds: async () => new Map<string, string>(),
  };
  const ctx = { requestId: 't', ip: '127.0.0.1', log: pino({ level: 'silent' }) } as Ctx;
  const actor = (uid: string) => ({ uid, kind: 'anon', sid: 's' }) as Actor;
  let mm: MatchmakingService;

  /** Empties the pool as a Redis restarted without persistence would, and makes the next touch say so. */
  const forget = async () => {
    for (const uid of ['a', 'b', 'c', 'd', 'e']) await mem.remove(uid);
    forgetOnNextTouch = true;
  };

  beforeEach(() => {
    mem = new MemoryMatchPool();
    forgetOnNextTouch = false;
    enqueueFailures = 0;
    enqueued = [];
    inRoom = new Map();
    banned = new Set();
    rooms = [];
    pauseOpenRoomOf = null;
    const noLimits = { consume: async () => undefined };
    mm = new MatchmakingService(pool(), roomsRepo as never, users as never, {} as never, noLimits as never, { now: () => 1000 }, { idleTimeoutMs: 30_000 }, pino({ level: 'silent' }));
  });

  /** Keeps these users from being paired with each other, so that all of them wait. */
  const blockAll = async (uids: string[]) => {
    for (const x of uids) for (const y of uids) if (x < y) await mem.block(x, y, Infinity);
  };

  it('queues again the waiting users still connected here, but not those gone, in a room or banned', async () => {
    await blockAll(['a', 'b', 'c', 'd']);
    for (const uid of ['a', 'b', 'c', 'd']) expect(await mm.join(ctx, actor(uid))).to.deep.equal({ status: 'waiting' });
    await mm.heartbeat(['a', 'b', 'c', 'd']);
    await forget();
    inRoom.set('b', 'r1'); // matched meanwhile on another node
    banned.add('c'); // banned on another node; its socket here was never told
    enqueued = [];
    await mm.heartbeat(['a', 'b', 'c']); // d disconnected
    expect(enqueued).to.deep.equal(['a']);
    expect(await mem.isWaiting('a')).to.equal(true);
    for (const uid of ['b', 'c', 'd']) expect(await mem.isWaiting(uid), uid).to.equal(false);
  });

  it('does nothing when the pool did not forget', async () => {
    await mm.join(ctx, actor('a'));
    await mm.heartbeat(['a']);
    enqueued = [];
    await mm.heartbeat(['a']);
    expect(enqueued).to.deep.equal([]);
  });

  it('matches two forgotten users with each other, as a join would', async () => {
    await mm.join(ctx, actor('a'));
    await mm.heartbeat(['a']);
    await forget();
    await mm.join(ctx, actor('e')); // joins after the loss, before the heartbeat notices
    await mm.heartbeat(['a', 'e']);
    expect(rooms).to.deep.equal([['a', 'e']]);
  });

  it('keeps a user whose enqueue failed (blocks still loading) for the next heartbeat, and says waiting meanwhile', async () => {
    await blockAll(['a', 'b']);
    await mm.join(ctx, actor('a'));
    await mm.join(ctx, actor('b'));
    await mm.heartbeat(['a', 'b']);
    await forget();
    enqueueFailures = 1;
    enqueued = [];
    await mm.heartbeat(['a', 'b']).then(
      () => expect.fail('the failed enqueue is reported'),
      (e: AppError) => expect(e.code).to.equal('UNAVAILABLE'),
    );
    expect(enqueued).to.deep.equal([]);
    expect(await mm.status(ctx, actor('a')), 'about to be queued again').to.deep.equal({ status: 'waiting' });
    await mem.unblock('a', 'b');
    await mm.heartbeat(['a', 'b']);
    expect(enqueued).to.deep.equal(['a', 'b']);
    expect(rooms, 'queued again and paired on the next heartbeat').to.deep.equal([['b', 'a']]);
  });

  it('does not queue again a user who leaves while the round runs', async () => {
    await mm.join(ctx, actor('a'));
    await mm.heartbeat(['a']);
    await forget();
    enqueued = [];
    let release!: () => void;
    pauseOpenRoomOf = new Promise<void>((r) => (release = r));
    const round = mm.heartbeat(['a']);
    await new Promise((r) => setImmediate(r)); // the round now waits in openRoomOf
    pauseOpenRoomOf = null;
    const left = mm.leave(ctx, actor('a'));
    release();
    await Promise.all([round, left]);
    expect(enqueued, 'not queued again').to.deep.equal([]);
    expect(await mem.isWaiting('a')).to.equal(false);
  });

  it('runs one round at a time: a heartbeat during a round does not queue the same user twice', async () => {
    await mm.join(ctx, actor('a'));
    await mm.heartbeat(['a']);
    await forget();
    enqueued = [];
    await Promise.all([mm.heartbeat(['a']), mm.heartbeat(['a'])]);
    expect(enqueued).to.deep.equal(['a']);
  });
});
