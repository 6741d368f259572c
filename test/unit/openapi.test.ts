import { expect } from 'chai';
import Joi from 'joi';
import { buildOpenApi, joiToJsonSchema, type JsonSchema, type RouteDoc } from '../../src/http/openapi.js';
import { text } from '../../src/schemas/common.js';
import { ERROR_MEANINGS } from '../../src/http/api-docs.js';
import * as S from '../../src/schemas/chat.schemas.js';

const props = (s: JsonSchema) => s.properties as Record<string, JsonSchema>;

describe('joi to JSON Schema', () => {
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
    expect(props(s).x).to.deep.equal({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 });
  });

  it('turns valid() into an enum, and allow(null) or allow("") into the extra values', () => {
    const s = joiToJsonSchema(
      Joi.object({
        kind: Joi.string().valid('a', 'b').required(),
        maybe: Joi.string().valid('x').allow(null),
        url: Joi.string().uri().allow('', null),
        plain: Joi.string().allow(''),
      }),
    );
    expect(props(s).kind).to.deep.equal({ type: 'string', enum: ['a', 'b'] });
    expect(props(s).maybe).to.deep.equal({ type: ['string', 'null'], enum: ['x', null] });
    expect(props(s).url).to.deep.equal({ anyOf: [{ type: 'string', format: 'uri' }, { enum: [''] }, { type: 'null' }] });
    expect(props(s).plain, 'a plain string already accepts ""').to.deep.equal({ type: 'string' });
  });

  it('documents the length limits of text() (a custom rule) through its meta, in code points', () => {
    const name = props(joiToJsonSchema(Joi.object({ name: text(1, 32).required() }))).name!;
    expect(name).to.include({ type: 'string', minLength: 1, maxLength: 32 });
    expect(name.description).to.match(/Trimmed first/);
    // One line and no control characters, in JSON Schema's own terms.
    const re = new RegExp(name.pattern as string, 'u');
    expect(re.test('Ann 😀')).to.equal(true);
    expect(re.test('two\nlines')).to.equal(false);
    const content = props(joiToJsonSchema(S.send)).content!;
    expect(new RegExp(content.pattern as string, 'u').test('two\nlines')).to.equal(true);
  });

  it('describes a custom rule without meta by its error messages', () => {
    const s = joiToJsonSchema(
      Joi.object({ pin: Joi.string().custom((v: string) => v).messages({ 'pin.short': '{{#label}} must be at least 4 digits', 'pin.template': '{{#label}} is {{#x}}' }) }),
    );
    expect(props(s).pin!.description).to.equal('Must be at least 4 digits.');
  });

  it('documents a conditional key as required only under its condition, and leaves stripped keys out', () => {
    const s = joiToJsonSchema(
      Joi.object({
        method: Joi.string().valid('password', 'token').required(),
        password: Joi.when('method', { is: 'password', then: Joi.string().min(8).required(), otherwise: Joi.any().strip() }),
        confirm: Joi.string().valid(Joi.ref('password')),
        internal: Joi.any().strip(),
        never: Joi.any().forbidden(),
      }),
    );
    expect(Object.keys(props(s))).to.deep.equal(['method', 'password', 'confirm']);
    expect(s.required).to.deep.equal(['method']);
    expect(props(s).password).to.include({ type: 'string', minLength: 8 });
    expect(props(s).password!.description).to.equal('Required when method is "password"; ignored otherwise.');
    expect(props(s).confirm!.description).to.equal('Must equal password.');
  });

  it('gives the branches of a switch as anyOf, each with its condition', () => {
    const s = joiToJsonSchema(
      Joi.object({
        type: Joi.string(),
        id: Joi.when('type', { switch: [{ is: 'num', then: Joi.number() }], otherwise: Joi.string() }).required(),
      }),
    );
    expect(s.required).to.deep.equal(['id']);
    const any = props(s).id!.anyOf as JsonSchema[];
    expect(any.map((b) => b.type)).to.deep.equal(['number', 'string']);
    expect(any[0]!.description).to.equal('(when type is "num")');
    expect(any[1]!.description).to.equal('(otherwise)');
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
    // 400 (it has a schema), 401 (it needs a token) and 500 are always there; 409 was asked for.
    expect(Object.keys(post.responses)).to.deep.equal(['201', '400', '401', '409', '500']);
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
