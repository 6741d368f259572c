import { expect } from 'chai';
import { ChatError } from '../../client/src/index.js';
import { startServer, type TestServer } from '../support/server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { contents, pair, recorded, restartableServer, until, type Recorded, type RestartableServer } from '../support/sdk.js';

/**
 * The SDK (client/) against a real server: whatever happens to the network, the server or the
 * tokens, every message written arrives exactly once on both sides, in the order it was written.
 */
describe('SDK: two clients chatting', function () {
  this.timeout(60_000);
  const clients: Recorded[] = [];
  const make = (url: string, opts = {}) => {
    const r = recorded(url, opts);
    clients.push(r);
    return r;
  };
  afterEach(async () => {
    for (const r of clients.splice(0)) await r.client.signOut();
  });

  /** Each side sees `expected` once each, in this order (their own and the partner's alike). */
  function seesExactly(r: Recorded, expected: string[]): void {
    expect(contents(r.messages)).to.deep.equal(expected);
    expect(new Set(r.messages.map((m) => m.message_id)).size).to.equal(expected.length);
  }

  describe('on a steady server', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ RATE_MESSAGE_SEND: '8/2' });
    });
    after(async () => server?.close());

    it('matches two clients and delivers both sides\' messages once each, in one order on both sides', async () => {
      const a = make(server.url);
      const b = make(server.url, { transports: ['polling'] });
      const room = await pair(a, b);
      expect(a.client.currentRoom?.id).to.equal(room);
      expect(b.client.currentRoom?.partner.name).to.equal('Alice');
      const sent: Promise<unknown>[] = [];
      for (let i = 0; i < 3; i++) sent.push(a.client.send(`a${i}`), b.client.send(`b${i}`));
      await Promise.all(sent);
      await until('six messages on both sides', () => a.messages.length === 6 && b.messages.length === 6);
      expect(contents(a.messages)).to.deep.equal(contents(b.messages));
      expect(contents(a.messages).filter((c) => c.startsWith('a'))).to.deep.equal(['a0', 'a1', 'a2']);
      expect(contents(a.messages).filter((c) => c.startsWith('b'))).to.deep.equal(['b0', 'b1', 'b2']);
      seesExactly(b, contents(a.messages));
    });

    it('keeps sending past the rate limit: nothing lost, nothing twice, in the order written', async () => {
      const a = make(server.url);
      const b = make(server.url);
      await pair(a, b);
      const texts = Array.from({ length: 20 }, (_, i) => `msg ${i + 1}`);
      const stored = await Promise.all(texts.map((t) => a.client.send(t)));
      expect(stored.map((m) => m.content)).to.deep.equal(texts);
      expect(a.rateLimited, 'the limit was reached').to.be.greaterThan(0);
      await until('all 20 at the partner', () => b.messages.length === 20);
      seesExactly(b, texts);
      seesExactly(a, texts);
      expect(a.client.pending).to.have.length(0);
    });

    it('sends what was written while the socket was cut, once, in order, after it comes back', async () => {
      const proxy: TcpProxy = await startTcpProxy(server.port);
      try {
        const a = make(`http://${proxy.host}`);
        const b = make(server.url);
        await pair(a, b);
        await a.client.send('before');
        proxy.cut();
        await until('a offline', () => a.client.connection !== 'online');
        const later = ['while cut 1', 'while cut 2', 'while cut 3'].map((t) => a.client.send(t));
        await b.client.send('from b while a is away');
        expect(a.client.pending.map((p) => p.content)).to.deep.equal(['while cut 1', 'while cut 2', 'while cut 3']);
        proxy.restore();
        await Promise.all(later);
        await until('b has all of a\'s', () => b.messages.length === 5);
        await until('a caught up', () => a.messages.length === 5);
        expect(contents(a.messages)).to.deep.equal(contents(b.messages));
        expect(contents(a.messages).filter((c) => c !== 'from b while a is away')).to.deep.equal(['before', 'while cut 1', 'while cut 2', 'while cut 3']);
        seesExactly(a, contents(b.messages));
      } finally {
        await proxy.close();
      }
    });

    it('tells both sides once when one of them leaves, and refuses to send into the closed room', async () => {
      const a = make(server.url);
      const b = make(server.url);
      const room = await pair(a, b);
      await a.client.leave();
      await until('b told', () => b.closed.length === 1);
      expect(a.closed).to.deep.equal([room]);
      expect(b.closed).to.deep.equal([room]);
      const err = await a.client.send('too late').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ChatError).with.property('code', 'NO_ROOM');
    });
  });

  describe('across a server restart', () => {
    let server: RestartableServer;
    before(async () => {
      server = await restartableServer();
    });
    after(async () => server?.close());

    it('delivers messages written while the server was down, once each, in order', async () => {
      const a = make(server.url);
      const b = make(server.url);
      await pair(a, b);
      await a.client.send('one');
      await b.client.send('two');
      await until('both have two', () => a.messages.length === 2 && b.messages.length === 2);
      await server.stop();
      await until('both offline', () => a.client.connection !== 'online' && b.client.connection !== 'online');
      const pending = [a.client.send('three'), a.client.send('four')];
      await server.start();
      await Promise.all(pending);
      await b.client.send('five');
      await until('five on both sides', () => a.messages.length === 5 && b.messages.length === 5);
      seesExactly(a, ['one', 'two', 'three', 'four', 'five']);
      seesExactly(b, ['one', 'two', 'three', 'four', 'five']);
    });
  });

  describe('with short-lived tokens', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ ACCESS_TOKEN_TTL: '10' });
    });
    after(async () => server?.close());

    it('keeps chatting while access tokens expire and are refreshed', async function () {
      const a = make(server.url);
      const b = make(server.url);
      await pair(a, b);
      const firstToken = (a.client as unknown as { tokens: { session: { access: string } } }).tokens.session.access;
      const texts: string[] = [];
      // Past one token lifetime (10 s): the refresh happens mid-conversation.
      for (let i = 0; i < 13; i++) {
        texts.push(`tick ${i}`);
        await (i % 2 ? b : a).client.send(`tick ${i}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      await until('all ticks', () => a.messages.length === texts.length && b.messages.length === texts.length);
      seesExactly(a, texts);
      seesExactly(b, texts);
      const nowToken = (a.client as unknown as { tokens: { session: { access: string } } }).tokens.session.access;
      expect(nowToken).to.not.equal(firstToken);
      // REST works too with the refreshed token.
      expect((await a.client.history({ page_size: 100 })).data).to.have.length(texts.length);
      expect(a.ended).to.deep.equal([]);
    });
  });

  describe('a session the server revokes', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer();
    });
    after(async () => server?.close());

    it('surfaces as one session_ended event and a signed-out client', async () => {
      const a = make(server.url);
      const other = make(server.url);
      await a.client.register('sdk-user@example.com', 'first-password-1', 'email');
      await other.client.signIn('sdk-user@example.com', 'first-password-1', 'email');
      // Changing the password elsewhere revokes every other session, a's included.
      await other.client.account.changePassword('first-password-1', 'second-password-2');
      // Whichever notices first (the server dropping a's sockets, or a's next call) ends the session.
      const err = await a.client.account.profile().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ChatError);
      expect((err as ChatError).code).to.be.oneOf(['UNAUTHENTICATED', 'SIGNED_OUT']);
      await until('ended', () => a.ended.length > 0);
      expect(a.ended).to.deep.equal(['revoked']);
      expect(a.client.me).to.equal(null);
      expect(a.client.connection).to.equal('offline');
      expect(other.ended).to.deep.equal([]);
    });
  });
});
