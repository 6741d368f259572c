import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { connect, emit, matchedPair, waitFor } from '../support/clients.js';
import { connectNsp } from '../../bench/lib/sio-lite.js';

/**
 * The benchmarks' minimal Socket.IO client (bench/lib/sio-lite.ts) against the real server and
 * beside socket.io-client: same handshake, acks, events and connect errors.
 */
describe('bench client (sio-lite)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  it('connects with a token, sends with an ack and receives what socket.io-client receives', async () => {
    const { a, b, roomId } = await matchedPair(server);
    const lite = await connectNsp(server.url, '/rooms', { token: a.centrifugo_token });
    const full = await connect(server, '/rooms', b.centrifugo_token);
    const echoed = new Promise((resolve) => lite.socket.on('message', resolve));
    const delivered = waitFor(full, 'message');
    const ack = await lite.socket.emitWithAck('send', { room_id: roomId, content: 'from the lite client', client_msg_id: 'lite-1' });
    expect(ack.ok).to.equal(true);
    expect(await delivered).to.deep.equal(ack.data);
    expect(await echoed).to.deep.equal(ack.data);
    // And the other way round.
    const back = new Promise((resolve) => lite.socket.on('message', (m: { uid: string }) => m.uid === b.uid && resolve(m)));
    const ack2 = await emit(full, 'send', { room_id: roomId, content: 'from socket.io-client', client_msg_id: 'full-1' });
    expect(await back).to.deep.equal(ack2.data);
    // Error acks come through as they are.
    const bad = await lite.socket.emitWithAck('send', { room_id: roomId, content: '', client_msg_id: 'x' });
    expect(bad.ok).to.equal(false);
    expect(bad.error.code).to.equal('INVALID_ARGUMENT');
    lite.conn.close();
    full.close();
  });

  it('rejects a bad token with the connect_error message UNAUTHENTICATED', async () => {
    try {
      await connectNsp(server.url, '/rooms', { token: 'nope' });
      expect.fail('connected');
    } catch (e) {
      expect((e as Error).message).to.equal('UNAUTHENTICATED');
    }
  });
});
