/**
 * The browser-facing half of the local OpenID issuer (oidc-issuer.ts): an /authorize endpoint that
 * consents at once, answering the way each provider does (Google: ID token in the fragment; Apple:
 * an auto-submitted form_post; LINE: a code in the query), and a /token endpoint for the code flow
 * that checks the client secret, the redirect_uri and PKCE, and answers an HS256 ID token as LINE does.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FlowUser {
  sub: string;
  email?: string;
  /** Answer this OAuth error at /authorize instead of consenting (e.g. access_denied, user_cancelled_authorize). */
  error?: string;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  nonce: string | null;
  challenge: string | null;
  user: FlowUser;
  used: boolean;
}

export interface FlowDeps {
  clientSecret: string;
  audience: string;
  issuer(): string;
  failure(): number | null;
  sign(claims: Record<string, unknown>, alg: 'RS256' | 'HS256'): Promise<string>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function createFlows(d: FlowDeps) {
  const grants = new Map<string, Grant>();
  const flows = {
    user: { sub: 'flow-user', email: 'flow-user@example.com' } as FlowUser,

    async authorize(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const q = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const redirectUri = q.get('redirect_uri');
      const type = q.get('response_type') ?? '';
      const mode = q.get('response_mode') ?? (type === 'code' ? 'query' : 'fragment');
      if (!redirectUri || q.get('client_id') !== d.audience) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown client or no redirect_uri');
        return;
      }
      const user = flows.user;
      const answer: Record<string, string> = { ...(q.get('state') !== null ? { state: q.get('state')! } : {}) };
      if (user.error) answer.error = user.error;
      else {
        const claims = { sub: user.sub, ...(user.email ? { email: user.email, email_verified: true } : {}), ...(q.get('nonce') ? { nonce: q.get('nonce') } : {}) };
        if (type.split(' ').includes('id_token')) answer.id_token = await d.sign(claims, 'RS256');
        if (type.split(' ').includes('code')) {
          const code = randomBytes(12).toString('base64url');
          grants.set(code, { clientId: d.audience, redirectUri, nonce: q.get('nonce'), challenge: q.get('code_challenge'), user, used: false });
          answer.code = code;
        }
      }
      const params = new URLSearchParams(answer).toString();
      if (mode === 'form_post') {
        const inputs = Object.entries(answer).map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
        res.writeHead(200, { 'content-type': 'text/html' }).end(
          `<!doctype html><title>consent</title><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}</form></body>`,
        );
        return;
      }
      res.writeHead(302, { location: `${redirectUri}${mode === 'query' ? '?' : '#'}${params}` }).end();
    },

    token(req: IncomingMessage, res: ServerResponse): void {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        const failure = d.failure();
        if (failure !== null) return send(failure, { error: 'server_error' });
        const f = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        if (f.get('client_id') !== d.audience || f.get('client_secret') !== d.clientSecret) return send(401, { error: 'invalid_client' });
        if (f.get('grant_type') !== 'authorization_code' || !f.get('code')) return send(400, { error: 'invalid_request' });
        const grant = grants.get(f.get('code')!);
        if (!grant || grant.used || grant.redirectUri !== f.get('redirect_uri')) return send(400, { error: 'invalid_grant' });
        grant.used = true;
        const verifier = f.get('code_verifier');
        if (grant.challenge !== null && (!verifier || createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)) {
          return send(400, { error: 'invalid_grant', error_description: 'code_verifier does not match' });
        }
        const claims = { sub: grant.user.sub, ...(grant.user.email ? { email: grant.user.email } : {}), ...(grant.nonce ? { nonce: grant.nonce } : {}) };
        void d.sign(claims, 'HS256').then((idToken) =>
          send(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 2592000, scope: 'openid email', id_token: idToken }),
        );
      });
    },

    /** A code as /authorize would hand it out, for tests that call the exchange directly. */
    issueCode(redirectUri: string, o: { nonce?: string; challenge?: string; user?: FlowUser } = {}): string {
      const code = randomBytes(12).toString('base64url');
      grants.set(code, { clientId: d.audience, redirectUri, nonce: o.nonce ?? null, challenge: o.challenge ?? null, user: o.user ?? flows.user, used: false });
      return code;
    },
  };
  return flows;
}
