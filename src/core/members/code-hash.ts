import { createHmac, randomInt } from 'node:crypto';
import type { CodePurpose } from '../ports.js';

export const CODE_PATTERN = /^\d{6}$/;

/** A uniformly random 6-digit code, leading zeros kept. */
export const generateCode = (): string => randomInt(0, 1_000_000).toString().padStart(6, '0');

/**
 * The stored form of a code: an HMAC bound to its purpose and identifier, so a leaked table
 * cannot be brute-forced offline (the key is derived from the server secret) and a code issued
 * for one purpose or address never matches another.
 */
export function hashCode(key: Buffer, purpose: CodePurpose, identifier: string, code: string): string {
  return createHmac('sha256', key).update(`${purpose}\n${identifier}\n${code}`).digest('base64url');
}
