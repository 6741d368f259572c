import { ERROR_CODES } from '../core/errors.js';
import type { NamespaceName, NamespaceRow } from '../realtime/socket-events.js';
import { joiToJsonSchema, type JsonSchema } from './json-schema.js';
import type { RouteDoc } from './openapi.js';

/**
 * The AsyncAPI 3.0 document of the Socket.IO door, built from the table the door binds
 * (src/realtime/socket-events.ts): input payloads from the operations' joi schemas, acks from the
 * REST answer of the same operation unless a row says otherwise. It describes the server: a client
 * event is an operation the server receives and replies to (the ack); a server event is one it sends.
 */

export interface AsyncApiInfo {
  title: string;
  version: string;
  description: string;
  /** Shared schemas ($ref'd as #/components/schemas/Name), the same as the OpenAPI document's. */
  schemas: Record<string, JsonSchema>;
  /** The REST routes, to reuse the summary and answer of an operation both doors run. */
  routes: readonly RouteDoc[];
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: { type: 'string', enum: [...ERROR_CODES] },
    message: { type: 'string' },
    error: { description: 'Details: for INVALID_ARGUMENT, every bad field.' },
  },
};

/** `{ok:true, data}` or `{ok:false, error}`: every ack. */
const ackOf = (data: JsonSchema | undefined): JsonSchema => ({
  oneOf: [
    { type: 'object', required: ['ok', 'data'], properties: { ok: { const: true }, data: data ?? {} } },
    { type: 'object', required: ['ok', 'error'], properties: { ok: { const: false }, error: { $ref: '#/components/schemas/AckError' } } },
  ],
});

export function buildAsyncApi(info: AsyncApiInfo, namespaces: Record<NamespaceName, NamespaceRow>) {
  const byOperation = new Map<string, RouteDoc>();
  for (const r of info.routes) if (r.operation && !byOperation.has(r.operation.name)) byOperation.set(r.operation.name, r);

  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const [name, ns] of Object.entries(namespaces) as Array<[NamespaceName, NamespaceRow]>) {
    const messages: Record<string, unknown> = {};
    const channel = { $ref: `#/channels/${name}` };
    const security = ns.auth ? { security: [{ $ref: '#/components/securitySchemes/handshakeToken' }] } : {};
    for (const e of ns.client) {
      const route = byOperation.get(e.op.name);
      const answer = route?.responses.find((r) => r.status < 300 && r.schema)?.schema;
      const summary = e.summary ?? route?.summary ?? e.event;
      const payload = e.op.schema ? joiToJsonSchema(e.op.schema) : { type: 'object', description: 'No input: any payload is ignored.' };
      messages[e.event] = { name: e.event, title: `${e.event} (client → server)`, summary, payload };
      messages[`${e.event}.ack`] = { name: `${e.event} ack`, title: `${e.event} ack`, summary: `The acknowledgement of ${e.event}`, payload: ackOf(e.ack ?? answer) };
      operations[`${name}.${e.event}`] = {
        action: 'receive',
        channel,
        title: e.event,
        summary,
        ...security,
        messages: [{ $ref: `#/channels/${name}/messages/${e.event}` }],
        reply: { channel, messages: [{ $ref: `#/channels/${name}/messages/${e.event}.ack` }] },
      };
    }
    for (const e of ns.server) {
      const key = ns.client.some((c) => c.event === e.event) ? `${e.event}.event` : e.event;
      messages[key] = { name: e.event, title: `${e.event} (server → client)`, summary: e.summary, payload: e.payload };
      operations[`${name}.${key}`] = { action: 'send', channel, title: e.event, summary: e.summary, ...security, messages: [{ $ref: `#/channels/${name}/messages/${key}` }] };
    }
    channels[name] = { address: `/${name}`, title: `/${name}`, description: ns.description, messages };
  }

  return {
    asyncapi: '3.0.0',
    info: { title: info.title, version: info.version, description: info.description },
    defaultContentType: 'application/json',
    servers: {
      socketio: {
        host: 'localhost:8091',
        protocol: 'ws',
        pathname: '/socket.io',
        description: 'Socket.IO v4 on the same host and port as REST (8091 unless PORT says otherwise); a namespace is a channel.',
      },
    },
    channels,
    operations,
    components: {
      schemas: { AckError: errorSchema, ...info.schemas },
      securitySchemes: {
        handshakeToken: {
          type: 'httpApiKey',
          name: 'token',
          in: 'query',
          description: 'The access token (or centrifugo_token) in the Socket.IO handshake: io(url + namespace, { auth: { token } }). Without a valid one the connection fails with connect_error "UNAUTHENTICATED".',
        },
      },
    },
  };
}

export type AsyncApiDocument = ReturnType<typeof buildAsyncApi>;
