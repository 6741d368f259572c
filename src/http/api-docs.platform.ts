import type { MemberOperations } from '../operations/members.ops.js';
import type { JsonSchema, LinkDoc, RouteDoc } from './openapi.js';

/** The platform sign-in's rows of /docs/openapi.json (a part of member.api's, src/http/api-docs.ts). */

const str = (description: string): JsonSchema => ({ type: 'string', description });

export const PLATFORM_SCHEMAS: Record<string, JsonSchema> = {
  PlatformSignInResp: {
    type: 'object',
    required: ['uid', 'access_token', 'refresh_token', 'token_type', 'registered'],
    properties: {
      uid: { type: 'string' },
      access_token: str('For REST (Bearer) and the Socket.IO handshake.'),
      refresh_token: str('Trade it at POST /api/v1/auth/sessions/refresh; it rotates.'),
      token_type: { const: 'Bearer' },
      registered: { type: 'boolean', description: 'True when this call created the account (with the e-mail address the provider verified).' },
    },
  },
  PlatformFlow: {
    type: 'object',
    required: ['provider', 'authorize_url', 'client_id', 'scope', 'response_type', 'response_mode', 'pkce'],
    properties: {
      provider: { type: 'string', enum: ['google', 'apple', 'line'] },
      authorize_url: str('The provider\'s OpenID Connect authorization endpoint.'),
      client_id: str('The public client (channel, service) id.'),
      scope: str('Space-separated scopes to ask for.'),
      response_type: { type: 'string', enum: ['id_token', 'code id_token', 'code'] },
      response_mode: { type: 'string', enum: ['fragment', 'form_post', 'query'] },
      pkce: { type: 'boolean', description: 'Send `code_challenge` and `code_challenge_method=S256`, and the verifier with the code.' },
    },
  },
  PublicConfig: {
    type: 'object',
    required: ['platform_providers', 'platform_flows'],
    properties: {
      platform_providers: { type: 'array', items: { type: 'string', enum: ['google', 'apple', 'line'] }, description: 'Platform sign-ins this server verifies; the others answer 400.' },
      platform_flows: {
        type: 'array',
        description: 'The redirect sign-ins a browser can complete here, with what it needs to start each (no secrets). '
          + 'Send the browser to `authorize_url` with these values, `redirect_uri=<origin>/auth/callback`, a random `state` and `nonce` (and with `pkce`, an S256 `code_challenge`), then POST the answer to /api/v1/auth/platform/sessions.',
        items: { $ref: '#/components/schemas/PlatformFlow' },
      },
    },
  },
};

export function platformRouteDocs(ops: MemberOperations, links: Record<string, LinkDoc>): RouteDoc[] {
  return [
    {
      method: 'post', path: '/api/v1/auth/platform/sessions', operation: ops.platformSignIn, tag: 'Member accounts', extension: true,
      summary: 'Finish a platform web sign-in: log in, or register with the e-mail the provider verified',
      description: 'Takes what the provider handed back to the redirect URI: an `id_token` (Google, Apple) or a `code` (LINE, traded at its token endpoint with the channel secret and the PKCE `code_verifier`), '
        + 'with the `nonce` the sign-in was started with, which must equal the token\'s `nonce` claim. Logs in the member linked to the token\'s subject, '
        + 'or creates one with the verified e-mail address (`registered: true`); 409 when that address already has an account. '
        + '401 for a bad token, a bad or used code, or a nonce mismatch; 503 when the provider cannot be reached. Counted per client address like the other platform logins.',
      responses: [{ status: 200, description: 'OK', schema: { $ref: '#/components/schemas/PlatformSignInResp' }, links }], errors: [400, 401, 409, 429],
    },
    ...(['get', 'post'] as const).map((method): RouteDoc => ({
      method, path: '/auth/callback', operation: null, tag: 'Member accounts', extension: true,
      summary: method === 'get' ? 'The redirect URI of every platform sign-in (answers in the query, e.g. LINE)' : 'The redirect URI, for providers that POST a form (Apple with response_mode=form_post)',
      description: 'Register `<origin>/auth/callback` with each provider. Takes `state`, `id_token`, `code` and `error` (printable ASCII; 512 characters, the id_token 16 KiB) '
        + (method === 'get' ? 'from the query' : 'from an `application/x-www-form-urlencoded` body of at most 16 KiB')
        + ' and answers 303 to `/#<the same fields>`: the fragment never reaches a server, so tokens stay out of request logs, and the page reads them and POSTs /api/v1/auth/platform/sessions. '
        + 'Other fields are dropped. 400 for a repeated, over-long or non-printable field' + (method === 'post' ? ', or a body that is not a form.' : '.'),
      responses: [{ status: 303, description: 'See Other: `Location: /#state=…&id_token=…` (or `/` when nothing was handed back); `Cache-Control: no-store`, `Referrer-Policy: no-referrer`' }],
      errors: method === 'post' ? [400, 413] : [400],
    })),
  ];
}
