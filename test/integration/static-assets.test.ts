import { expect } from 'chai';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { startServer, type TestServer } from '../support/server.js';
import { IMMUTABLE_URL } from '../../src/http/web.js';

/** Raw GET (fetch would decode the body and hide Content-Encoding). */
function get(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(server.url + path, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static assets: compressed, cached for good when versioned, revalidated otherwise', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  it('sends brotli or gzip as the client accepts, and the same bytes decoded', async () => {
    const plain = await get(server, '/styles.css', { 'accept-encoding': 'identity' });
    expect(plain.status).to.equal(200);
    expect(plain.headers['content-encoding']).to.equal(undefined);
    const br = await get(server, '/styles.css', { 'accept-encoding': 'br, gzip' });
    expect(br.headers['content-encoding']).to.equal('br');
    expect(brotliDecompressSync(br.body).equals(plain.body)).to.equal(true);
    expect(br.body.length).to.be.lessThan(plain.body.length / 2);
    const gz = await get(server, '/docs/openapi.json', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).to.equal('gzip');
    expect(JSON.parse(gunzipSync(gz.body).toString('utf8')).openapi).to.equal('3.1.0');
    expect(gz.headers.vary).to.match(/Accept-Encoding/i);
  });

  it('marks versioned and content-hashed URLs immutable, and only those', () => {
    for (const url of ['/vendor/scalar@1.46.4/standalone.js', '/js/app.3f9a2c1b.js', '/js/app-5XQ2KJ7M.js', '/assets/chunk-AB12CD34.css']) expect(IMMUTABLE_URL.test(url), url).to.equal(true);
    for (const url of ['/js/app.js', '/styles.css', '/index.html', '/vendor/socket.io.min.js', '/js/conversation.js', '/favicon.svg']) expect(IMMUTABLE_URL.test(url), url).to.equal(false);
  });

  it('revalidates unversioned files and HTML (a cheap 304 with the validator)', async () => {
    for (const path of ['/', '/styles.css', '/admin']) {
      const r = await get(server, path);
      expect(r.status, path).to.equal(200);
      expect(r.headers['cache-control'], path).to.equal('no-cache');
      const validator: Record<string, string> = r.headers.etag ? { 'if-none-match': String(r.headers.etag) } : { 'if-modified-since': String(r.headers['last-modified']) };
      expect((await get(server, path, validator)).status, `${path} revalidated`).to.equal(304);
    }
  });
});
