import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, emit, http, matchedPair, pairedServer, sleep } from '../support/clients.js';

/** Every REST endpoint of chat.api, with a path that exists. */
const ENDPOINTS = (room: string) =>
  [
    ['POST', '/api/v1/auth/anon', false],
    ['POST', '/api/v1/auth/refresh', false],
    ['POST', '/api/v1/matchmaking/join', true],
    ['GET', '/api/v1/matchmaking/status', true],
    ['POST', '/api/v1/matchmaking/leave', true],
    ['POST', `/api/v1/rooms/${room}/messages`, true],
    ['GET', `/api/v1/rooms/${room}/messages`, true],
    ['POST', `/api/v1/rooms/${room}/leave`, true],
  ] as const;

/** Socket events with a payload, per namespace. */
const EVENTS: Record<string, string[]> = {
  '/auth': ['anon_login', 'refresh'],
  '/rooms': ['join', 'send', 'history', 'typing', 'leave'],
};

const HOSTILE: Array<[string, unknown]> = [
  ['null', null],
  ['a string', 'hello'],
  ['an array', [1, 2, 3]],
  ['a number', 42],
  ['a boolean', true],
  ['an empty object', {}],
  ['wrong types', { room_id: 5, content: ['x'], client_msg_id: {}, name: 7, token: false, typing: 'maybe', after: -1 }],
  ['a prototype-pollution attempt', JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}')],
];

describe('bad input never gets a 500, a hang or a dropped socket', () => {
  const pair = pairedServer();

  describe('REST', () => {
    for (const [method, pathOf, auth] of ENDPOINTS('ROOM')) {
      const label = `${method} ${pathOf}`;
      if (method === 'POST') {
        it(`${label}: malformed JSON gets 400 with a message`, async () => {
          const r = await http(pair.server, method, pathOf.replace('ROOM', pair.roomId), { token: pair.user.token, raw: '{"name": "x",' });
          expect(r.status).to.equal(400);
          expect(r.body).to.deep.equal({ code: 'INVALID_ARGUMENT', message: 'request body is not valid JSON' });
        });

        it(`${label}: a body over 16 KiB gets 413`, async () => {
          const r = await http(pair.server, method, pathOf.replace('ROOM', pair.roomId), { token: pair.user.token, body: { name: 'x', content: 'y'.repeat(17 * 1024) } });
          expect(r.status).to.equal(413);
          expect(r.body.code).to.equal('PAYLOAD_TOO_LARGE');
        });

        it(`${label}: a form-encoded body gets 400 asking for JSON`, async () => {
          const r = await http(pair.server, method, pathOf.replace('ROOM', pair.roomId), { token: pair.user.token, raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
          expect(r.status).to.equal(400);
          expect(r.body.message).to.match(/application\/json/);
        });
      }
      if (auth) {
        it(`${label}: no token gets 401, a malformed header gets 401`, async () => {
          const path = pathOf.replace('ROOM', pair.roomId);
          for (const headers of [{} as Record<string, string>, { authorization: 'Basic abc' }, { authorization: 'Bearer' }, { authorization: `Bearer ${'x'.repeat(5000)}` }]) {
            const r = await http(pair.server, method, path, { headers });
            expect(r.status, JSON.stringify(headers).slice(0, 40)).to.equal(401);
            expect(r.body.code).to.equal('UNAUTHENTICATED');
          }
        });
      }
    }

    it('a hostile room id in the path gets 404, not an error', async () => {
      for (const id of ["'; DROP TABLE rooms; --", '%00', 'x'.repeat(120), '..%2F..%2Fetc']) {
        const r = await http(pair.server, 'GET', `/api/v1/rooms/${encodeURIComponent(id)}/messages`, { token: pair.user.token });
        expect(r.status, id).to.be.oneOf([404, 400]);
        expect(r.body.code).to.be.oneOf(['NOT_FOUND', 'INVALID_ARGUMENT']);
      }
      const long = await http(pair.server, 'GET', `/api/v1/rooms/${'x'.repeat(200)}/messages`, { token: pair.user.token });
      expect(long.status).to.equal(400);
    });

    it('an unknown route gets 404 NOT_FOUND in the error shape', async () => {
      const r = await http(pair.server, 'GET', '/api/v1/nope');
      expect(r.status).to.equal(404);
      expect(r.body).to.deep.equal({ code: 'NOT_FOUND', message: 'no route for GET /api/v1/nope' });
    });

    it('an unknown method on a known path gets 404 too', async () => {
      const r = await http(pair.server, 'DELETE', '/api/v1/auth/anon');
      expect(r.status).to.equal(404);
    });

    it('error bodies carry no stack trace or SQL', async () => {
      const r = await http(pair.server, 'POST', '/api/v1/auth/anon', { raw: '{bad' });
      expect(JSON.stringify(r.body)).to.not.match(/at \w+ \(|node_modules|SELECT|INSERT/i);
    });
  });

  describe('Socket.IO', () => {
    let sockets: Record<string, Awaited<ReturnType<typeof connect>>> = {};
    before(async () => {
      sockets = {
        '/auth': await connect(pair.server, '/auth'),
        '/rooms': await connect(pair.server, '/rooms', pair.user.token),
        '/matchmaking': await connect(pair.server, '/matchmaking', pair.user.token),
      };
    });
    after(() => Object.values(sockets).forEach((s) => s.close()));

    for (const [ns, events] of Object.entries(EVENTS)) {
      for (const event of events) {
        for (const [label, payload] of HOSTILE) {
          it(`${ns} ${event} with ${label} answers INVALID_ARGUMENT and keeps the socket`, async () => {
            const s = sockets[ns]!;
            const ack = await emit(s, event, payload);
            expect(ack.ok).to.equal(false);
            expect(ack.error?.code).to.equal('INVALID_ARGUMENT');
            expect(ack.error?.message).to.be.a('string').and.not.empty;
            expect(s.connected).to.equal(true);
          });
        }

        it(`${ns} ${event} with a payload over 16 KiB answers PAYLOAD_TOO_LARGE`, async () => {
          const ack = await emit(sockets[ns]!, event, { room_id: pair.roomId, name: 'x', token: 'y', content: 'z'.repeat(20_000), client_msg_id: 'q', typing: true });
          expect(ack.error?.code).to.equal('PAYLOAD_TOO_LARGE');
          expect(sockets[ns]!.connected).to.equal(true);
        });
      }
    }

    it('/matchmaking events ignore any payload and still answer', async () => {
      for (const payload of [null, 'x', [1], { junk: true }]) {
        const ack = await emit(sockets['/matchmaking']!, 'status', payload);
        expect(ack).to.deep.equal({ ok: true, data: { status: 'matched', room_id: pair.roomId } });
      }
    });

    it('an event emitted without an ack callback neither crashes nor disconnects', async () => {
      sockets['/rooms']!.emit('send', null);
      sockets['/rooms']!.emit('send', { room_id: pair.roomId, content: 'fire and forget', client_msg_id: 'no-ack' });
      await sleep(200);
      expect(sockets['/rooms']!.connected).to.equal(true);
      const r = await http(pair.server, 'GET', `/api/v1/rooms/${pair.roomId}/messages`, { token: pair.user.token });
      expect(r.body.data.map((m: { content: string }) => m.content)).to.include('fire and forget');
    });

    it('an unknown event is ignored without dropping the socket', async () => {
      sockets['/rooms']!.emit('nope', { a: 1 });
      await sleep(100);
      expect((await emit(sockets['/rooms']!, 'join', { room_id: pair.roomId })).ok).to.equal(true);
    });

    it('lists every bad field at once', async () => {
      const ack = await emit(sockets['/rooms']!, 'send', { room_id: pair.roomId, content: '', client_msg_id: '' });
      const fields = (ack.error?.error as Array<{ field: string }>).map((e) => e.field).sort();
      expect(fields).to.deep.equal(['client_msg_id', 'content']);
    });
  });
});

describe('rate limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ RATE_ANON_LOGIN: '3/60', RATE_MATCH_JOIN: '2/60', RATE_MESSAGE_SEND: '3/60' });
  });
  after(async () => server?.close());

  it('answers the fourth anonymous login in a minute with 429 and Retry-After', async () => {
    for (let i = 0; i < 3; i++) expect((await http(server, 'POST', '/api/v1/auth/anon', { body: { name: `n${i}` } })).status).to.equal(200);
    const r = await http(server, 'POST', '/api/v1/auth/anon', { body: { name: 'n4' } });
    expect(r.status).to.equal(429);
    expect(r.body.code).to.equal('RATE_LIMITED');
    expect(Number(r.headers.get('retry-after'))).to.be.within(1, 60);
    const s = await connect(server, '/auth');
    const ack = await emit(s, 'anon_login', { name: 'sock' });
    expect(ack.error?.code).to.equal('RATE_LIMITED');
    expect(ack.error?.retry_after).to.be.within(1, 60);
    s.close();
  });

  it('limits matchmaking joins per user and message sends per user, over both doors', async () => {
    const limited = await startServer({ RATE_MATCH_JOIN: '2/60', RATE_MESSAGE_SEND: '3/60' });
    try {
      const { a, roomId } = await matchedPair(limited); // one join each
      expect((await http(limited, 'POST', '/api/v1/matchmaking/join', { token: a.token })).status).to.equal(201);
      const j = await http(limited, 'POST', '/api/v1/matchmaking/join', { token: a.token });
      expect(j.status).to.equal(429);
      expect(j.headers.get('retry-after')).to.match(/^\d+$/);
      for (let i = 0; i < 3; i++) {
        const r = await http(limited, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: a.token, body: { content: `m${i}`, client_msg_id: `c${i}` } });
        expect(r.status).to.equal(201);
      }
      const sa = await connect(limited, '/rooms', a.token);
      const ack = await emit(sa, 'send', { room_id: roomId, content: 'too many', client_msg_id: 'c9' });
      expect(ack.error?.code).to.equal('RATE_LIMITED');
      sa.close();
      // Another user's budget is separate.
      const other = await anonLogin(limited);
      expect((await http(limited, 'POST', '/api/v1/matchmaking/join', { token: other.token })).status).to.equal(201);
    } finally {
      await limited.close();
    }
  });
});
