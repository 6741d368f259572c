import { expect } from 'chai';
import { createClient } from 'redis';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, collect, connect, emit, http, sleep, waitFor } from '../support/clients.js';

describe('matchmaking', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ MATCH_IDLE_TIMEOUT_MS: '1500', MATCH_SWEEP_INTERVAL_MS: '100', REMATCH_COOLDOWN_MS: '800' });
  });
  after(async () => server?.close());

  const join = (token: string) => http(server, 'POST', '/api/v1/matchmaking/join', { token });
  const status = (token: string) => http(server, 'GET', '/api/v1/matchmaking/status', { token });
  const leave = (token: string) => http(server, 'POST', '/api/v1/matchmaking/leave', { token });

  it('answers waiting (201) for the first user and matched (201) with a room for the second', async () => {
    const a = await anonLogin(server);
    const b = await anonLogin(server);
    const ja = await join(a.token);
    expect(ja.status).to.equal(201);
    expect(ja.body).to.deep.equal({ status: 'waiting' });
    const jb = await join(b.token);
    expect(jb.status).to.equal(201);
    expect(jb.body.status).to.equal('matched');
    expect(jb.body.room_id).to.be.a('string');
    const sa = await status(a.token);
    expect(sa.body).to.deep.equal({ status: 'matched', room_id: jb.body.room_id });
    await leave(a.token);
  });

  it('is idempotent: joining while waiting stays waiting, joining while matched answers the same room', async () => {
    const a = await anonLogin(server);
    expect((await join(a.token)).body).to.deep.equal({ status: 'waiting' });
    expect((await join(a.token)).body).to.deep.equal({ status: 'waiting' });
    expect((await status(a.token)).body).to.deep.equal({ status: 'waiting' });
    const b = await anonLogin(server);
    const room = (await join(b.token)).body.room_id;
    expect((await join(a.token)).body).to.deep.equal({ status: 'matched', room_id: room });
    expect((await join(b.token)).body).to.deep.equal({ status: 'matched', room_id: room });
    await leave(a.token);
  });

  it('never matches a user with itself, even through two sockets and REST at once', async () => {
    const a = await anonLogin(server);
    const s1 = await connect(server, '/matchmaking', a.token);
    const s2 = await connect(server, '/matchmaking', a.token);
    const results = await Promise.all([emit(s1, 'join'), emit(s2, 'join'), join(a.token)]);
    expect(results[0].data).to.deep.equal({ status: 'waiting' });
    expect(results[1].data).to.deep.equal({ status: 'waiting' });
    expect(results[2].body).to.deep.equal({ status: 'waiting' });
    await leave(a.token);
    s1.close();
    s2.close();
  });

  it('pairs the next joiner with the user waiting longest, and queues the one after', async () => {
    const [a, b, c] = await Promise.all([anonLogin(server), anonLogin(server), anonLogin(server)]);
    expect((await join(a.token)).body.status).to.equal('waiting');
    const jb = await join(b.token);
    expect(jb.body.status).to.equal('matched');
    expect((await status(a.token)).body).to.deep.equal({ status: 'matched', room_id: jb.body.room_id });
    expect((await join(c.token)).body).to.deep.equal({ status: 'waiting' });
    await Promise.all([leave(a.token), leave(c.token)]);
  });

  it('pushes matched {room_id, partner} to both /matchmaking sockets and puts both /rooms sockets in the room', async () => {
    const a = await anonLogin(server, 'Alice');
    const b = await anonLogin(server, 'Bob');
    const [ma, mb, ra, rb] = await Promise.all([
      connect(server, '/matchmaking', a.centrifugo_token),
      connect(server, '/matchmaking', b.centrifugo_token),
      connect(server, '/rooms', a.centrifugo_token),
      connect(server, '/rooms', b.centrifugo_token),
    ]);
    const gotA = waitFor(ma, 'matched');
    const gotB = waitFor(mb, 'matched');
    expect((await emit(ma, 'join')).data).to.deep.equal({ status: 'waiting' });
    const jb = await emit(mb, 'join');
    expect(jb.data.status).to.equal('matched');
    const [ea, eb] = await Promise.all([gotA, gotB]);
    expect(ea).to.deep.equal({ room_id: jb.data.room_id, partner: { uid: b.uid, name: 'Bob' } });
    expect(eb).to.deep.equal({ room_id: jb.data.room_id, partner: { uid: a.uid, name: 'Alice' } });
    // Without any `join` from the clients, a message reaches the partner's /rooms socket.
    const delivered = waitFor(rb, 'message');
    const sent = await http(server, 'POST', `/api/v1/rooms/${jb.data.room_id}/messages`, { token: a.token, body: { content: 'hi', client_msg_id: 'm1' } });
    expect(sent.status).to.equal(201);
    expect((await delivered).content).to.equal('hi');
    await leave(a.token);
    for (const s of [ma, mb, ra, rb]) s.close();
  });

  it('leave answers idle, takes the user out of the queue, and closes an open room', async () => {
    const a = await anonLogin(server);
    await join(a.token);
    const l = await leave(a.token);
    expect(l.status).to.equal(200);
    expect(l.body).to.deep.equal({ status: 'idle' });
    expect((await status(a.token)).body).to.deep.equal({ status: 'idle' });
    const b = await anonLogin(server);
    expect((await join(b.token)).body).to.deep.equal({ status: 'waiting' }); // a is gone
    const c = await anonLogin(server);
    const room = (await join(c.token)).body.room_id;
    await leave(b.token);
    const listed = await http(server, 'POST', `/api/v1/rooms/${room}/messages`, { token: c.token, body: { content: 'x', client_msg_id: 'k' } });
    expect(listed.status).to.equal(409);
    expect((await status(c.token)).body).to.deep.equal({ status: 'idle' });
  });

  it('does not rematch a pair that just parted, and pairs them once the cooldown ends', async () => {
    const a = await anonLogin(server);
    const b = await anonLogin(server);
    await join(a.token);
    const room = (await join(b.token)).body.room_id as string;
    await http(server, 'POST', `/api/v1/rooms/${room}/leave`, { token: a.token });
    expect((await join(a.token)).body).to.deep.equal({ status: 'waiting' });
    expect((await join(b.token)).body).to.deep.equal({ status: 'waiting' });
    // Another stranger is matched with the first in line instead.
    const c = await anonLogin(server);
    const jc = await join(c.token);
    expect(jc.body.status).to.equal('matched');
    expect((await status(a.token)).body).to.deep.equal({ status: 'matched', room_id: jc.body.room_id });
    await leave(c.token);
    // a and b wait together; after the cooldown the sweeper pairs them.
    await join(a.token);
    let s = (await status(b.token)).body;
    for (let i = 0; i < 40 && s.status !== 'matched'; i++) {
      await sleep(100);
      await status(a.token);
      s = (await status(b.token)).body;
    }
    expect(s.status).to.equal('matched');
    expect(s.room_id).to.not.equal(room);
    await leave(a.token);
  });

  it('drops a waiting entry nobody keeps alive, so nobody is matched with a user who is gone', async () => {
    const gone = await anonLogin(server);
    await join(gone.token);
    await sleep(2200); // > MATCH_IDLE_TIMEOUT_MS of this server with no socket and no poll
    expect((await status(gone.token)).body).to.deep.equal({ status: 'idle' });
    const fresh = await anonLogin(server);
    expect((await join(fresh.token)).body).to.deep.equal({ status: 'waiting' });
    await leave(fresh.token);
  });

  it('keeps a waiting entry alive while the user has an open socket', async () => {
    const a = await anonLogin(server);
    const s = await connect(server, '/matchmaking', a.token);
    await emit(s, 'join');
    await sleep(2200);
    expect((await emit(s, 'status')).data).to.deep.equal({ status: 'waiting' });
    await emit(s, 'leave');
    s.close();
  });

  // Only the Redis pool can lose its state while the node runs (Redis restarted without persistence).
  if (process.env.REDIS_URL) {
    it('queues a waiting socket user again when Redis loses the pool, and matches them with the next joiner', async () => {
      const a = await anonLogin(server);
      const s = await connect(server, '/matchmaking', a.token);
      const matched = waitFor(s, 'matched', () => true, 10_000);
      matched.catch(() => undefined); // awaited below; never an unhandled rejection if an earlier step fails
      expect((await emit(s, 'join')).data).to.deep.equal({ status: 'waiting' });
      // Two more with sockets here, who must not be queued again: one left, one was banned where
      // this node could not hear of it (the ban written straight to the database, its socket kept).
      const left = await anonLogin(server);
      const leftSocket = await connect(server, '/matchmaking', left.token);
      const banned = await anonLogin(server);
      const bannedSocket = await connect(server, '/matchmaking', banned.token);
      // Blocks keep the three apart, so all of them wait.
      for (const [by, uid] of [[a, left.uid], [a, banned.uid], [left, banned.uid]] as const) {
        expect((await http(server, 'POST', '/api/v1/user/me/blocks', { token: by.token, body: { uid } })).status).to.equal(200);
      }
      for (const [who, sock] of [[left, leftSocket], [banned, bannedSocket]] as const) {
        expect((await emit(sock, 'join')).data, who.uid).to.deep.equal({ status: 'waiting' });
      }
      expect((await emit(leftSocket, 'leave')).data).to.deep.equal({ status: 'idle' });
      // (Another last address: a banned anonymous user's address is refused too, and every test user here shares one.)
      await server.app.db.knex('users').where({ id: banned.uid }).update({ banned_at: new Date(), last_ip: '203.0.113.9' });
      await sleep(700); // a heartbeat (every 500 ms on this server) sees the users waiting
      // What a Redis restarted empty holds of this server: nothing.
      const redis = createClient({ url: process.env.REDIS_URL });
      await redis.connect();
      try {
        const keys = await redis.keys(`${server.env.REDIS_PREFIX}:*`);
        expect(keys.length, 'the server has keys to lose').to.be.greaterThan(0);
        await redis.del(keys);
      } finally {
        await redis.close();
      }
      // The next heartbeat finds the pool forgotten and has the blocks loaded again; the one after
      // queues the user again.
      const redisCheck = createClient({ url: process.env.REDIS_URL });
      await redisCheck.connect();
      try {
        const queue = `${server.env.REDIS_PREFIX}:mm:{pool}queue`;
        for (let i = 0; i < 50 && (await redisCheck.zScore(queue, a.uid)) === null; i++) await sleep(100);
        expect(await redisCheck.zScore(queue, a.uid), 'queued again within 5 s').to.not.equal(null);
        await sleep(600); // one more heartbeat: nobody else is queued again
        expect(await redisCheck.zScore(queue, left.uid), 'the user who left').to.equal(null);
        expect(await redisCheck.zScore(queue, banned.uid), 'the banned user').to.equal(null);
      } finally {
        await redisCheck.close();
      }
      const b = await anonLogin(server);
      const jb = await join(b.token);
      expect(jb.body.status, 'the next joiner is matched with the user who was waiting').to.equal('matched');
      expect((await matched).room_id, 'and the waiting socket is told').to.equal(jb.body.room_id);
      for (const sock of [s, leftSocket, bannedSocket]) sock.close();
    });
  }

  it('keeps a waiting entry alive while the user polls status', async () => {
    const a = await anonLogin(server);
    await join(a.token);
    for (let i = 0; i < 6; i++) {
      await sleep(400);
      expect((await status(a.token)).body).to.deep.equal({ status: 'waiting' });
    }
    await leave(a.token);
  });

  it('socket events join, status and leave answer the same as REST', async () => {
    const a = await anonLogin(server);
    const s = await connect(server, '/matchmaking', a.token);
    const events = collect(s, 'matched');
    expect(await emit(s, 'status')).to.deep.equal({ ok: true, data: { status: 'idle' } });
    expect(await emit(s, 'join')).to.deep.equal({ ok: true, data: { status: 'waiting' } });
    expect(await emit(s, 'leave')).to.deep.equal({ ok: true, data: { status: 'idle' } });
    expect(events).to.have.length(0);
    s.close();
  });

  it('requires authentication on every matchmaking endpoint', async () => {
    for (const [m, p] of [['POST', 'join'], ['GET', 'status'], ['POST', 'leave']] as const) {
      const r = await http(server, m, `/api/v1/matchmaking/${p}`);
      expect(r.status, p).to.equal(401);
      expect(r.body.code).to.equal('UNAUTHENTICATED');
    }
  });
});
