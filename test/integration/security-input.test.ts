import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { connect, emit, http, matchedPair, pairedServer } from '../support/clients.js';
import { credentialsReq, register, uniqueEmail } from '../support/members.js';

const INT8_PAST = '9223372036854775808';

describe('security: malformed input that used to reach the database gets 400, never 500', () => {
  const pair = pairedServer();

  it('a path that is not valid percent-encoding', async () => {
    for (const [method, path] of [['GET', '/api/v1/rooms/%ff/messages'], ['POST', '/api/v1/rooms/%e0%80/leave'], ['GET', '/api/v1/rooms/%/messages']] as const) {
      const r = await http(pair.server, method, path, { token: pair.user.token });
      expect(r.status, path).to.equal(400);
      expect(r.body).to.deep.equal({ code: 'INVALID_ARGUMENT', message: 'the request path is not valid percent-encoded UTF-8' });
    }
  });

  it('a NUL byte or another control character in a room id, through both doors', async () => {
    const r = await http(pair.server, 'POST', '/api/v1/rooms/a%00b/leave', { token: pair.user.token });
    expect(r.status).to.equal(400);
    expect(r.body.error).to.deep.equal([{ field: 'room_id', message: 'room_id must not contain control characters' }]);
    const s = await connect(pair.server, '/rooms', pair.user.token);
    try {
      for (const event of ['join', 'history', 'typing', 'leave', 'send']) {
        const ack = await emit(s, event, { room_id: 'a\u0000b', typing: true, content: 'x', client_msg_id: 'k' });
        expect(ack.error?.code, event).to.equal('INVALID_ARGUMENT');
      }
    } finally {
      s.close();
    }
  });

  it('a message cursor past the largest int8, through both doors', async () => {
    const list = await http(pair.server, 'GET', `/api/v1/rooms/${pair.roomId}/messages?before=${INT8_PAST}`, { token: pair.user.token });
    expect(list.status).to.equal(400);
    expect(list.body.error.map((e: { field: string }) => e.field)).to.deep.equal(['before']);
    const after = await http(pair.server, 'GET', `/api/v1/rooms/${pair.roomId}/messages/after?after=${INT8_PAST}`, { token: pair.user.token });
    expect(after.status).to.equal(400);
    const s = await connect(pair.server, '/rooms', pair.user.token);
    try {
      expect((await emit(s, 'history', { room_id: pair.roomId, before: INT8_PAST })).error!.code).to.equal('INVALID_ARGUMENT');
      expect((await emit(s, 'join', { room_id: pair.roomId, after: INT8_PAST })).error!.code).to.equal('INVALID_ARGUMENT');
      // The largest int8 itself is a cursor like any other.
      expect((await emit(s, 'join', { room_id: pair.roomId, after: '9223372036854775807' })).ok).to.equal(true);
    } finally {
      s.close();
    }
  });

  it('lists a bad field once, even when its value breaks two rules', async () => {
    const body = { ...credentialsReq(uniqueEmail()), credentials: { password: 'long enough 1', password_confirm: '', account_type: 'any' } };
    const r = await register(pair.server, body);
    expect(r.status).to.equal(400);
    expect(r.body.error).to.deep.equal([{ field: 'credentials.password_confirm', message: 'credentials.password_confirm must equal password' }]);
  });
});

describe('security: reading a room is paged and limited', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ CATCH_UP_PAGE_SIZE: '3' });
  });
  after(async () => server?.close());

  it('pages the join catch-up with has_more, through both doors', async () => {
    const { a, roomId } = await matchedPair(server);
    for (let i = 1; i <= 7; i++) {
      expect((await http(server, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: a.token, body: { content: `m${i}`, client_msg_id: `c${i}` } })).status).to.equal(201);
    }
    const s = await connect(server, '/rooms', a.token);
    try {
      const seen: string[] = [];
      const more: boolean[] = [];
      let after: string | undefined;
      for (;;) {
        const ack = await emit(s, 'join', { room_id: roomId, ...(after ? { after } : {}) });
        const msgs = ack.data.messages as Array<{ content: string; message_id: string }>;
        seen.push(...msgs.map((m) => m.content));
        more.push(ack.data.has_more);
        if (!ack.data.has_more) break;
        after = msgs[msgs.length - 1]!.message_id;
      }
      expect(seen).to.deep.equal(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
      expect(more).to.deep.equal([true, true, false]);
    } finally {
      s.close();
    }
    const rest = await http(server, 'GET', `/api/v1/rooms/${roomId}/messages/after`, { token: a.token });
    expect(rest.body.messages).to.have.length(3);
    expect(rest.body.has_more).to.equal(true);
  });
});

describe('security: join, history and typing are limited per user', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ RATE_ROOM_READ: '3/600', RATE_TYPING: '2/600' });
  });
  after(async () => server?.close());

  it('answers the fourth join or history in the window with RATE_LIMITED and a retry hint, over both doors', async () => {
    const { a, roomId } = await matchedPair(server);
    const s = await connect(server, '/rooms', a.token);
    try {
      expect((await emit(s, 'join', { room_id: roomId })).ok).to.equal(true);
      expect((await emit(s, 'history', { room_id: roomId })).ok).to.equal(true);
      expect((await http(server, 'GET', `/api/v1/rooms/${roomId}/messages`, { token: a.token })).status).to.equal(200);
      const fourth = await emit(s, 'join', { room_id: roomId });
      expect(fourth.error!.code).to.equal('RATE_LIMITED');
      expect(fourth.error!.retry_after).to.be.greaterThan(0);
      const rest = await http(server, 'GET', `/api/v1/rooms/${roomId}/messages`, { token: a.token });
      expect(rest.status).to.equal(429);
      expect(rest.headers.get('retry-after')).to.match(/^\d+$/);
    } finally {
      s.close();
    }
  });

  it('refuses typing past the limit and relays nothing for a refused one', async () => {
    const { a, b, roomId } = await matchedPair(server);
    const sa = await connect(server, '/rooms', a.token);
    const sb = await connect(server, '/rooms', b.token);
    try {
      const typing: unknown[] = [];
      sb.on('typing', (e: unknown) => typing.push(e));
      const message = new Promise((resolve) => sb.once('message', resolve));
      expect((await emit(sa, 'typing', { room_id: roomId, typing: true })).ok).to.equal(true);
      expect((await emit(sa, 'typing', { room_id: roomId, typing: false })).ok).to.equal(true);
      expect((await emit(sa, 'typing', { room_id: roomId, typing: true })).error!.code).to.equal('RATE_LIMITED');
      // Events from one room reach b in order: once this message is in, every relayed typing is too.
      expect((await emit(sa, 'send', { room_id: roomId, content: 'done', client_msg_id: 't1' })).ok).to.equal(true);
      await message;
      expect(typing).to.have.length(2);
    } finally {
      sa.close();
      sb.close();
    }
  });
});

describe('security: Socket.IO connections per client address', () => {
  it('caps open connections per address on a node; a closed one frees its place', async () => {
    const server = await startServer({ MAX_SOCKETS_PER_ADDRESS: '3' });
    try {
      const open = await Promise.all([1, 2, 3].map(() => connect(server, '/auth')));
      let refused: Error | null = null;
      await connect(server, '/auth').then((s) => s.close(), (e: Error) => (refused = e));
      expect(refused, 'the fourth connection was accepted').to.not.equal(null);
      open[0]!.close();
      // The server counts the close when the transport closes; retry until it has.
      let again = null;
      for (let i = 0; i < 50 && !again; i++) again = await connect(server, '/auth').catch(() => null);
      expect(again).to.not.equal(null);
      for (const s of [...open, again!]) s.close();
    } finally {
      await server.close();
    }
  });

  it('limits new connections per address over time (in the shared limiter, Redis when configured), other addresses unaffected', async () => {
    const server = await startServer({ RATE_SOCKET_CONNECT: '3/600', TRUST_PROXY: '1' });
    try {
      const opts = { extraHeaders: { 'x-forwarded-for': '192.0.2.10' } };
      for (let i = 0; i < 3; i++) (await connect(server, '/auth', undefined, opts)).close();
      let refused: Error | null = null;
      await connect(server, '/auth', undefined, opts).then((s) => s.close(), (e: Error) => (refused = e));
      expect(refused, 'the fourth connection was accepted').to.not.equal(null);
      (await connect(server, '/auth', undefined, { extraHeaders: { 'x-forwarded-for': '192.0.2.11' } })).close();
    } finally {
      await server.close();
    }
  });
});
