import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { RequestHandler, Router } from 'express';
import { startServer, type TestServer } from '../support/server.js';
import { http, matchedPair } from '../support/clients.js';
import { chatRoutes } from '../../src/http/chat.routes.js';
import { memberAuthRoutes, userRoutes } from '../../src/http/members.routes.js';
import { healthRoutes } from '../../src/http/health.routes.js';
import { configRoutes } from '../../src/http/config.routes.js';
import { authCallbackRoutes } from '../../src/http/auth-callback.routes.js';
import type { ConfigOperations } from '../../src/operations/config.ops.js';
import type { ChatOperations } from '../../src/operations/chat.ops.js';
import type { MemberOperations } from '../../src/operations/members.ops.js';
import type { Metrics } from '../../src/infra/metrics.js';
import { adminRoutes, safetyRoutes } from '../../src/http/moderation.routes.js';
import type { ModerationOperations } from '../../src/operations/moderation.ops.js';

type Schema = Record<string, any>;
interface Param { name: string; in: 'path' | 'query'; required: boolean; schema: Schema }

/** "METHOD /path" of every route a router serves, with Express's `:param` written as OpenAPI's `{param}`. */
function routesOf(router: Router, prefix: string): string[] {
  const out: string[] = [];
  for (const layer of (router as unknown as { stack: Array<{ route?: { path: string | string[]; methods: Record<string, boolean> } }> }).stack) {
    if (!layer.route) continue;
    for (const p of [layer.route.path].flat()) {
      for (const [m, on] of Object.entries(layer.route.methods)) {
        if (on) out.push(`${m.toUpperCase()} ${(prefix + p).replace(/\/$/, '').replace(/:([A-Za-z_]+)/g, '{$1}') || '/'}`);
      }
    }
  }
  return out;
}

describe('API docs: /docs/openapi.json', () => {
  let server: TestServer;
  let doc: any;
  before(async () => {
    server = await startServer();
    const r = await http(server, 'GET', '/docs/openapi.json');
    expect(r.status).to.equal(200);
    doc = r.body;
  });
  after(async () => server?.close());

  const operations = () =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method, path, op })));

  it('is an OpenAPI 3.1 document served as JSON', async () => {
    const r = await http(server, 'GET', '/docs/openapi.json');
    expect(r.headers.get('content-type')).to.match(/^application\/json/);
    expect(doc.openapi).to.equal('3.1.0');
    expect(doc.info.title).to.be.a('string').and.not.equal('');
    expect(doc.components.securitySchemes.bearerAuth).to.include({ type: 'http', scheme: 'bearer' });
  });

  it('documents every REST route the server mounts (chat, member, health), and no other', () => {
    // The same routers app.ts mounts, under the same prefixes; the operations are never called.
    const stubOps = new Proxy({}, { get: () => ({ name: 'stub', auth: false, schema: null, run: async () => ({}) }) });
    const auth: RequestHandler = (_req, _res, next) => next();
    const mounted = [
      ...routesOf(chatRoutes(stubOps as ChatOperations, auth), '/api/v1'),
      ...routesOf(memberAuthRoutes(stubOps as MemberOperations, auth), '/api/v1/auth'),
      ...routesOf(userRoutes(stubOps as MemberOperations, auth), '/api/v1/user'),
      ...routesOf(healthRoutes([], {} as Metrics, () => false), ''),
      ...routesOf(safetyRoutes(stubOps as ModerationOperations, auth), '/api/v1'),
      ...routesOf(adminRoutes(stubOps as ModerationOperations, auth), '/api/v1/admin'),
      ...routesOf(configRoutes(stubOps as ConfigOperations), '/api/v1'),
      ...routesOf(authCallbackRoutes(), '/auth'),
    ].sort();
    const documented = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort();
    expect(documented).to.deep.equal(mounted);
    for (const chat of ['POST /api/v1/auth/anon', 'POST /api/v1/auth/refresh', 'POST /api/v1/matchmaking/join', 'GET /api/v1/matchmaking/status', 'POST /api/v1/rooms/{room_id}/messages', 'GET /api/v1/rooms/{room_id}/messages']) {
      expect(documented, chat).to.include(chat);
    }
  });

  it('answers on every documented path and method (none is the "no route" 404)', async () => {
    for (const { method, path } of operations()) {
      const r = await http(server, method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'some-id'), method === 'get' || method === 'delete' ? {} : { body: {} });
      const noRoute = r.status === 404 && /^no route/.test(r.body?.message ?? '');
      expect(noRoute, `${method} ${path} answered ${r.status} ${JSON.stringify(r.body)}`).to.equal(false);
    }
  });

  it('lists the path and query parameters of GET /rooms/{room_id}/messages with their limits', () => {
    const op = doc.paths['/api/v1/rooms/{room_id}/messages'].get;
    const params = Object.fromEntries((op.parameters as Param[]).map((p) => [p.name, p]));
    expect(Object.keys(params)).to.deep.equal(['room_id', 'page_size', 'page_index', 'before']);
    expect(params.room_id).to.include({ in: 'path', required: true });
    expect(params.page_size).to.deep.include({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } });
    expect(params.page_index!.schema).to.include({ type: 'integer', minimum: 1, default: 1 });
    expect(params.before!.schema.pattern).to.equal('^\\d{1,19}$');
    expect(op.security).to.deep.equal([{ bearerAuth: [] }]);
    expect(Object.keys(op.responses)).to.include.members(['200', '400', '401', '403', '404']);
    expect(op.responses['200'].content['application/json'].schema).to.deep.equal({ $ref: '#/components/schemas/ListMessageResp' });
  });

  it('documents the JSON bodies with their required fields, and the statuses of the contract', () => {
    const body = (path: string, method = 'post') => doc.paths[path][method].requestBody.content['application/json'].schema;
    expect(body('/api/v1/auth/anon')).to.deep.include({ required: ['name'] });
    // Trimmed text: its lengths hold after trimming, so they are a pattern on the raw string.
    expect(body('/api/v1/auth/anon').properties.name.description).to.match(/Trimmed first, then 1 to 32 characters/);
    expect(body('/api/v1/rooms/{room_id}/messages').required).to.deep.equal(['content', 'client_msg_id']);
    expect(body('/api/v1/rooms/{room_id}/messages').properties.content.description).to.match(/1 to 2000 characters/);
    expect(body('/api/v1/auth/register').required).to.include.members(['auth_method', 'login_id']);
    const send = doc.paths['/api/v1/rooms/{room_id}/messages'].post;
    expect(Object.keys(send.responses)).to.deep.equal(['200', '201', '400', '401', '403', '404', '409', '413', '429', '500', '503']);
    // A route without input still parses a body: junk is 400, too much is 413.
    expect(Object.keys(doc.paths['/api/v1/matchmaking/join'].post.responses)).to.include.members(['400', '413', '503']);
    expect(doc.paths['/api/v1/matchmaking/join'].post.responses).to.have.property('201');
    expect(doc.paths['/api/v1/auth/anon'].post.security).to.deep.equal([]);
    expect(doc.paths['/api/v1/matchmaking/leave'].post['x-extension']).to.equal(true);
  });

  it('describes the error shape and every error code with its HTTP status', () => {
    const codes = (doc['x-error-codes'] as Array<{ status: number; code: string }>).map((e) => `${e.status} ${e.code}`);
    expect(codes).to.deep.equal(['400 INVALID_ARGUMENT', '401 UNAUTHENTICATED', '403 FORBIDDEN', '404 NOT_FOUND', '409 CONFLICT', '413 PAYLOAD_TOO_LARGE', '429 RATE_LIMITED', '500 INTERNAL', '503 UNAVAILABLE']);
    expect(doc.components.schemas.Error.required).to.deep.equal(['code', 'message']);
    expect(doc.components.responses.RATE_LIMITED.headers).to.have.property('Retry-After');
  });

  describe('its limits are the server\'s limits', () => {
    let token: string;
    let roomId: string;
    before(async () => {
      const pair = await matchedPair(server);
      token = pair.a.token;
      roomId = pair.roomId;
    });

    /** A valid request for each chat route with input; every probe changes one field of it. */
    const baseline = (): Record<string, { input: Record<string, unknown>; token?: string }> => ({
      'post /api/v1/auth/anon': { input: { name: 'Ann' } },
      'post /api/v1/auth/refresh': { input: { token: 'not-a-token' } },
      'post /api/v1/rooms/{room_id}/messages': { input: { content: 'hi', client_msg_id: randomUUID() }, token },
      'get /api/v1/rooms/{room_id}/messages': { input: {}, token },
      'get /api/v1/rooms/{room_id}/messages/after': { input: {}, token },
      'post /api/v1/rooms/{room_id}/leave': { input: {}, token },
    });

    /** Values just inside and just outside each documented bound. */
    function probes(s: Schema): Array<{ value: string | number; valid: boolean }> {
      const out: Array<{ value: string | number; valid: boolean }> = [];
      if (s.type === 'string') {
        if (typeof s.maxLength === 'number') out.push({ value: 'a'.repeat(s.maxLength), valid: true }, { value: 'a'.repeat(s.maxLength + 1), valid: false });
        if (s.minLength >= 1) out.push({ value: '', valid: false });
        // Trimmed strings carry their lengths in patterns: probe where 'aaa…' stops matching.
        const patterns = [s.pattern, ...((s.allOf ?? []) as Schema[]).map((p) => p.pattern)].filter((p): p is string => typeof p === 'string').map((p) => new RegExp(p, 'u'));
        if (patterns.length && s.maxLength === undefined) {
          const fits = (n: number) => patterns.every((re) => re.test('a'.repeat(n)));
          let n = 0;
          while (n < 5000 && fits(n + 1)) n++;
          if (n > 0 && n < 5000) out.push({ value: 'a'.repeat(n), valid: true }, { value: 'a'.repeat(n + 1), valid: false }, { value: ` ${'a'.repeat(n)} `, valid: true });
          if (!fits(0)) out.push({ value: '', valid: false }, { value: '   ', valid: false });
        }
      }
      if (s.type === 'integer') {
        if (typeof s.maximum === 'number') out.push({ value: s.maximum, valid: true }, { value: s.maximum + 1, valid: false });
        if (typeof s.minimum === 'number') out.push({ value: s.minimum, valid: true }, { value: s.minimum - 1, valid: false });
        out.push({ value: 1.5, valid: false });
      }
      return out;
    }

    it('accepts every value at a documented bound and refuses the one past it with 400 naming the field', async function () {
      this.timeout(60_000);
      const base = baseline();
      let checked = 0;
      for (const { method, path, op } of operations()) {
        const key = `${method} ${path}`;
        const b = base[key];
        if (!b) continue;
        const fields: Array<{ name: string; where: 'path' | 'query' | 'body'; schema: Schema }> = [
          ...((op.parameters ?? []) as Param[]).map((p) => ({ name: p.name, where: p.in, schema: p.schema })),
          ...Object.entries((op.requestBody?.content['application/json'].schema.properties ?? {}) as Record<string, Schema>).map(([name, schema]) => ({ name, where: 'body' as const, schema })),
        ];
        for (const f of fields) {
          for (const probe of probes(f.schema)) {
            if (f.where === 'path' && probe.value === '') continue; // an empty segment is another URL, not this route
            const input: Record<string, unknown> = { ...b.input, ...(f.where === 'body' || f.where === 'query' ? { [f.name]: probe.value } : {}) };
            if ('client_msg_id' in input && f.name !== 'client_msg_id') input.client_msg_id = randomUUID();
            const room = f.where === 'path' ? encodeURIComponent(String(probe.value)) : roomId;
            let url = path.replace('{room_id}', room);
            if (method === 'get') url += `?${new URLSearchParams(Object.entries(input).map(([k, v]): [string, string] => [k, String(v)]))}`;
            const r = await http(server, method.toUpperCase(), url, { ...(b.token ? { token: b.token } : {}), ...(method === 'get' ? {} : { body: input }) });
            const what = `${key} ${f.name}=${String(probe.value).slice(0, 12)}… (${String(probe.value).length} chars): ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`;
            if (probe.valid) {
              expect(r.status, what).to.not.equal(400);
            } else {
              expect(r.status, what).to.equal(400);
              expect((r.body.error as Array<{ field: string }>).map((e) => e.field), what).to.include(f.name);
            }
            checked++;
          }
        }
      }
      // page_size is the example of the issue: the document says 1..100, and so does the server.
      const ok = await http(server, 'GET', `/api/v1/rooms/${roomId}/messages?page_size=100`, { token });
      const tooBig = await http(server, 'GET', `/api/v1/rooms/${roomId}/messages?page_size=101`, { token });
      expect([ok.status, tooBig.status]).to.deep.equal([200, 400]);
      expect(checked, 'probes run').to.be.greaterThan(20);
    });
  });
});
