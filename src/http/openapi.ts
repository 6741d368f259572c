import type { Schema } from 'joi';
import { ERROR_CODES, HTTP_STATUS, type ErrorCode } from '../core/errors.js';
import { joiToJsonSchema, type JsonSchema } from './json-schema.js';

export { joiToJsonSchema, type JsonSchema };

/** The OpenAPI 3.1 document, built from a table of routes and the joi schemas of their operations. */
/** A reference to a shared schema (components.schemas). */
export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** A success response whose body is the shared schema `schema`. */
export const ok = (schema: string, description = 'OK', status = 200) => ({ status, description, schema: ref(schema) });

/** A page of `items`: `{pager, data}` (the contract's paging shape). */
export const pageOf = (items: string, order: string): JsonSchema => ({
  type: 'object',
  required: ['pager', 'data'],
  properties: { pager: ref('Pager'), data: { type: 'array', items: ref(items), description: order } },
});

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

/** One REST route: the operation it runs (for its joi schema and auth) and what it answers. */
export interface RouteDoc {
  method: HttpMethod;
  /** Express form: `/api/v1/rooms/:room_id/messages`. */
  path: string;
  /** The operation behind the route; `null` for routes that take no input and no token. */
  operation: { name: string; auth: boolean; schema: Schema | null } | null;
  tag: string;
  summary: string;
  description?: string;
  /** Beyond the seed `.api` files. */
  extension?: boolean;
  /** Success answers; `links` name the operations whose input this answer supplies. */
  responses: Array<{ status: number; description: string; schema?: JsonSchema; contentType?: string; links?: Record<string, LinkDoc> }>;
  /**
   * Error statuses. Added for you: 400 when there is input or a body to parse (a junk body gets
   * 400 even where none is expected), 401 with auth, 413 with a body, 503 and 500 with an operation.
   */
  errors: number[];
}

/** An OpenAPI link: `parameters` map the target's parameters to runtime expressions on this answer. */
export interface LinkDoc {
  operationId: string;
  description: string;
  parameters?: Record<string, string>;
}

export interface ApiInfo {
  title: string;
  version: string;
  description: string;
  /** One row per error code: what it means; shown by the docs page. */
  errorMeanings: Readonly<Record<ErrorCode, string>>;
}

const STATUS_TO_CODE = new Map<number, ErrorCode>(ERROR_CODES.map((c) => [HTTP_STATUS[c], c]));

const errorSchema: JsonSchema = {
  type: 'object',
  description: 'BaseResponse: every error answer.',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: [...ERROR_CODES] },
    message: { type: 'string', description: 'For a developer to read.' },
    error: {
      description: 'Details: for INVALID_ARGUMENT, every bad field at once.',
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string', description: 'Dotted path, or "(body)"' }, message: { type: 'string' } },
      },
    },
  },
};

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
const pathParams = (p: string) => [...p.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);

/** Builds the OpenAPI 3.1 document for a table of routes. */
export function buildOpenApi(info: ApiInfo, routes: readonly RouteDoc[], components: Record<string, JsonSchema>) {
  const paths: Record<string, Record<string, unknown>> = {};

  for (const r of routes) {
    const input = r.operation?.schema ? joiToJsonSchema(r.operation.schema) : null;
    const props = { ...((input?.properties as Record<string, JsonSchema> | undefined) ?? {}) };
    const required = new Set((input?.required as string[] | undefined) ?? []);
    const parameters: unknown[] = [];
    for (const name of pathParams(r.path)) {
      parameters.push({ name, in: 'path', required: true, schema: props[name] ?? { type: 'string' } });
      delete props[name];
    }
    let requestBody: unknown;
    if (r.method === 'get' || r.method === 'delete') {
      for (const [name, schema] of Object.entries(props)) {
        const { description, ...rest } = schema;
        parameters.push({ name, in: 'query', required: required.has(name), schema: rest, ...(description ? { description } : {}) });
      }
    } else if (input) {
      const body: JsonSchema = { type: 'object', properties: props };
      const req = [...required].filter((n) => n in props);
      if (req.length) body.required = req;
      requestBody = { required: true, content: { 'application/json': { schema: body } } };
    }

    const auth = r.operation?.auth ?? false;
    const errors = new Set(r.errors);
    const hasBody = r.method !== 'get';
    if (r.operation?.schema || (hasBody && r.operation)) errors.add(400);
    if (auth) errors.add(401);
    if (hasBody && r.operation) errors.add(413);
    if (r.operation) errors.add(503);
    errors.add(500);
    const responses: Record<string, unknown> = {};
    for (const ok of r.responses) {
      responses[String(ok.status)] = {
        description: ok.description,
        ...(ok.links ? { links: ok.links } : {}),
        ...(ok.schema ? { content: { [ok.contentType ?? 'application/json']: { schema: ok.schema } } } : {}),
      };
    }
    for (const status of [...errors].sort((a, b) => a - b)) {
      if (!STATUS_TO_CODE.has(status)) throw new Error(`route ${r.method} ${r.path}: ${status} is not an error status of the contract`);
      responses[String(status)] = { $ref: `#/components/responses/${STATUS_TO_CODE.get(status)}` };
    }

    const operation = {
      operationId: r.operation?.name ?? `${r.method}_${r.path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '')}`,
      tags: [r.tag],
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      ...(r.extension ? { 'x-extension': true } : {}),
      ...(auth ? { security: [{ bearerAuth: [] }] } : { security: [] }),
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
    (paths[toOpenApiPath(r.path)] ??= {})[r.method] = operation;
  }

  const errorResponses: Record<string, unknown> = {};
  for (const code of ERROR_CODES) {
    const status = HTTP_STATUS[code];
    const retry = code === 'RATE_LIMITED' || code === 'UNAVAILABLE';
    errorResponses[code] = {
      description: `${status} ${code}: ${info.errorMeanings[code]}`,
      ...(retry ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } } } : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: { code, message: info.errorMeanings[code] } } },
    };
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: info.title, version: info.version, description: info.description },
    // Relative: the document describes the server that serves it.
    servers: [{ url: '/', description: 'This server' }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: errorSchema, ...components },
      responses: errorResponses,
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <access token>' } },
    },
    'x-error-codes': ERROR_CODES.map((code) => ({ status: HTTP_STATUS[code], code, meaning: info.errorMeanings[code] })),
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>;
