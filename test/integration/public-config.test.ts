import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { http } from '../support/clients.js';

/** GET /api/v1/config tells clients which platform sign-ins to offer, and nothing else. */
describe('public server config', function () {
  this.timeout(60_000);
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it('lists no platform sign-in when none is configured', async () => {
    const server = await startServer();
    servers.push(server);
    const r = await http(server, 'GET', '/api/v1/config');
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ platform_providers: [] });
  });

  it('lists exactly the providers that have a client id', async () => {
    // Nothing is fetched from the providers until someone signs in: client ids are enough here.
    const server = await startServer({ GOOGLE_CLIENT_ID: 'g-client', LINE_CHANNEL_ID: 'line-1' });
    servers.push(server);
    const r = await http(server, 'GET', '/api/v1/config');
    expect(r.body).to.deep.equal({ platform_providers: ['google', 'line'] });
  });
});
