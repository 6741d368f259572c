import { expect } from 'chai';
import { pino } from 'pino';
import { PresenceService } from '../../src/core/chat/presence.service.js';
import { MemoryPresenceStore } from '../../src/infra/presence.memory.js';

describe('PresenceService (in-memory store, a clock the test moves)', () => {
  let now = 1_000_000;
  const clock = { now: () => now };
  let members: Array<{ room_id: string; user_id: string; joined_at: Date }> = [];
  let closed: Array<[string, string]> = [];
  // Pages like the repository: by room id, after a cursor, `limit` rows at most.
  const rooms = {
    openMembersSince: async (before: Date, limit: number, after = '') =>
      members
        .filter((m) => m.joined_at < before && m.room_id > after)
        .sort((x, y) => (x.room_id < y.room_id ? -1 : x.room_id > y.room_id ? 1 : x.user_id < y.user_id ? -1 : 1))
        .slice(0, limit),
  };
  const roomService = { close: async (roomId: string, by: string) => (closed.push([roomId, by]), true) };
  const make = () =>
    new PresenceService(new MemoryPresenceStore(), rooms, roomService, clock, { socketTtlMs: 3000, restTtlMs: 30_000, awayCloseMs: 120_000 }, pino({ level: 'silent' }));

  beforeEach(() => {
    now = 1_000_000;
    members = [];
    closed = [];
  });

  it('keeps a socket user here for a few seconds after its last heartbeat', async () => {
    const p = make();
    await p.beat(['s']);
    now += 2999;
    expect((await p.here(['s'])).get('s')).to.equal(true);
    now += 2;
    expect((await p.here(['s'])).get('s')).to.equal(false);
  });

  it('keeps a REST caller here for 30 s, from the heartbeat after its call', async () => {
    const p = make();
    p.seenOverRest('r');
    expect((await p.here(['r'])).get('r')).to.equal(false);
    await p.beat([]);
    now += 29_999;
    expect((await p.here(['r', 'nobody']))).to.deep.equal(new Map([['r', true], ['nobody', false]]));
    now += 2;
    expect((await p.here(['r'])).get('r')).to.equal(false);
  });

  it('closes a room by the member away longer than ROOM_AWAY_CLOSE_MS, and leaves rooms whose members are here', async () => {
    const p = make();
    const joined = new Date(now);
    members = [
      { room_id: 'r1', user_id: 'here1', joined_at: joined },
      { room_id: 'r1', user_id: 'gone', joined_at: joined },
      { room_id: 'r2', user_id: 'here2', joined_at: joined },
      { room_id: 'r2', user_id: 'here3', joined_at: joined },
    ];
    await p.beat(['here1', 'gone', 'here2', 'here3']);
    now += 60_000;
    await p.beat(['here1', 'here2', 'here3']);
    now += 63_001; // "gone" was last here until 1_003_000: away for 120_001 ms now
    await p.beat(['here1', 'here2', 'here3']);
    expect(await p.closeAwayRooms()).to.equal(1);
    expect(closed).to.deep.equal([['r1', 'gone']]);
  });

  it('counts a member never seen from when it joined, and names the one away longest when both are', async () => {
    const p = make();
    members = [
      { room_id: 'r', user_id: 'early', joined_at: new Date(now) },
      { room_id: 'r', user_id: 'late', joined_at: new Date(now) },
    ];
    await p.beat(['late']);
    now += 130_000;
    expect(await p.closeAwayRooms()).to.equal(1);
    expect(closed).to.deep.equal([['r', 'early']]);
  });

  it('pages through every open room, however many there are', async () => {
    const p = make();
    const joined = new Date(now);
    members = [];
    for (let i = 0; i < 1500; i++) {
      const room = `r${String(i).padStart(5, '0')}`;
      members.push({ room_id: room, user_id: `${room}-a`, joined_at: joined }, { room_id: room, user_id: `${room}-b`, joined_at: joined });
    }
    await p.beat(members.filter((m) => m.room_id !== 'r01499' || m.user_id.endsWith('-a')).map((m) => m.user_id));
    now += 119_000;
    await p.beat(members.filter((m) => m.room_id !== 'r01499' || m.user_id.endsWith('-a')).map((m) => m.user_id));
    now += 2_000;
    expect(await p.closeAwayRooms()).to.equal(1);
    expect(closed).to.deep.equal([['r01499', 'r01499-b']]);
  });

  it('calls nobody away until its heartbeats have reached the store for a few beats after an outage', async () => {
    const store = new MemoryPresenceStore();
    let down = false;
    const flaky = {
      markHere: (u: readonly string[], t: number) => (down ? Promise.reject(new Error('store down')) : store.markHere(u, t)),
      hereUntil: (u: readonly string[]) => store.hereUntil(u),
      forget: (t: number) => store.forget(t),
    };
    const p = new PresenceService(flaky, rooms, roomService, clock, { socketTtlMs: 3000, restTtlMs: 30_000, awayCloseMs: 120_000 }, pino({ level: 'silent' }));
    members = [
      { room_id: 'r', user_id: 'u1', joined_at: new Date(now) },
      { room_id: 'r', user_id: 'u2', joined_at: new Date(now) },
    ];
    await p.beat(['u1', 'u2']);
    down = true;
    now += 200_000;
    await p.beat(['u1', 'u2']).catch(() => undefined);
    down = false;
    expect(await p.closeAwayRooms()).to.equal(0);
    await p.beat(['u1', 'u2']);
    expect(await p.closeAwayRooms()).to.equal(0);
    now += 6_000;
    await p.beat(['u1', 'u2']);
    expect(await p.closeAwayRooms()).to.equal(0);
    expect(closed).to.deep.equal([]);
  });
});
