import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, emit, http, matchedPair, waitFor } from '../support/clients.js';
import { movableClock, registerMember } from '../support/members.js';

const refresh = (s: TestServer, token: string) => http(s, 'POST', '/api/v1/auth/refresh', { body: { token } });

describe('security: what /auth/refresh accepts', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  it('refuses a member\'s access token alone, through both doors: members refresh with their refresh token', async () => {
    const m = await registerMember(server);
    const r = await refresh(server, m.access_token);
    expect(r.status).to.equal(401);
    expect(r.body.message).to.match(/\/api\/v1\/auth\/sessions\/refresh/);
    const socket = await connect(server, '/auth');
    try {
      expect((await emit(socket, 'refresh', { token: m.access_token })).error!.code).to.equal('UNAUTHENTICATED');
    } finally {
      socket.close();
    }
    const proper = await http(server, 'POST', '/api/v1/auth/sessions/refresh', { body: { access_token: m.access_token, refresh_token: m.refresh_token } });
    expect(proper.status).to.equal(200);
  });

  it('never lets the socket-only centrifugo_token buy a session, through both doors', async () => {
    const u = await anonLogin(server);
    expect((await refresh(server, u.centrifugo_token)).status).to.equal(401);
    const socket = await connect(server, '/auth');
    try {
      expect((await emit(socket, 'refresh', { token: u.centrifugo_token })).error!.code).to.equal('UNAUTHENTICATED');
    } finally {
      socket.close();
    }
    // The anonymous contract still holds: its access token and its refresh token both work.
    expect((await refresh(server, u.token)).status).to.equal(200);
  });

  it('answers a blank token with 400 and the field list, like any bad input', async () => {
    const r = await refresh(server, '   ');
    expect(r.status).to.equal(400);
    expect(r.body.error).to.deep.equal([{ field: 'token', message: 'token must not be empty' }]);
  });
});

describe('security: sessions have an absolute lifetime (SESSION_MAX_AGE)', () => {
  let server: TestServer;
  const clock = movableClock();
  before(async () => {
    server = await startServer({ SESSION_MAX_AGE: '3600', SESSION_CACHE_MS: '0' }, { clock });
  });
  after(async () => server?.close());

  it('keeps refreshing inside the lifetime, then refuses however recently the session was refreshed', async () => {
    const u = await anonLogin(server);
    clock.shift(3000_000);
    const first = await refresh(server, u.refresh_token);
    expect(first.status).to.equal(200);
    const row = await server.app.db.knex('sessions').where({ user_id: u.uid }).first();
    // Refreshing did not push the end past login + 1 h.
    expect(new Date(row.expires_at).getTime()).to.be.at.most(new Date(row.created_at).getTime() + 3600_000);
    clock.shift(700_000);
    const late = await refresh(server, first.body.refresh_token);
    expect(late.status).to.equal(401);
    const member = await registerMember(server);
    clock.shift(3601_000);
    const m = await http(server, 'POST', '/api/v1/auth/sessions/refresh', { body: { access_token: member.access_token, refresh_token: member.refresh_token } });
    expect(m.status).to.equal(401);
  });
});

describe('security: a socket does not outlive its token', () => {
  let server: TestServer;
  const clock = movableClock();
  before(async () => {
    server = await startServer({ ACCESS_TOKEN_TTL: '900' }, { clock });
  });
  after(async () => server?.close());

  for (const ns of ['/rooms', '/matchmaking']) {
    it(`${ns}: at the token's expiry the socket gets token_expired (UNAUTHENTICATED) and is disconnected`, async () => {
      const { a } = await matchedPair(server);
      // The server's clock says the token has 0.5 to 1.5 s left when the socket connects (iat is whole seconds).
      clock.shift(900_000 - 1500);
      try {
        const socket = await connect(server, ns, a.centrifugo_token);
        const expired = waitFor(socket, 'token_expired');
        const gone = new Promise<string>((resolve) => socket.once('disconnect', resolve));
        expect(await expired).to.deep.include({ code: 'UNAUTHENTICATED' });
        expect(await gone).to.equal('io server disconnect');
      } finally {
        clock.shift(-(900_000 - 1500));
      }
    });
  }

  it('keeps a socket whose token is still valid connected and working', async () => {
    const { a, roomId } = await matchedPair(server);
    const socket = await connect(server, '/rooms', a.token);
    try {
      expect((await emit(socket, 'send', { room_id: roomId, content: 'hi', client_msg_id: 'k1' })).ok).to.equal(true);
    } finally {
      socket.close();
    }
  });
});
