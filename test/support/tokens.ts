import jwt from 'jsonwebtoken';
import { deriveKey } from '../../src/core/auth/tokens.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

/** Signs a token with the server's real key (tests set JWT_SECRET), for expiry and claim tests. */
export function forgeWithServerKey(claims: Record<string, unknown>, secret = TEST_SECRET): string {
  return jwt.sign({ iss: 'gaobinyou', ...claims }, deriveKey(secret, 'jwt'), { algorithm: 'HS256' });
}

/** An unsigned `alg: none` token with the given claims. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ iss: 'gaobinyou', ...claims })}.`;
}

export const decode = (token: string): Record<string, any> => jwt.decode(token) as Record<string, any>;
