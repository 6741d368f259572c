import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, emit, http, matchedPair, waitFor } from '../support/clients.js';

/**
 * The AsyncAPI document of the Socket.IO door: valid per @asyncapi/parser, complete (every
 * namespace and event the contract names), and true (live acks and events match its schemas).
 */
describe('API docs: /docs/asyncapi.json (Socket.IO)', () => {
  let server: TestServer;
  let doc: any;
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });

  before(async () => {
    server = await startServer();
    const r = await http(server, 'GET', '/docs/asyncapi.json');
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/^application\/json/);
    doc = r.body;
    ajv.addSchema({ $id: 'asyncapi.json', components: { schemas: doc.components.schemas } });
  });
  after(async () => server?.close());

  /** A schema from the document, with its `#/components/...` references resolvable by ajv. */
  const check = (schema: unknown, value: unknown): string | null => {
    const rebased = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"asyncapi.json#/components/'));
    return ajv.validate(rebased, value) ? null : ajv.errorsText();
  };
  const message = (ns: string, key: string) => doc.channels[ns].messages[key];

  it('is a valid AsyncAPI 3 document (no error from @asyncapi/parser)', async () => {
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error);
    expect(errors.map((e) => `${e.path.join('.')}: ${e.message}`)).to.deep.equal([]);
    expect(document, 'parsed').to.exist;
    expect(document!.version()).to.equal('3.0.0');
    expect(document!.channels().all().map((c) => c.address()).sort()).to.deep.equal(['/auth', '/matchmaking', '/rooms']);
  });

  it('lists every client event (with its ack) and server event of the contract', () => {
    const ops = Object.keys(doc.operations).sort();
    expect(ops).to.include.members([
      'auth.anon_login', 'auth.refresh', 'auth.register', 'auth.login', 'auth.session_refresh',
      'matchmaking.join', 'matchmaking.status', 'matchmaking.leave', 'matchmaking.matched',
      'rooms.join', 'rooms.send', 'rooms.history', 'rooms.typing', 'rooms.leave', 'rooms.message', 'rooms.typing.event', 'rooms.room_closed',
    ]);
    for (const [key, op] of Object.entries(doc.operations as Record<string, any>)) {
      expect(op.action, key).to.be.oneOf(['send', 'receive']);
      if (op.action === 'receive') expect(op.reply?.messages, `${key} has an ack`).to.have.length(1);
    }
    // The input of `send` comes from the joi schema both doors validate with.
    expect(message('rooms', 'send').payload.required).to.deep.equal(['room_id', 'content', 'client_msg_id']);
    expect(doc.operations['rooms.send'].security, 'needs the handshake token').to.have.length(1);
    expect(doc.operations['auth.anon_login']).to.not.have.property('security');
  });

  it('every documented client event is bound: it answers an ack of the documented shape', async () => {
    const { a, roomId } = await matchedPair(server);
    const sockets: Record<string, Awaited<ReturnType<typeof connect>>> = {
      auth: await connect(server, '/auth'),
      matchmaking: await connect(server, '/matchmaking', a.token),
      rooms: await connect(server, '/rooms', a.token),
    };
    try {
      // Success and failure acks against their documented schemas.
      const sent = await emit(sockets.rooms!, 'send', { room_id: roomId, content: 'hello', client_msg_id: randomUUID() });
      expect(sent.ok).to.equal(true);
      expect(check(message('rooms', 'send.ack').payload, sent)).to.equal(null);
      const bad = await emit(sockets.rooms!, 'send', { room_id: roomId, content: '' });
      expect(bad.ok).to.equal(false);
      expect(check(message('rooms', 'send.ack').payload, bad)).to.equal(null);
      const joined = await emit(sockets.rooms!, 'join', { room_id: roomId });
      expect(check(message('rooms', 'join.ack').payload, joined)).to.equal(null);
      // Then every event, the room's `leave` among them (whose room_closed is checked too).
      const incoming = waitFor(sockets.rooms!, 'room_closed');
      for (const [key, op] of Object.entries(doc.operations as Record<string, any>)) {
        if (op.action !== 'receive') continue;
        const [ns, event] = key.split('.') as [string, string];
        // A bad payload for inputs that need one, an empty one otherwise: both must be acked.
        const res = await emit(sockets[ns]!, event, { room_id: roomId, junk: true });
        const ack = doc.channels[ns].messages[`${event}.ack`].payload;
        expect(check(ack, res), `${key} ack ${JSON.stringify(res).slice(0, 200)}`).to.equal(null);
      }
      expect(check(message('rooms', 'room_closed').payload, await incoming)).to.equal(null);
    } finally {
      for (const s of Object.values(sockets)) s.disconnect();
    }
  });

  it('documents the matched event as it is sent, and the message event', async () => {
    const [a, b] = await Promise.all([anonLogin(server), anonLogin(server)]);
    const ma = await connect(server, '/matchmaking', a.token);
    const rb = await connect(server, '/rooms', b.token);
    try {
      const matched = waitFor<{ room_id: string }>(ma, 'matched');
      const joinA = await emit(ma, 'join');
      expect(check(message('matchmaking', 'join.ack').payload, joinA)).to.equal(null);
      await http(server, 'POST', '/api/v1/matchmaking/join', { token: b.token });
      const m = await matched;
      expect(check(message('matchmaking', 'matched').payload, m)).to.equal(null);
      const incoming = waitFor(rb, 'message');
      await http(server, 'POST', `/api/v1/rooms/${m.room_id}/messages`, { token: a.token, body: { content: 'hi', client_msg_id: randomUUID() } });
      expect(check(message('rooms', 'message').payload, await incoming)).to.equal(null);
    } finally {
      ma.disconnect();
      rb.disconnect();
    }
  });
});
