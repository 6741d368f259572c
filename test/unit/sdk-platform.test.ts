import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readPlatformAnswer, startPlatformSignIn, type SignInStorage } from '../../client/src/index.js';
import type { PlatformFlow } from '../../client/src/types.js';
import { jwtClaims } from '../../client/src/session.js';

const memory = (): SignInStorage & { items: Map<string, string> } => {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v), removeItem: (k) => void items.delete(k) };
};
const flow = (over: Partial<PlatformFlow> = {}): PlatformFlow => ({
  provider: 'google', authorize_url: 'https://idp.example/authorize?prompt=select_account', client_id: 'cid', scope: 'openid email',
  response_type: 'id_token', response_mode: 'fragment', pkce: false, ...over,
});
const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('SDK: the browser half of a redirect sign-in (client/src/platform.ts)', () => {
  it('builds the authorization URL with a fresh state and nonce, keeping the provider\'s own parameters', async () => {
    const store = memory();
    const url = new URL(await startPlatformSignIn(flow(), 'https://app.example/auth/callback', store));
    const q = url.searchParams;
    expect(url.origin + url.pathname).to.equal('https://idp.example/authorize');
    expect(Object.fromEntries(q)).to.include({ prompt: 'select_account', client_id: 'cid', redirect_uri: 'https://app.example/auth/callback', response_type: 'id_token', response_mode: 'fragment', scope: 'openid email' });
    expect(q.get('state')).to.match(/^[\w-]{43}$/);
    expect(q.get('nonce')).to.match(/^[\w-]{43}$/);
    expect(q.get('state')).to.not.equal(q.get('nonce'));
    expect(q.has('code_challenge')).to.equal(false);
  });

  it('sends an S256 challenge for the code flow and hands back code, redirect_uri and verifier', async () => {
    const store = memory();
    const q = new URL(await startPlatformSignIn(flow({ provider: 'line', response_type: 'code', response_mode: 'query', pkce: true }), 'https://app.example/auth/callback', store)).searchParams;
    expect(q.has('response_mode')).to.equal(false);
    expect(q.get('code_challenge_method')).to.equal('S256');
    const answer = readPlatformAnswer(`#state=${q.get('state')}&code=abc`, store)!;
    expect(answer).to.include({ provider: 'line', code: 'abc', redirect_uri: 'https://app.example/auth/callback', nonce: q.get('nonce') });
    expect(createHash('sha256').update(answer.code_verifier!).digest('base64url')).to.equal(q.get('code_challenge'));
  });

  it('accepts an ID token carrying the nonce, once', async () => {
    const store = memory();
    const q = new URL(await startPlatformSignIn(flow(), 'https://app.example/auth/callback', store)).searchParams;
    const token = jwt({ nonce: q.get('nonce'), email: 'é@example.com' });
    expect(readPlatformAnswer(`#state=${q.get('state')}&id_token=${token}`, store)).to.deep.equal({ provider: 'google', nonce: q.get('nonce'), id_token: token });
    expect(() => readPlatformAnswer(`#state=${q.get('state')}&id_token=${token}`, store)).to.throw().with.property('code', 'STATE_MISMATCH');
  });

  it('tells a state mismatch, a nonce mismatch, a cancel and a provider error apart', async () => {
    const cases: Array<[(state: string) => string, string]> = [
      [() => '#state=forged&id_token=a.b.c', 'STATE_MISMATCH'],
      [(s) => `#state=${s}&id_token=${jwt({ nonce: 'another' })}`, 'NONCE_MISMATCH'],
      [(s) => `#state=${s}&error=access_denied`, 'CANCELLED'],
      [(s) => `#state=${s}&error=user_cancelled_authorize`, 'CANCELLED'],
      [(s) => `#state=${s}&error=server_error`, 'PROVIDER_ERROR'],
    ];
    for (const [fragment, code] of cases) {
      const store = memory();
      const state = new URL(await startPlatformSignIn(flow(), 'https://app.example/auth/callback', store)).searchParams.get('state')!;
      expect(() => readPlatformAnswer(fragment(state), store), code).to.throw().with.property('code', code);
      expect(store.items.size, 'the pending sign-in is used up').to.equal(0);
    }
  });

  it('leaves a fragment that is no sign-in answer alone', () => {
    const store = memory();
    store.setItem('gaobinyou.platform-sign-in', '{}');
    expect(readPlatformAnswer('#section-2', store)).to.equal(null);
    expect(store.items.size).to.equal(1);
  });
});

describe('SDK: reading the claims of a JWT (client/src/session.ts)', () => {
  const token = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

  it('keeps UTF-8 and literal percent signs as they are', () => {
    const claims = { name: '100% 陳 a%41b', email: 'x%y@example.com', nonce: 'n' };
    expect(jwtClaims(token(claims))).to.deep.equal(claims);
  });

  it('answers null for a token that is not a JWT', () => {
    expect(jwtClaims('nope')).to.equal(null);
    expect(jwtClaims('a.%%%.c')).to.equal(null);
  });
});
