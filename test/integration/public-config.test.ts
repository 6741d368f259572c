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
    expect(r.body).to.deep.equal({ platform_providers: [], platform_flows: [] });
  });

  it('lists exactly the providers that have a client id', async () => {
    // Nothing is fetched from the providers until someone signs in: client ids are enough here.
    const server = await startServer({ GOOGLE_CLIENT_ID: 'g-client', LINE_CHANNEL_ID: 'line-1' });
    servers.push(server);
    const r = await http(server, 'GET', '/api/v1/config');
    expect(r.body.platform_providers).to.deep.equal(['google', 'line']);
    // LINE's code flow needs the channel secret, so only Google's redirect sign-in is offered, at Google's real endpoint.
    expect(r.body.platform_flows).to.deep.equal([
      { provider: 'google', authorize_url: 'https://accounts.google.com/o/oauth2/v2/auth', client_id: 'g-client', scope: 'openid email', response_type: 'id_token', response_mode: 'fragment', pkce: false },
    ]);
  });

  it('offers LINE at its real endpoints once the channel secret is set, and never shows the secret', async () => {
    const server = await startServer({ LINE_CHANNEL_ID: 'line-1', LINE_CHANNEL_SECRET: 'very-secret-value' });
    servers.push(server);
    const r = await http(server, 'GET', '/api/v1/config');
    expect(r.body.platform_flows).to.deep.equal([
      { provider: 'line', authorize_url: 'https://access.line.me/oauth2/v2.1/authorize', client_id: 'line-1', scope: 'openid email', response_type: 'code', response_mode: 'query', pkce: true },
    ]);
    expect(JSON.stringify(r.body)).to.not.include('very-secret-value');
  });
});
