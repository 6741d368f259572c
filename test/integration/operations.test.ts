import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { anonLogin, connect, http } from '../support/clients.js';

describe('operations', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  it('/healthz answers 200 while the process runs', async () => {
    const r = await http(server, 'GET', '/healthz');
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ status: 'ok' });
  });

  it('/readyz checks the database (and Redis when configured)', async () => {
    const r = await http(server, 'GET', '/readyz');
    expect(r.status).to.equal(200);
    expect(r.body.checks.database).to.equal('ok');
    if (process.env.REDIS_URL) expect(r.body.checks.redis).to.equal('ok');
  });

  it('/metrics serves Prometheus text with request and socket metrics', async () => {
    await http(server, 'GET', '/healthz');
    const res = await fetch(`${server.url}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).to.match(/text\/plain/);
    expect(text).to.match(/http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).to.include('socket_connections');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).to.equal('trace-123');
    const hostile = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(hostile.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('shuts down gracefully: readiness drops, sockets are closed, the port is released', async () => {
    const s2 = await startServer();
    const u = await anonLogin(s2);
    const sock = await connect(s2, '/rooms', u.token);
    const disconnected = new Promise<string>((resolve) => sock.once('disconnect', resolve));
    await s2.close();
    expect(await disconnected).to.be.a('string');
    const err = await fetch(`${s2.url}/healthz`).then(() => null, (e: Error) => e);
    expect(err).to.be.instanceOf(Error);
  });

  it('keeps data across a restart of the embedded store', async function () {
    if (process.env.DATABASE_URL) this.test!.title += ' (Postgres: same database reopened)';
    const { createTestDatabase } = await import('../support/databases.js');
    const db = await createTestDatabase();
    const { loadConfig } = await import('../../src/config.js');
    const { createApp } = await import('../../src/app.js');
    const { pino } = await import('pino');
    const env = { ...db.env, PORT: '0', HOST: '127.0.0.1', JWT_SECRET: 'x'.repeat(40) };
    const boot = async () => {
      const app = await createApp(loadConfig(env), { log: pino({ level: 'silent' }), defaultMetrics: false });
      const addr = await app.listen();
      return { app, url: `http://127.0.0.1:${addr.port}` };
    };
    const first = await boot();
    const user = await anonLogin(first.url);
    await first.app.close();
    const second = await boot();
    const r = await http(second.url, 'GET', '/api/v1/matchmaking/status', { token: user.token });
    expect(r.status).to.equal(200);
    await second.app.close();
    await db.drop();
  });
});
