import { expect } from 'chai';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'socket.io-client';
import { startServer, type TestServer } from '../support/server.js';
import { connect, emit, http, type AckResult } from '../support/clients.js';
import { issuerEnv, startOidcIssuer, type OidcIssuer } from '../support/oidc-issuer.js';
import { registerMember, uniqueEmail } from '../support/members.js';
import { HttpCodeExchanger } from '../../src/infra/platform-code-exchange.js';
import { isAppError } from '../../src/core/errors.js';

type Send = (body: unknown) => Promise<AckResult & { status: number; retryAfter?: string | null }>;

/** The operation through REST and through the /auth socket, answering in one shape (status 0 on the socket). */
const doorsOf = (server: () => TestServer, socket: () => Socket): { REST: Send; socket: Send } => ({
  REST: async (body) => {
    const r = await http(server(), 'POST', '/api/v1/auth/platform/sessions', { body });
    const retryAfter = r.headers.get('retry-after');
    return r.status < 300 ? { status: r.status, ok: true, data: r.body } : { status: r.status, ok: false, error: r.body, retryAfter };
  },
  socket: async (body) => ({ status: 0, ...(await emit(socket(), 'platform_sign_in', body)) }),
});

const nonce = () => randomBytes(18).toString('base64url');
const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

describe('platform web sign-in (POST /api/v1/auth/platform/sessions, /auth platform_sign_in)', function () {
  this.timeout(30_000);
  let idp: OidcIssuer;
  let server: TestServer;
  let socket: Socket;
  const REDIRECT = 'http://app.example/auth/callback';

  before(async () => {
    idp = await startOidcIssuer();
    server = await startServer(issuerEnv(idp));
    socket = await connect(server, '/auth');
  });
  after(async () => {
    socket?.close();
    await server?.close();
    await idp?.close();
  });

  const doors = doorsOf(() => server, () => socket);
  const newUser = () => ({ sub: `sub-${randomUUID()}`, email: uniqueEmail('flow') });

  it('offers each configured flow in GET /api/v1/config, with no secret in it', async () => {
    const r = await http(server, 'GET', '/api/v1/config');
    expect(r.body.platform_providers).to.deep.equal(['google', 'apple', 'line']);
    const byProvider = Object.fromEntries((r.body.platform_flows as Array<{ provider: string }>).map((f) => [f.provider, f]));
    expect(byProvider.google).to.deep.equal({ provider: 'google', authorize_url: idp.authorizeUrl, client_id: idp.audience, scope: 'openid email', response_type: 'id_token', response_mode: 'fragment', pkce: false });
    expect(byProvider.apple).to.include({ response_type: 'code id_token', response_mode: 'form_post', scope: 'name email' });
    expect(byProvider.line).to.include({ response_type: 'code', response_mode: 'query', pkce: true });
    expect(JSON.stringify(r.body)).to.not.include(idp.clientSecret);
  });

  for (const [door, send] of Object.entries(doors)) {
    describe(`through ${door}`, () => {
      it('trades a LINE code (with PKCE) for a new account with the verified e-mail, then signs the same person in', async () => {
        const user = newUser();
        const n = nonce();
        const { verifier, challenge } = pkce();
        const before = idp.requests.token;
        const first = await send({ provider: 'line', nonce: n, code: idp.issueCode(REDIRECT, { nonce: n, challenge, user }), redirect_uri: REDIRECT, code_verifier: verifier });
        expect(first.ok, JSON.stringify(first.error)).to.equal(true);
        expect(first.data).to.include({ registered: true, token_type: 'Bearer' });
        expect(idp.requests.token).to.equal(before + 1);
        const me = await http(server, 'GET', '/api/v1/user/me', { token: first.data.access_token });
        expect(me.body).to.include({ platform: 'line', email: user.email, is_email_verified: true });
        const n2 = nonce();
        const again = await send({ provider: 'line', nonce: n2, code: idp.issueCode(REDIRECT, { nonce: n2, user }), redirect_uri: REDIRECT });
        expect(again.data).to.include({ registered: false, uid: first.data.uid });
      });

      it('signs in with a Google ID token carrying the nonce (registering first time, logging in after)', async () => {
        const user = newUser();
        const n = nonce();
        const token = await idp.sign({ sub: user.sub, email: user.email, email_verified: true, nonce: n });
        const first = await send({ provider: 'google', nonce: n, id_token: token });
        expect(first.data).to.include({ registered: true });
        const n2 = nonce();
        const second = await send({ provider: 'google', nonce: n2, id_token: await idp.sign({ sub: user.sub, nonce: n2 }) });
        expect(second.data).to.include({ registered: false, uid: first.data.uid });
      });

      it('refuses a token whose nonce is not the one sent (401), creating nothing', async () => {
        const user = newUser();
        const r = await send({ provider: 'apple', nonce: nonce(), id_token: await idp.sign({ sub: user.sub, email: user.email, email_verified: true, nonce: nonce() }, { alg: 'ES256' }) });
        expect(r.ok).to.equal(false);
        expect(r.error?.code).to.equal('UNAUTHENTICATED');
        expect(r.error?.message).to.match(/nonce does not match/);
        expect(await server.app.db.knex('audit_events').where({ event: 'login_failed' }).whereRaw("detail->>'reason' = 'nonce_mismatch'").first()).to.not.equal(undefined);
        expect(await server.app.db.knex('member_accounts').where({ login_id: user.email }).first()).to.equal(undefined);
      });

      it('answers 401 to a made-up code, a used code and a wrong PKCE verifier', async () => {
        const n = nonce();
        const made = await send({ provider: 'line', nonce: n, code: 'not-a-real-code', redirect_uri: REDIRECT });
        expect(made.error?.code).to.equal('UNAUTHENTICATED');
        expect(made.error?.message).to.match(/code is invalid, expired, already used/);
        const audited = await server.app.db.knex('audit_events').where({ event: 'login_failed' }).whereRaw("detail->>'reason' = 'invalid_code'").first();
        expect(audited, 'audited as login_failed').to.not.equal(undefined);
        const code = idp.issueCode(REDIRECT, { nonce: n, user: newUser() });
        expect((await send({ provider: 'line', nonce: n, code, redirect_uri: REDIRECT })).ok).to.equal(true);
        expect((await send({ provider: 'line', nonce: n, code, redirect_uri: REDIRECT })).error?.code).to.equal('UNAUTHENTICATED');
        const { challenge } = pkce();
        const wrong = await send({ provider: 'line', nonce: n, code: idp.issueCode(REDIRECT, { nonce: n, challenge }), redirect_uri: REDIRECT, code_verifier: pkce().verifier });
        expect(wrong.error?.code).to.equal('UNAUTHENTICATED');
      });

      it('answers 400 naming the field to hostile or incomplete input', async () => {
        const cases: Array<[unknown, RegExp]> = [
          [{ provider: 'line', nonce: nonce(), code: 'x'.repeat(513), redirect_uri: REDIRECT }, /code must be the code from the redirect/],
          [{ provider: 'line', nonce: nonce(), code: 'abc' }, /redirect_uri is required with code/],
          [{ provider: 'google', nonce: nonce() }, /send the id_token/],
          [{ provider: 'google', nonce: nonce(), id_token: 'a.b.c', code: 'c', redirect_uri: REDIRECT }, /either id_token .* or code/],
          [{ provider: 'google', id_token: 'a.b.c' }, /nonce/],
          [{ provider: 'line', nonce: nonce(), code: 'c', redirect_uri: 'javascript:alert(1)' }, /redirect_uri must be the http\(s\) redirect_uri/],
          [{ provider: 'line', nonce: nonce(), code: 'c', redirect_uri: REDIRECT, code_verifier: 'short' }, /code_verifier must be 43 to 128/],
          [{ provider: 'facebook', nonce: nonce(), id_token: 'a.b.c' }, /provider/],
        ];
        for (const [body, message] of cases) {
          const r = await send(body);
          expect(r.error?.code, JSON.stringify(body)).to.equal('INVALID_ARGUMENT');
          expect(r.error?.message).to.match(message);
        }
      });
    });
  }

  it('answers PAYLOAD_TOO_LARGE (413) to an oversize payload on both doors', async () => {
    for (const send of Object.values(doors)) {
      const r = await send({ provider: 'google', nonce: nonce(), id_token: 'x'.repeat(20_000) });
      expect(r.error?.code).to.equal('PAYLOAD_TOO_LARGE');
    }
    expect((await doors.REST({ provider: 'google', nonce: nonce(), id_token: 'x'.repeat(20_000) })).status).to.equal(413);
  });

  it('registers nobody when the provider vouches for no e-mail, and answers 409 when the e-mail has an account', async () => {
    const n = nonce();
    const bare = await doors.REST({ provider: 'line', nonce: n, code: idp.issueCode(REDIRECT, { nonce: n, user: { sub: `sub-${randomUUID()}` } }), redirect_uri: REDIRECT });
    expect(bare.status).to.equal(400);
    expect(bare.error?.message).to.match(/carries no verified e-mail address/);
    const m = await registerMember(server);
    const n2 = nonce();
    const taken = await doors.REST({ provider: 'line', nonce: n2, code: idp.issueCode(REDIRECT, { nonce: n2, user: { sub: `sub-${randomUUID()}`, email: m.login_id } }), redirect_uri: REDIRECT });
    expect(taken.status).to.equal(409);
  });

  it('answers 503 with Retry-After on both doors while the token endpoint is failing, and works again after', async () => {
    idp.failWith(502);
    try {
      for (const send of Object.values(doors)) {
        const n = nonce();
        const r = await send({ provider: 'line', nonce: n, code: idp.issueCode(REDIRECT, { nonce: n }), redirect_uri: REDIRECT });
        expect(r.error?.code).to.equal('UNAVAILABLE');
        expect(r.error?.message).to.match(/line token verification is unavailable, retry later/);
        if (r.status) expect([r.status, r.retryAfter]).to.deep.equal([503, '5']);
        else expect(r.error?.retry_after).to.equal(5);
      }
    } finally {
      idp.failWith(null);
    }
    const n = nonce();
    const ok = await doors.REST({ provider: 'line', nonce: n, code: idp.issueCode(REDIRECT, { nonce: n, user: newUser() }), redirect_uri: REDIRECT });
    expect(ok.status).to.equal(200);
  });

  describe('servers configured differently', () => {
    const extra: Array<{ server: TestServer; socket: Socket }> = [];
    after(async () => {
      for (const e of extra) {
        e.socket.close();
        await e.server.close();
      }
    });
    const other = async (env: Record<string, string>) => {
      const e = { server: await startServer(env), socket: null as unknown as Socket };
      e.socket = await connect(e.server, '/auth');
      extra.push(e);
      return { s: e.server, ...doorsOf(() => e.server, () => e.socket) };
    };

    it('answers 503 on both doors (and keeps the secret to itself) when the channel secret is wrong', async () => {
      const o = await other(issuerEnv(idp, 'not-the-secret'));
      for (const send of [o.REST, o.socket]) {
        const n = nonce();
        const r = await send({ provider: 'line', nonce: n, code: idp.issueCode(REDIRECT, { nonce: n }), redirect_uri: REDIRECT });
        expect(r.error?.code).to.equal('UNAVAILABLE');
        expect(JSON.stringify(r.error)).to.not.include('not-the-secret');
      }
    });

    it('does not offer LINE without a channel secret, and answers 400 to a LINE code there', async () => {
      const env = issuerEnv(idp);
      delete env.LINE_CHANNEL_SECRET;
      const { s } = await other(env);
      const config = await http(s, 'GET', '/api/v1/config');
      expect(config.body.platform_providers).to.include('line');
      expect((config.body.platform_flows as Array<{ provider: string }>).map((f) => f.provider)).to.deep.equal(['google', 'apple']);
      const r = await http(s, 'POST', '/api/v1/auth/platform/sessions', { body: { provider: 'line', nonce: nonce(), code: 'c', redirect_uri: REDIRECT } });
      expect(r.status).to.equal(400);
      expect(r.body.message).to.match(/line sign-in with a code is not configured/);
    });

    it('rate-limits per client address across both doors, like the other platform logins (429 with Retry-After)', async () => {
      const o = await other({ ...issuerEnv(idp), RATE_AUTH_CLIENT: '2/60' });
      const body = () => ({ provider: 'line', nonce: nonce(), code: 'made-up', redirect_uri: REDIRECT });
      const answers = [await o.REST(body()), await o.socket(body()), await o.REST(body()), await o.socket(body())];
      expect(answers.map((a) => a.error?.code)).to.deep.equal(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'RATE_LIMITED', 'RATE_LIMITED']);
      expect(Number(answers[2]!.retryAfter)).to.be.greaterThan(0);
      expect(answers[3]!.error?.retry_after).to.be.greaterThan(0);
    });
  });

  describe('the token endpoint, called directly', () => {
    let hanging: Server;
    before(async () => {
      hanging = createServer(() => undefined);
      await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    });
    after(async () => {
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
    });

    const lineAt = (tokenUrl: string) => ({ google: undefined, apple: undefined, line: { clientId: 'c', issuer: 'i', jwksUrl: 'http://127.0.0.1:1/jwks', tokenUrl, clientSecret: 's' } });
    const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isAppError(e) ? e.code : String(e)));

    it('gives up on a provider that does not answer in time (503)', async () => {
      const exchanger = new HttpCodeExchanger(lineAt(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/token`), 200);
      expect(await codeOf(exchanger.exchange('line', { code: 'c', redirectUri: REDIRECT }))).to.equal('UNAVAILABLE');
    });

    it('stops reading an endless answer without a content-length at 64 KiB (503), and the stream is let go', async () => {
      let written = 0;
      const endless = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length
        const more = () => {
          while (written < 16 * 1024 * 1024 && res.write('x'.repeat(16 * 1024))) written += 16 * 1024;
          if (written < 16 * 1024 * 1024) res.once('drain', more);
          else res.end();
        };
        res.write('{"id_token":"');
        more();
      });
      await new Promise<void>((r) => endless.listen(0, '127.0.0.1', () => r()));
      try {
        const exchanger = new HttpCodeExchanger(lineAt(`http://127.0.0.1:${(endless.address() as AddressInfo).port}/token`), 5000);
        expect(await codeOf(exchanger.exchange('line', { code: 'c', redirectUri: REDIRECT }))).to.equal('UNAVAILABLE');
        expect(written, 'the server was not read to the end').to.be.below(16 * 1024 * 1024);
      } finally {
        endless.closeAllConnections();
        await new Promise((r) => endless.close(r));
      }
    });

    it('answers 503 when the provider cannot be reached at all', async () => {
      const exchanger = new HttpCodeExchanger(lineAt('http://127.0.0.1:1/token'), 1000);
      expect(await codeOf(exchanger.exchange('line', { code: 'c', redirectUri: REDIRECT }))).to.equal('UNAVAILABLE');
    });
  });
});

describe('the sign-in callback (GET and POST /auth/callback)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => server?.close());

  const call = (method: string, path: string, body?: string, type = 'application/x-www-form-urlencoded') =>
    fetch(server.url + path, { method, redirect: 'manual', ...(body !== undefined ? { body, headers: { 'content-type': type } } : {}) });

  it("moves Apple's form post into the fragment of / (303), dropping fields it does not need", async () => {
    const r = await call('POST', '/auth/callback', 'state=s1&id_token=a.b.c&code=c1&user=%7B%22name%22%3A1%7D');
    expect(r.status).to.equal(303);
    expect(r.headers.get('location')).to.equal('/#state=s1&id_token=a.b.c&code=c1');
    expect(r.headers.get('cache-control')).to.equal('no-store');
  });

  it("moves LINE's query into the fragment, and keeps Google's fragment (a bare redirect to /)", async () => {
    expect((await call('GET', '/auth/callback?code=abc&state=s2')).headers.get('location')).to.equal('/#state=s2&code=abc');
    expect((await call('GET', '/auth/callback?error=access_denied&state=s3')).headers.get('location')).to.equal('/#state=s3&error=access_denied');
    expect((await call('GET', '/auth/callback')).headers.get('location')).to.equal('/');
  });

  it('answers 4xx to hostile callbacks: too large, JSON, repeated or non-printable fields', async () => {
    expect((await call('POST', '/auth/callback', `id_token=${'x'.repeat(20_000)}`)).status).to.equal(413);
    const json = await call('POST', '/auth/callback', '{"state":"s"}', 'application/json');
    expect(json.status).to.equal(400);
    expect(((await json.json()) as { message: string }).message).to.match(/form post/);
    expect((await call('GET', '/auth/callback?state=a&state=b')).status).to.equal(400);
    expect((await call('POST', '/auth/callback', 'state=%0Aevil')).status).to.equal(400);
  });
});
