import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { startServer, type TestServer } from '../support/server.js';
import { connect, emit, http, waitFor } from '../support/clients.js';

interface SocketUser {
  uid: string;
  token: string;
  mm: Socket;
  rooms: Socket;
}

/** A user who only ever uses sockets (no REST call, so only its sockets make it "here"). */
async function socketUser(server: TestServer, name: string): Promise<SocketUser> {
  const auth = await connect(server, '/auth');
  const login = await emit(auth, 'anon_login', { name });
  auth.close();
  const { uid, token } = login.data as { uid: string; token: string };
  return { uid, token, mm: await connect(server, '/matchmaking', token), rooms: await connect(server, '/rooms', token) };
}

async function socketPair(server: TestServer): Promise<{ a: SocketUser; b: SocketUser; roomId: string }> {
  const a = await socketUser(server, 'ann');
  const b = await socketUser(server, 'ben');
  const matched = waitFor<{ room_id: string }>(a.mm, 'matched');
  await emit(a.mm, 'join');
  await emit(b.mm, 'join');
  const { room_id } = await matched;
  return { a, b, roomId: room_id };
}

const closeAll = (u: SocketUser) => {
  u.mm.close();
  u.rooms.close();
};

describe('presence', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  it('tells the partner within seconds when the other one is gone, and when it is back', async () => {
    const { a, b, roomId } = await socketPair(server);
    const offline = waitFor(a.rooms, 'presence', () => true, 8000);
    closeAll(b);
    expect(await offline).to.deep.equal({ room_id: roomId, uid: b.uid, online: false });
    const online = waitFor(a.rooms, 'presence', () => true, 8000);
    const back = await connect(server, '/rooms', b.token);
    expect(await online).to.deep.equal({ room_id: roomId, uid: b.uid, online: true });
    back.close();
    closeAll(a);
  });
});

describe('presence: rooms whose member went away close', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ ROOM_AWAY_CLOSE_MS: '1000' });
  });
  after(async () => server?.close());

  it('closes the room by the away member; later sends get 409 and the one still here can match again', async () => {
    const { a, b, roomId } = await socketPair(server);
    const closed = waitFor(a.rooms, 'room_closed', () => true, 10_000);
    closeAll(b);
    expect(await closed).to.deep.equal({ room_id: roomId, by: b.uid });
    const send = await http(server, 'POST', `/api/v1/rooms/${roomId}/messages`, { token: b.token, body: { content: 'hi', client_msg_id: randomUUID() } });
    expect(send.status).to.equal(409);
    const c = await socketUser(server, 'cat');
    const matched = waitFor<{ room_id: string }>(a.mm, 'matched');
    expect((await emit(a.mm, 'join')).data.status).to.equal('waiting');
    expect((await emit(c.mm, 'join')).data.status).to.equal('matched');
    expect((await matched).room_id).to.not.equal(roomId);
    closeAll(a);
    closeAll(c);
  });
});
