import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startServer, type TestServer } from '../support/server.js';
import { http, matchedPair, type HttpResult } from '../support/clients.js';
import { credentialsReq, register, uniqueEmail } from '../support/members.js';

/**
 * The document against a validator of the OpenAPI 3.1 specification, and real answers of this
 * server against the schemas it documents for them (status and body), through a realistic walk.
 */
describe('API docs: the OpenAPI document is valid and the answers match it', () => {
  let server: TestServer;
  let doc: any;
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });

  before(async () => {
    server = await startServer();
    doc = (await http(server, 'GET', '/docs/openapi.json')).body;
    ajv.addSchema({ $id: 'openapi.json', components: doc.components });
  });
  after(async () => server?.close());

  it('validates against the OpenAPI 3.1 schema', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(doc.servers).to.deep.equal([{ url: '/', description: 'This server' }]);
  });

  it('links point at operations that exist, with parameters those operations take', () => {
    const ops = new Map<string, any>();
    for (const methods of Object.values(doc.paths as Record<string, Record<string, any>>)) for (const op of Object.values(methods)) ops.set(op.operationId, op);
    let links = 0;
    for (const op of ops.values()) {
      for (const response of Object.values(op.responses as Record<string, any>)) {
        for (const link of Object.values((response.links ?? {}) as Record<string, any>)) {
          const target = ops.get(link.operationId);
          expect(target, link.operationId).to.exist;
          for (const name of Object.keys(link.parameters ?? {})) {
            if (name === 'header.Authorization') expect(target.security, `${link.operationId} takes a token`).to.deep.equal([{ bearerAuth: [] }]);
            else expect((target.parameters ?? []).map((p: any) => p.name), link.operationId).to.include(name);
          }
          links++;
        }
      }
    }
    expect(links).to.be.greaterThan(10);
    expect(Object.keys(doc.paths['/api/v1/matchmaking/join'].post.responses['201'].links)).to.include('send_message');
    expect(Object.keys(doc.paths['/api/v1/auth/sessions'].post.responses['200'].links)).to.include('get_user_info');
  });

  /** The documented answer of `method path` for `status`: its schema must accept the body. */
  function conforms(method: string, path: string, r: HttpResult): void {
    const op = doc.paths[path]?.[method];
    expect(op, `${method} ${path} is documented`).to.exist;
    let response = op.responses[String(r.status)];
    expect(response, `${method} ${path} documents ${r.status}`).to.exist;
    if (response.$ref) response = doc.components.responses[response.$ref.split('/').pop()];
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return;
    const ref = schema.$ref ? { $ref: `openapi.json${schema.$ref}` } : schema;
    const ok = ajv.validate(ref, r.body);
    expect(ok, `${method} ${path} ${r.status}: ${ajv.errorsText()} in ${JSON.stringify(r.body).slice(0, 300)}`).to.equal(true);
  }

  it('answers what it documents along a guest walk and a member walk, errors included', async () => {
    const calls: Array<[string, string, HttpResult]> = [];
    const call = async (method: string, path: string, url: string, opts: Parameters<typeof http>[3] = {}) => {
      const r = await http(server, method.toUpperCase(), url, opts);
      calls.push([method, path, r]);
      return r;
    };
    await call('post', '/api/v1/auth/anon', '/api/v1/auth/anon', { body: { name: '  Ann  ' } });
    await call('post', '/api/v1/auth/anon', '/api/v1/auth/anon', { body: { name: '' } });
    await call('post', '/api/v1/auth/anon', '/api/v1/auth/anon', { raw: '{"name":' });
    const { a, b, roomId } = await matchedPair(server);
    await call('get', '/api/v1/matchmaking/status', '/api/v1/matchmaking/status', { token: a.token });
    await call('post', '/api/v1/matchmaking/join', '/api/v1/matchmaking/join', { token: b.token });
    await call('post', '/api/v1/matchmaking/join', '/api/v1/matchmaking/join', { token: b.token, raw: 'not json' });
    await call('post', '/api/v1/matchmaking/join', '/api/v1/matchmaking/join', { token: 'forged' });
    const room = `/api/v1/rooms/${roomId}`;
    await call('post', '/api/v1/rooms/{room_id}/messages', `${room}/messages`, { token: a.token, body: { content: 'hi', client_msg_id: randomUUID() } });
    await call('get', '/api/v1/rooms/{room_id}/messages', `${room}/messages?page_size=5`, { token: b.token });
    await call('get', '/api/v1/rooms/{room_id}/messages/after', `${room}/messages/after`, { token: b.token });
    await call('get', '/api/v1/rooms/{room_id}/messages', `/api/v1/rooms/nope/messages`, { token: b.token });
    await call('post', '/api/v1/rooms/{room_id}/leave', `${room}/leave`, { token: a.token });
    await call('post', '/api/v1/matchmaking/leave', '/api/v1/matchmaking/leave', { token: b.token });

    const email = uniqueEmail('doc');
    const reg = await call('post', '/api/v1/auth/register', '/api/v1/auth/register', { body: credentialsReq(email) });
    await call('post', '/api/v1/auth/register', '/api/v1/auth/register', { body: credentialsReq(email) });
    await call('post', '/api/v1/auth/sessions', '/api/v1/auth/sessions', { body: credentialsReq(email, 'wrong password!', 'any', undefined) });
    const token = reg.body.access_token as string;
    await call('get', '/api/v1/user/me', '/api/v1/user/me', { token });
    await call('put', '/api/v1/user/me', '/api/v1/user/me', { token, body: { nickname: ' Ann ', avatar_url: 'https://a.example/p.png' } });
    await call('put', '/api/v1/user/me', '/api/v1/user/me', { token, body: { avatar_url: 'ftp://a.example/p.png' } });
    await call('post', '/api/v1/auth/sessions/refresh', '/api/v1/auth/sessions/refresh', { body: { access_token: token, refresh_token: reg.body.refresh_token } });
    await call('delete', '/api/v1/auth/sessions', '/api/v1/auth/sessions', { token });
    await call('get', '/healthz', '/healthz');
    await call('post', '/api/v1/auth/anon', '/api/v1/auth/anon', { body: { name: 'x'.repeat(20_000) } });

    expect(calls.map(([, , r]) => r.status)).to.include.members([200, 201, 400, 401, 404, 409, 413]);
    for (const [method, path, r] of calls) conforms(method, path, r);
  });
});
