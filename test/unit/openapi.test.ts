import { expect } from 'chai';
import Joi from 'joi';
import { buildOpenApi, joiToJsonSchema, type JsonSchema, type RouteDoc } from '../../src/http/openapi.js';
import { text } from '../../src/schemas/common.js';
import { ERROR_MEANINGS } from '../../src/http/api-docs.js';
import * as S from '../../src/schemas/chat.schemas.js';
import * as M from '../../src/schemas/members.schemas.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

const props = (s: JsonSchema) => s.properties as Record<string, JsonSchema>;

/** A JSON Schema 2020-12 validator: what the document promises, checked against sample inputs. */
const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
const accepts = (schema: JsonSchema, value: unknown) => ajv.validate(schema, value);

describe('joi to JSON Schema (joi-to-json and its finishing pass)', () => {
  it('turns string rules into minLength, maxLength and pattern, and presence into required', () => {
    const s = joiToJsonSchema(Joi.object({ id: Joi.string().min(1).max(64).pattern(/^[a-z]+$/).required(), note: Joi.string() }));
    expect(s).to.deep.equal({
      type: 'object',
      properties: {
        id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z]+$' },
        note: { type: 'string' },
      },
      required: ['id'],
    });
  });

  it('turns integer bounds and defaults into integer, minimum, maximum and default', () => {
    const s = joiToJsonSchema(Joi.object({ n: Joi.number().integer().min(1).max(100).default(20), x: Joi.number().greater(0).less(1) }));
    expect(props(s).n).to.deep.equal({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(props(s).x).to.include({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 });
  });

  it('turns valid() into an enum, with null when allowed', () => {
    const s = joiToJsonSchema(Joi.object({ kind: Joi.string().valid('a', 'b').required(), maybe: Joi.string().valid('x').allow(null) }));
    expect(props(s).kind).to.deep.equal({ type: 'string', enum: ['a', 'b'] });
    expect(accepts(props(s).maybe!, null)).to.equal(true);
    expect(accepts(props(s).maybe!, 'y')).to.equal(false);
  });

  it('ignores unknown keys as validate() does (strips them) instead of documenting them as refused', () => {
    const s = joiToJsonSchema(Joi.object({ a: Joi.string() }));
    expect(s).to.not.have.property('additionalProperties');
    expect(accepts(s, { a: 'x', extra: 1 })).to.equal(true);
  });

  it('counts the lengths of a trimmed text() after trimming, in code points, on one line', () => {
    const name = props(joiToJsonSchema(Joi.object({ name: text(1, 32).required() }))).name!;
    expect(name.description).to.match(/Trimmed first, then 1 to 32 characters/);
    expect(accepts(name, 'Ann 😀')).to.equal(true);
    expect(accepts(name, `   ${'a'.repeat(32)}\t  `), '32 characters with padding').to.equal(true);
    expect(accepts(name, '😀'.repeat(32)), '32 emoji').to.equal(true);
    expect(accepts(name, 'a'.repeat(33))).to.equal(false);
    expect(accepts(name, '   '), 'blank is empty after trimming').to.equal(false);
    expect(accepts(name, 'two\nlines')).to.equal(false);
    const content = props(joiToJsonSchema(S.send)).content!;
    expect(accepts(content, 'two\nlines')).to.equal(true);
    expect(accepts(content, 'a'.repeat(2001))).to.equal(false);
  });

  it('agrees with the server on trimmed, clearable and shaped fields (sample values through both)', () => {
    const schemas = [M.updateUserInfo, M.passwordResetRequest, M.login, S.anonLogin];
    const samples: Array<Record<string, unknown>> = [
      { avatar_url: 'https://a.example/x.png' }, { avatar_url: ' http://a.example ' }, { avatar_url: '' }, { avatar_url: 'ftp://a.example/x' },
      { avatar_url: 'javascript:alert(1)' }, { nickname: ` ${'n'.repeat(32)} ` }, { nickname: 'n'.repeat(33) }, { birthdate: ' 2000-02-29 ' },
      { post_code: ' 100-01 ' }, { post_code: '1'.repeat(17) },
      { account_type: 'email', identifier: ' Ann@Example.com ' }, { account_type: 'email', identifier: '+886912345678' },
      { account_type: 'phone', identifier: '+886 (912) 345-678' }, { account_type: 'phone', identifier: 'ann@example.com' },
      { auth_method: 'credentials', login_id: 'ann@example.com', credentials: { password: 'secret-pass', account_type: 'email' } },
      { auth_method: 'credentials', login_id: '+886912345678', credentials: { password: 'secret-pass', account_type: 'email' } },
      { auth_method: 'credentials', login_id: 'ann@example.com' },
      { auth_method: 'platform', login_id: 'ann@example.com', platform: { provider: 'google', token: 't' } },
      { auth_method: 'platform', login_id: 'ann@example.com', credentials: { password: 'x' } },
      { auth_method: 'credentials', login_id: 'ann@example.com', credentials: { password: 'short', account_type: 'any' } },
      { name: '  Ann  ' }, { name: ' ' },
    ];
    let compared = 0;
    for (const schema of schemas) {
      const doc = joiToJsonSchema(schema);
      const keys = Object.keys(props(doc));
      for (const sample of samples.filter((x) => Object.keys(x).every((k) => keys.includes(k)))) {
        const server = !schema.validate(sample).error;
        expect(accepts(doc, sample), `${JSON.stringify(sample)}: the server says ${server ? 'valid' : 'invalid'}`).to.equal(server);
        compared++;
      }
    }
    expect(compared).to.be.greaterThan(15);
  });

  it('ties a key to a sibling with if/then: required under its condition, left out when stripped', () => {
    const s = joiToJsonSchema(
      Joi.object({
        method: Joi.string().valid('password', 'token').required(),
        password: Joi.when('method', { is: 'password', then: Joi.string().min(8).required(), otherwise: Joi.any().strip() }),
        internal: Joi.any().strip(),
      }),
    );
    expect(Object.keys(props(s))).to.deep.equal(['method', 'password']);
    expect(s.required).to.deep.equal(['method']);
    expect(props(s).password).to.include({ type: 'string', minLength: 8 });
    expect(props(s).password!.description).to.match(/Depends on method \("password"\); ignored otherwise/);
    expect(accepts(s, { method: 'password' })).to.equal(false);
    expect(accepts(s, { method: 'password', password: 'long enough' })).to.equal(true);
    expect(accepts(s, { method: 'token' })).to.equal(true);
  });
});

describe('the OpenAPI document builder', () => {
  const info = { title: 't', version: '1', description: 'd', errorMeanings: ERROR_MEANINGS };
  const op = (schema: Joi.Schema | null, auth = true) => ({ name: 'op', auth, schema });

  it('puts path parameters in the path, GET fields in the query and POST fields in a JSON body', () => {
    const routes: RouteDoc[] = [
      { method: 'get', path: '/rooms/:room_id/messages', operation: op(S.list), tag: 'x', summary: 's', responses: [{ status: 200, description: 'ok' }], errors: [] },
      { method: 'post', path: '/rooms/:room_id/messages', operation: op(S.send), tag: 'x', summary: 's', responses: [{ status: 201, description: 'ok' }], errors: [409] },
    ];
    const doc = buildOpenApi(info, routes, {});
    const get = (doc.paths['/rooms/{room_id}/messages'] as Record<string, any>).get;
    expect(get.parameters.map((p: any) => `${p.in}:${p.name}:${p.required}`)).to.deep.equal(['path:room_id:true', 'query:page_size:false', 'query:page_index:false', 'query:before:false']);
    expect(get.parameters[1].schema).to.deep.equal({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(get.requestBody).to.equal(undefined);
    const post = (doc.paths['/rooms/{room_id}/messages'] as Record<string, any>).post;
    const body = post.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties)).to.deep.equal(['content', 'client_msg_id']);
    expect(body.required).to.deep.equal(['content', 'client_msg_id']);
    expect(post.security).to.deep.equal([{ bearerAuth: [] }]);
    // 400 (it has a body), 401 (it needs a token), 413 (a body), 503 and 500 (an operation) are
    // always there; 409 was asked for.
    expect(Object.keys(post.responses)).to.deep.equal(['201', '400', '401', '409', '413', '500', '503']);
    expect(post.responses['409']).to.deep.equal({ $ref: '#/components/responses/CONFLICT' });
  });

  it('describes every error code with the shared error shape, and Retry-After on 429 and 503', () => {
    const doc = buildOpenApi(info, [], {});
    expect(Object.keys(doc.components.responses)).to.have.length(9);
    const limited = doc.components.responses.RATE_LIMITED as any;
    expect(limited.headers['Retry-After']).to.exist;
    expect(limited.content['application/json'].schema).to.deep.equal({ $ref: '#/components/schemas/Error' });
    expect((doc.components.schemas.Error as any).properties.code.enum).to.include('INVALID_ARGUMENT');
    expect(doc['x-error-codes'].find((e) => e.code === 'PAYLOAD_TOO_LARGE')?.status).to.equal(413);
  });

  it('refuses an error status that is not in the contract', () => {
    const routes: RouteDoc[] = [{ method: 'get', path: '/x', operation: null, tag: 'x', summary: 's', responses: [], errors: [418] }];
    expect(() => buildOpenApi(info, routes, {})).to.throw(/418/);
  });
});
