import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppError } from '../errors.js';
import type { UserKind } from '../context.js';

/** `access` authorises REST calls; `rt` (the contract's centrifugo_token) only opens sockets. */
export type TokenType = 'access' | 'rt';

export interface AccessClaims {
  sub: string;
  sid: string;
  gen: number;
  knd: UserKind;
  typ: TokenType;
  iat: number;
  exp: number;
}

const ISSUER = 'gaobinyou';
const ALGORITHMS: jwt.Algorithm[] = ['HS256']; // pinned: `none` and key-confusion tricks are refused
const REFRESH_PREFIX = 'rt1';

/** Derives independent keys from the one master secret, so a leak of one use is not a leak of all. */
export const deriveKey = (master: string, purpose: string): Buffer => createHmac('sha256', master).update(`gaobinyou:${purpose}`).digest();

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Signs and checks tokens. Access tokens are HS256 JWTs bound to a session (`sid`) and its
 * refresh generation (`gen`). Refresh tokens are `rt1.<sid>.<gen>.<mac>`: derived from the
 * session and generation with a keyed MAC, so a client that retries a refresh inside the grace
 * window can be given the very same pair again without the server ever storing it in clear.
 */
export class TokenService {
  private readonly jwtKey: KeyObject;
  private readonly refreshKey: Buffer;

  constructor(masterSecret: string, private readonly accessTtlSec: number) {
    // A KeyObject, not a Buffer: given raw bytes, jsonwebtoken first tries to parse them as a
    // private and a public key, and each failed attempt throws: about 0.5 ms per sign or verify
    // (docs/performance.md). As a secret KeyObject the same HS256 signature takes microseconds.
    this.jwtKey = createSecretKey(deriveKey(masterSecret, 'jwt'));
    this.refreshKey = deriveKey(masterSecret, 'refresh');
  }

  /** Deterministic for a given (session, generation, issue time): retries get identical tokens. */
  signAccess(c: { uid: string; sid: string; gen: number; kind: UserKind; iatSec: number }, typ: TokenType): { token: string; exp: number } {
    const exp = c.iatSec + this.accessTtlSec;
    const payload = { sub: c.uid, sid: c.sid, gen: c.gen, knd: c.kind, typ, iat: c.iatSec, exp, iss: ISSUER };
    return { token: jwt.sign(payload, this.jwtKey, { algorithm: 'HS256' }), exp };
  }

  /** Verifies signature, issuer and (unless allowExpired) expiry; throws UNAUTHENTICATED. */
  verifyAccess(token: string, opts: { allowExpired?: boolean; types: readonly TokenType[] }): AccessClaims {
    let claims: jwt.JwtPayload;
    try {
      const out = jwt.verify(token, this.jwtKey, { algorithms: ALGORITHMS, issuer: ISSUER, ignoreExpiration: !!opts.allowExpired });
      if (typeof out === 'string') throw new Error('string payload');
      claims = out;
    } catch (e) {
      const expired = e instanceof jwt.TokenExpiredError;
      throw new AppError('UNAUTHENTICATED', expired ? 'token expired, refresh it' : 'invalid token');
    }
    const { sub, sid, gen, knd, typ, iat, exp } = claims;
    if (
      typeof sub !== 'string' || typeof sid !== 'string' || typeof gen !== 'number' || (knd !== 'anon' && knd !== 'member') ||
      !opts.types.includes(typ) || typeof iat !== 'number' || typeof exp !== 'number'
    ) {
      throw new AppError('UNAUTHENTICATED', 'invalid token');
    }
    return { sub, sid, gen, knd, typ, iat, exp };
  }

  isRefreshToken(token: string): boolean {
    return token.startsWith(`${REFRESH_PREFIX}.`);
  }

  refreshToken(sid: string, gen: number): string {
    return `${REFRESH_PREFIX}.${sid}.${gen}.${this.mac(sid, gen)}`;
  }

  /** Parses and authenticates a refresh token's MAC; null for anything forged or malformed. */
  parseRefresh(token: string): { sid: string; gen: number } | null {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== REFRESH_PREFIX) return null;
    const [, sid, genStr, mac] = parts as [string, string, string, string];
    if (!/^\d{1,9}$/.test(genStr) || sid.length === 0 || sid.length > 64) return null;
    const gen = Number(genStr);
    return safeEqual(mac, this.mac(sid, gen)) ? { sid, gen } : null;
  }

  private mac(sid: string, gen: number): string {
    return createHmac('sha256', this.refreshKey).update(`${sid}.${gen}`).digest('base64url');
  }
}
