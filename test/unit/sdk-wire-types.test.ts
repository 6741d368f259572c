import { expect } from 'chai';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { apiDocument } from '../../src/http/api-docs.js';
import { configRouteDocs } from '../../src/http/config.routes.js';
import { chatOperations } from '../../src/operations/chat.ops.js';
import { configOperations } from '../../src/operations/config.ops.js';
import { memberOperations } from '../../src/operations/members.ops.js';
import { moderationOperations } from '../../src/operations/moderation.ops.js';
import type { JsonSchema } from '../../src/http/openapi.js';

/**
 * The SDK keeps its own copy of the wire types (client/src/types.ts; README, "design notes").
 * This holds the copy to the OpenAPI document the server serves: for each SDK type that has a
 * schema there, the property names must be the same on both sides, and a property the SDK
 * promises (not optional) must be one the schema requires. Every exported SDK type must be
 * accounted for below, and so must every schema, so a type or a schema added on one side only
 * fails here too.
 */

const TYPES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../client/src/types.ts');

/** SDK type -> OpenAPI schema: a component name, or the request body of "method /path". */
const SCHEMA_OF: Record<string, string> = {
  Message: 'Message',
  ErrorBody: 'Error',
  MatchState: 'MatchState',
  Pager: 'Pager',
  ListMessageResp: 'ListMessageResp',
  CatchUp: 'CatchUp',
  AnonLoginResp: 'AnonLoginResp',
  LoginResp: 'LoginResp',
  RefreshTokenResp: 'RefreshTokenResp',
  RespOK: 'RespOK',
  UserInfo: 'UserInfoResp',
  UpdateUserInfo: 'put /api/v1/user/me',
  Report: 'Report',
  ReportPage: 'ReportPage',
  BanResp: 'BanState',
  ServerConfig: 'PublicConfig',
  PlatformFlow: 'PlatformFlow',
  PlatformSignInInput: 'post /api/v1/auth/platform/sessions',
  PlatformSignInResp: 'PlatformSignInResp',
};

/** SDK types with no OpenAPI schema, and why. */
const NOT_IN_OPENAPI: Record<string, string> = {
  Ack: 'socket acknowledgements (AsyncAPI)',
  MatchedEvent: 'socket event (AsyncAPI)',
  Partner: 'part of the socket event `matched`',
  TypingEvent: 'socket event (AsyncAPI)',
  PresenceEvent: 'socket event (AsyncAPI)',
  RoomClosedEvent: 'socket event (AsyncAPI)',
  MatchStatus: 'a string enum (MatchState.status)',
  AccountType: 'a string enum of the login request',
  PlatformProvider: 'a string enum (PublicConfig.platform_providers)',
  ReportReason: 'a string enum of the report request',
  Role: 'a string enum (RoleState.role)',
};

/** Schemas the SDK has no type for, and why. */
const NOT_IN_SDK: Record<string, string> = {
  Health: 'for load balancers, not clients',
  ReportCreated: 'the SDK does not file reports over REST (it uses the socket event)',
  BlockList: 'the SDK does not list blocks yet',
  RoleState: 'role changes are an admin task (npm run admin, the API)',
};

/** Properties that differ on purpose: "Type.property", and why. */
const SDK_ONLY: Record<string, string> = {
  'Message.room_id': 'the SDK names the room on every message it hands out; REST messages sit under their room',
  'ErrorBody.retry_after': 'socket acks carry retry_after; REST sends the Retry-After header instead',
};

interface Shape { props: string[]; promised: string[] }

/** Every exported type of the SDK's types.ts, as the compiler sees it (mapped types resolved). */
function sdkShapes(): Map<string, Shape | null> {
  const program = ts.createProgram([TYPES_FILE], { noEmit: true, strict: true, lib: ['lib.es5.d.ts'], types: [] });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(TYPES_FILE)!;
  const out = new Map<string, Shape | null>();
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(file)!)) {
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    if (!(type.flags & ts.TypeFlags.Object)) {
      // unions (string enums, Ack<T>)
      out.set(symbol.name, null);
      continue;
    }
    const props = checker.getPropertiesOfType(type);
    out.set(symbol.name, {
      props: props.map((p) => p.name).sort(),
      promised: props.filter((p) => !(p.flags & ts.SymbolFlags.Optional)).map((p) => p.name).sort(),
    });
  }
  return out;
}

/** The document the server serves at /docs/openapi.json (built as app.ts builds it; the operations never run). */
function serverDocument() {
  const none = {} as never;
  return apiDocument(chatOperations(none), memberOperations(none), '0.0.0', moderationOperations(none), configRouteDocs(configOperations({ providers: [] } as never)));
}

describe('the SDK wire types (client/src/types.ts) against the OpenAPI document', () => {
  const sdk = sdkShapes();
  const doc = serverDocument() as unknown as { components: { schemas: Record<string, JsonSchema> }; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>> };
  const schemaFor = (where: string): JsonSchema => {
    const [method, route] = where.split(' ');
    const s = route ? doc.paths[route]?.[method!]?.requestBody?.content['application/json']?.schema : doc.components.schemas[where];
    if (!s) throw new Error(`no schema ${where} in the OpenAPI document`);
    return s;
  };

  it('accounts for every exported SDK type and every schema', () => {
    expect([...sdk.keys()].filter((t) => !(t in SCHEMA_OF) && !(t in NOT_IN_OPENAPI)), 'SDK types with no schema mapping').to.deep.equal([]);
    const mapped = new Set(Object.values(SCHEMA_OF));
    expect(Object.keys(doc.components.schemas).filter((s) => !mapped.has(s) && !(s in NOT_IN_SDK)), 'schemas with no SDK type').to.deep.equal([]);
    expect(Object.keys(SCHEMA_OF).filter((t) => !sdk.has(t)), 'mapped types the SDK no longer has').to.deep.equal([]);
  });

  for (const [type, where] of Object.entries(SCHEMA_OF)) {
    it(`${type} has the properties of ${where}, and promises only what it requires`, () => {
      const shape = sdk.get(type);
      expect(shape, `${type} is not an object type`).to.be.an('object');
      const schema = schemaFor(where);
      const own = (p: string) => !(`${type}.${p}` in SDK_ONLY);
      const wire = Object.keys((schema.properties ?? {}) as Record<string, unknown>).sort();
      expect(shape!.props.filter(own), `${type} vs ${where}`).to.deep.equal(wire);
      const required = new Set((schema.required ?? []) as string[]);
      // A request type promises nothing to the server; a response type must not promise more than the server sends.
      if (!where.includes(' ')) expect(shape!.promised.filter(own).filter((p) => !required.has(p)), `${type}: not optional, but ${where} does not require it`).to.deep.equal([]);
    });
  }

  it('notices a property added on one side only (the check itself works)', () => {
    const shape = sdk.get('Pager')!;
    const wire = Object.keys(schemaFor('Pager').properties as object).sort();
    expect(shape.props).to.deep.equal(wire);
    expect([...shape.props, 'extra'].sort()).to.not.deep.equal(wire);
  });
});
