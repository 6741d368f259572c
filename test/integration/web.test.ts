import { expect } from 'chai';
import { startServer, type TestServer } from '../support/server.js';
import { http } from '../support/clients.js';
import { buildWebClient } from '../support/browser.js';

describe('web client and docs pages served by the API server', () => {
  let server: TestServer;
  before(async function () {
    this.timeout(90_000); // compiling the client with tsc, then a server, on a busy machine
    await buildWebClient();
    server = await startServer();
  });
  after(async () => server?.close());

  it('serves the client page at / with a strict Content-Security-Policy', async () => {
    const r = await http(server, 'GET', '/');
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/^text\/html/);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).to.contain("default-src 'self'");
    expect(csp).to.contain("script-src 'self'");
    expect(csp).to.not.contain('unsafe-inline');
    expect(r.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(r.body, 'the script is named by its content hash').to.match(/<script type="module" src="\/js\/app-[A-Z0-9]{8}\.js"><\/script>/);
    // One bundle (the client, the SDK and socket.io-client), no inline script.
    expect(r.body).to.not.match(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('serves the bundled client (with the SDK and socket.io-client), its styles and the socket.io-client browser bundle', async () => {
    const script = /src="(\/js\/app-[A-Z0-9]{8}\.js)"/.exec((await http(server, 'GET', '/')).body)![1]!;
    const app = await http(server, 'GET', script);
    expect(app.status).to.equal(200);
    expect(app.headers.get('cache-control'), 'hashed: cached for good').to.equal('public, max-age=31536000, immutable');
    expect(app.headers.get('content-type')).to.match(/javascript/);
    expect(app.body).to.contain('gby.session.v2');
    expect(app.body).to.contain('/socket.io');
    expect(app.body, 'bundled: no bare import left for the browser').to.not.match(/from\s*["']socket\.io-client["']/);
    const css = await http(server, 'GET', '/styles.css');
    expect(css.status).to.equal(200);
    expect(css.headers.get('content-type')).to.match(/^text\/css/);
    const vendor = await http(server, 'GET', '/vendor/socket.io.min.js');
    expect(vendor.status).to.equal(200);
    expect(vendor.headers.get('content-type')).to.match(/javascript/);
    expect(String(vendor.body)).to.match(/Socket\.IO v4/);
  });

  it('serves the docs pages (REST at /docs, Socket.IO at /docs/socketio) naming versioned renderer bundles', async () => {
    for (const [path, script] of [['/docs', /\/js\/docs-rest-[A-Z0-9]{8}\.js/], ['/docs/', /\/js\/docs-rest-[A-Z0-9]{8}\.js/], ['/docs/socketio', /\/js\/docs-socketio-[A-Z0-9]{8}\.js/]] as const) {
      const r = await http(server, 'GET', path);
      expect(r.status, path).to.equal(200);
      expect(r.headers.get('content-type')).to.match(/^text\/html/);
      expect(r.body).to.match(script);
      expect(r.body, 'bundles are named by version').to.match(/\/vendor\/(scalar|asyncapi)@\d+\.\d+\.\d+[^/]*\//);
      expect(r.headers.get('content-security-policy')).to.contain("default-src 'self'").and.contain("script-src 'self'");
      expect(r.headers.get('cache-control'), 'HTML is revalidated').to.equal('no-cache');
      const bundle = /(\/vendor\/[a-z]+@[^"]+\.js)"/.exec(r.body)![1]!;
      const js = await fetch(server.url + bundle, { headers: { 'accept-encoding': 'br' } });
      expect(js.status, bundle).to.equal(200);
      expect(js.headers.get('cache-control'), bundle).to.equal('public, max-age=31536000, immutable');
    }
    expect((await http(server, 'GET', '/docs')).headers.get('content-security-policy')).to.not.contain('unsafe-eval');
    expect((await http(server, 'GET', '/vendor/scalar@0.0.1/standalone.js')).status, 'another version is not served').to.equal(404);
  });

  it('answers the usual JSON 404 for files that do not exist, and never serves files outside public/ and the build', async () => {
    for (const path of ['/nope.html', '/js/nope.js', '/js/../package.json', '/%2e%2e/package.json', '/js/%2e%2e/%2e%2e/package.json', '/..%2fpackage.json']) {
      const r = await http(server, 'GET', path);
      expect(r.status, path).to.be.oneOf([400, 403, 404]);
      expect(JSON.stringify(r.body), path).to.not.contain('"devDependencies"');
    }
    const r = await http(server, 'GET', '/nope.html');
    expect(r.body).to.deep.include({ code: 'NOT_FOUND' });
  });

  it('leaves the API as it was: unknown API paths still answer JSON 404 and bodies must still be JSON', async () => {
    const r = await http(server, 'GET', '/api/v1/nope');
    expect(r.status).to.equal(404);
    expect(r.body.code).to.equal('NOT_FOUND');
    const form = await http(server, 'POST', '/api/v1/auth/anon', { raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).to.equal(400);
  });
});
