/**
 * Login ids are e-mail addresses or phone numbers, stored in one canonical form so that
 * "Alice@Example.com " and "alice@example.com", or "+886 (912) 345-678" and "+886912345678", are
 * the same account. Pure functions: the schemas call them at the edge, services trust the result.
 */
export type LoginIdType = 'email' | 'phone';
export type AccountType = LoginIdType | 'any';

// A practical subset of RFC 5322: dot-atom local part, LDH domain labels, an alphabetic TLD.
// Quoted local parts and internationalised addresses are refused rather than half-supported.
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
// E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
const E164 = /^\+[1-9]\d{7,14}$/;
// Readability characters people type inside phone numbers.
const PHONE_DECORATION = /[\s\-()]/g;

/**
 * The same shapes for the API documents, as unanchored JSON Schema patterns on the input before
 * normalising: any case for e-mail, readability characters anywhere in a phone number.
 */
export const LOGIN_ID_PATTERNS = {
  email: EMAIL.source.slice(1, -1).replace(/a-z/g, 'a-zA-Z'),
  phone: '[\\s\\-()]*\\+[\\s\\-()]*[1-9](?:[\\s\\-()]*\\d){7,14}[\\s\\-()]*',
} as const;

/** Lowercased and trimmed; null when it is not an e-mail address. */
export function normalizeEmail(raw: string): string | null {
  const v = raw.trim().toLowerCase();
  return EMAIL.test(v) ? v : null;
}

/** Canonical E.164 (`+` and 8..15 digits) with spaces, dashes and parentheses removed; null otherwise. */
export function normalizePhone(raw: string): string | null {
  const v = raw.trim().replace(PHONE_DECORATION, '');
  return E164.test(v) ? v : null;
}

/** Normalises `raw` as the account type allows; `any` reads anything with an `@` as an e-mail. */
export function normalizeLoginId(raw: string, accept: AccountType): { id: string; type: LoginIdType } | null {
  const type: LoginIdType = accept === 'any' ? (raw.includes('@') ? 'email' : 'phone') : accept;
  const id = type === 'email' ? normalizeEmail(raw) : normalizePhone(raw);
  return id === null ? null : { id, type };
}

/** The type of an already normalised login id. */
export const loginIdType = (normalized: string): LoginIdType => (normalized.startsWith('+') ? 'phone' : 'email');
