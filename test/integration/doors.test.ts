import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, emit, http, matchedPair } from '../support/clients.js';

/** The same operation through REST and through Socket.IO answers the same thing. */
describe('one core, two doors', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  const withoutRoomId = ({ room_id: _r, ...rest }: Record<string, unknown>) => rest;

  it('anonymous login answers the same shape through both doors', async () => {
    const rest = await http(server, 'POST', '/api/v1/auth/anon', { body: { name: 'door' } });
    const s = await connect(server, '/auth');
    const sock = await emit(s, 'anon_login', { name: 'door' });
    expect(Object.keys(sock.data).sort()).to.deep.equal(Object.keys(rest.body).sort());
    expect(sock.data.expire_at - rest.body.expire_at).to.be.within(-5, 5);
    s.close();
  });

  it('validation errors are identical through both doors', async () => {
    const rest = await http(server, 'POST', '/api/v1/auth/anon', { body: { name: '' } });
    const s = await connect(server, '/auth');
    const sock = await emit(s, 'anon_login', { name: '' });
    expect(sock).to.deep.equal({ ok: false, error: rest.body });
    s.close();
  });

  it('matchmaking status, join and leave agree', async () => {
    const u = await anonLogin(server);
    const s = await connect(server, '/matchmaking', u.token);
    expect((await emit(s, 'status')).data).to.deep.equal((await http(server, 'GET', '/api/v1/matchmaking/status', { token: u.token })).body);
    expect((await emit(s, 'join')).data).to.deep.equal((await http(server, 'POST', '/api/v1/matchmaking/join', { token: u.token })).body);
    expect((await emit(s, 'leave')).data).to.deep.equal((await http(server, 'POST', '/api/v1/matchmaking/leave', { token: u.token })).body);
    s.close();
  });

  it('send, its idempotent retry and history agree (the socket form adds room_id)', async () => {
    const { a, roomId } = await matchedPair(server);
    const s = await connect(server, '/rooms', a.token);
    const viaSocket = await emit(s, 'send', { room_id: roomId, content: 'same', client_msg_id: 'both-doors' });
    const viaRest = await http(server, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: a.token, body: { content: 'same', client_msg_id: 'both-doors' } });
    expect(viaRest.status).to.equal(200); // a retry of the socket send
    expect(withoutRoomId(viaSocket.data)).to.deep.equal(viaRest.body);
    const hist = await emit(s, 'history', { room_id: roomId, page_size: 5, page_index: 1 });
    const list = await http(server, 'GET', `/api/v1/rooms/${roomId}/messages?page_size=5&page_index=1`, { token: a.token });
    expect(hist.data.pager).to.deep.equal(list.body.pager);
    expect(hist.data.data.map(withoutRoomId)).to.deep.equal(list.body.data);
    expect(hist.data.data.every((m: { room_id: string }) => m.room_id === roomId)).to.equal(true);
    s.close();
  });

  it('permission errors agree: a stranger gets FORBIDDEN through both doors', async () => {
    const { roomId } = await matchedPair(server);
    const stranger = await anonLogin(server);
    const s = await connect(server, '/rooms', stranger.token);
    const rest = await http(server, 'GET', `/api/v1/rooms/${roomId}/messages`, { token: stranger.token });
    const sock = await emit(s, 'history', { room_id: roomId });
    expect(rest.status).to.equal(403);
    expect(sock).to.deep.equal({ ok: false, error: rest.body });
    s.close();
  });

  it('leave agrees and a closed room refuses sends through both doors with CONFLICT', async () => {
    const { a, b, roomId } = await matchedPair(server);
    const sb = await connect(server, '/rooms', b.token);
    const left = await emit(sb, 'leave', { room_id: roomId });
    expect(left.data).to.deep.equal((await http(server, 'POST', `/api/v1/rooms/${roomId}/leave`, { token: a.token })).body);
    const rest = await http(server, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: a.token, body: { content: 'x', client_msg_id: 'late' } });
    const sock = await emit(sb, 'send', { room_id: roomId, content: 'x', client_msg_id: 'late' });
    expect(rest.status).to.equal(409);
    expect(sock).to.deep.equal({ ok: false, error: rest.body });
    sb.close();
  });
});
