import type { Schema } from 'joi';
import { Joi, text } from './common.js';
import { LOGIN_ID_PATTERNS, normalizeLoginId, type AccountType } from '../core/members/login-id.js';
import type { PlatformProvider } from '../core/ports.js';

export type AuthMethod = 'credentials' | 'platform';
export type VerificationPurpose = 'email_verification' | 'phone_verification';

export interface CredentialsPayload { password: string; password_confirm?: string; account_type: AccountType }
export interface PlatformPayload { provider: PlatformProvider; token: string }
/** LoginReq after validation: `login_id` is normalised, and the payload of `auth_method` is present. */
export interface LoginReq { auth_method: AuthMethod; login_id: string; credentials?: CredentialsPayload; platform?: PlatformPayload }
/** One redirect sign-in's answer: an ID token (Google, Apple) or a code to trade (LINE), and the request's nonce. */
export interface PlatformSignInInput {
  provider: PlatformProvider;
  nonce: string;
  id_token?: string;
  code?: string;
  redirect_uri?: string;
  code_verifier?: string;
}
export interface SessionRefreshInput { access_token: string; refresh_token: string }
export interface PasswordResetRequestInput { identifier: string; account_type: 'email' | 'phone' }
export interface VerifyCodeInput { identifier: string; verify_code: string }
export interface ResetPasswordInput extends VerifyCodeInput { password: string; password_confirm: string }
export interface ChangePasswordInput { current_password: string; new_password: string; new_password_confirm: string }
export interface VerificationRequestInput { purpose: VerificationPurpose }
export interface VerificationSubmitInput extends VerificationRequestInput { verify_code: string }
/** Absent or null: unchanged; '' clears the field. */
export interface UpdateUserInfoInput {
  avatar_url?: string | null;
  full_name?: string | null;
  nickname?: string | null;
  gender_code?: string | null;
  birthdate?: string | null;
  address?: string | null;
  preferred_language?: string | null;
  currency?: string | null;
  national?: string | null;
  post_code?: string | null;
  carrier?: string | null;
}

const ID_SHAPES: Record<AccountType, string> = {
  email: 'an e-mail address',
  phone: 'a phone number in E.164 form (+ and 8 to 15 digits; spaces, dashes and parentheses are ignored)',
  any: 'an e-mail address or a phone number in E.164 form (+ and 8 to 15 digits)',
};

/** A login id or identifier of the given type, answered in its normalised form. */
const loginId = (accept: AccountType) =>
  Joi.string()
    .trim()
    .custom((v: string, h) => {
      if (v.length < 3 || v.length > 50) return h.error('loginId.length');
      return normalizeLoginId(v, accept)?.id ?? h.error('loginId.shape');
    })
    .messages({
      'string.empty': '{{#label}} must not be empty',
      'loginId.length': '{{#label}} must be 3 to 50 characters',
      'loginId.shape': `{{#label}} must be ${ID_SHAPES[accept]}`,
    })
    // For the OpenAPI document: what the custom rule checks.
    .meta({ 'x-json-schema': { minLength: 3, maxLength: 50, pattern: `^(?:${accept === 'any' ? `${LOGIN_ID_PATTERNS.email}|${LOGIN_ID_PATTERNS.phone}` : LOGIN_ID_PATTERNS[accept]})$`, description: `Trimmed, 3 to 50 characters, ${ID_SHAPES[accept]}; e-mail addresses are lowercased, phone numbers kept as E.164.` } });

/** The login id's shape follows `account_type` (email, phone or either). */
const loginIdByType = (typeRef: string) =>
  Joi.when(typeRef, {
    switch: [
      { is: 'email', then: loginId('email') },
      { is: 'phone', then: loginId('phone') },
    ],
    otherwise: loginId('any'),
  });

/**
 * 8..128 characters (code points) of any script, not trimmed. Every character counts: the hash
 * is taken over a keyed digest of the whole password, not bcrypt's first 72 bytes (passwords.ts).
 */
export const password = () =>
  Joi.string()
    .custom((v: string, h) => {
      const chars = [...v.normalize('NFC')].length;
      if (chars < 8) return h.error('password.min');
      if (chars > 128) return h.error('password.max');
      return v;
    })
    .messages({
      'string.empty': '{{#label}} must be 8 to 128 characters',
      'password.min': '{{#label}} must be at least 8 characters',
      'password.max': '{{#label}} must be at most 128 characters',
    })
    .meta({ 'x-json-schema': { minLength: 8, maxLength: 128, description: '8 to 128 characters of any script (after Unicode NFC normalisation); not trimmed; every character counts.' } });

const mustEqual = (other: string) =>
  Joi.string().required().valid(Joi.ref(other)).messages({ 'any.only': `{{#label}} must equal ${other}`, 'string.empty': `{{#label}} must equal ${other}` });

const verifyCode = () =>
  Joi.string().trim().pattern(/^\d{6}$/).required().messages({ 'string.pattern.base': '{{#label}} must be 6 digits', 'string.empty': '{{#label}} must be 6 digits' });

const loginReq = (register: boolean) =>
  Joi.object<LoginReq>({
    auth_method: Joi.string().valid('credentials', 'platform').required(),
    login_id: loginIdByType('credentials.account_type').required(),
    credentials: Joi.when('auth_method', {
      is: 'credentials',
      then: Joi.object({
        password: password().required(),
        // Register insists on the confirmation; login ignores it (the contract says so).
        password_confirm: register ? mustEqual('password') : Joi.any().strip(),
        account_type: Joi.string().valid('email', 'phone', 'any').required(),
      })
        .required()
        .messages({ 'any.required': '{{#label}} is required when auth_method is credentials' }),
      otherwise: Joi.any().strip(),
    }),
    platform: Joi.when('auth_method', {
      is: 'platform',
      then: Joi.object({
        provider: Joi.string().valid('google', 'line', 'apple').required(),
        token: Joi.string().min(1).max(16 * 1024).required(),
      })
        .required()
        .messages({ 'any.required': '{{#label}} is required when auth_method is platform' }),
      otherwise: Joi.any().strip(),
    }),
  });

export const register = loginReq(true);
export const login = loginReq(false);

export const platformSignIn = Joi.object<PlatformSignInInput>({
  provider: Joi.string().valid('google', 'line', 'apple').required(),
  nonce: Joi.string().pattern(/^[\w-]{16,128}$/).required()
    .messages({ 'string.pattern.base': '{{#label}} must be the 16 to 128 letters, digits, _ or - sent as nonce in the authorization request' }),
  id_token: Joi.string().min(1).max(16 * 1024),
  code: Joi.string().pattern(/^[\x21-\x7e]{1,512}$/)
    .messages({ 'string.pattern.base': '{{#label}} must be the code from the redirect: 1 to 512 printable characters' }),
  redirect_uri: Joi.string().max(1024).uri({ scheme: ['http', 'https'] }).messages({
    'string.uri': '{{#label}} must be the http(s) redirect_uri used to start the sign-in',
    'string.uriCustomScheme': '{{#label}} must be the http(s) redirect_uri used to start the sign-in',
  }),
  // RFC 7636 section 4.1: 43 to 128 unreserved characters.
  code_verifier: Joi.string().pattern(/^[\w.~-]{43,128}$/)
    .messages({ 'string.pattern.base': '{{#label}} must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)' }),
})
  .xor('id_token', 'code')
  .with('code', 'redirect_uri')
  .with('code_verifier', 'code')
  .messages({
    'object.xor': 'send either id_token (Google, Apple) or code (LINE), not both',
    'object.missing': 'send the id_token (Google, Apple) or the code (LINE) the provider handed back',
    'object.with': '{{#peer}} is required with {{#main}}',
  });

export const sessionRefresh = Joi.object<SessionRefreshInput>({
  access_token: Joi.string().min(1).max(4096).required(),
  refresh_token: Joi.string().min(1).max(4096).required(),
});

export const passwordResetRequest = Joi.object<PasswordResetRequestInput>({
  identifier: loginIdByType('account_type').required(),
  account_type: Joi.string().valid('email', 'phone').required(),
});

export const verifyResetCode = Joi.object<VerifyCodeInput>({ identifier: loginId('any').required(), verify_code: verifyCode() });

export const resetPassword = Joi.object<ResetPasswordInput>({
  identifier: loginId('any').required(),
  verify_code: verifyCode(),
  password: password().required(),
  password_confirm: mustEqual('password'),
});

export const changePassword = Joi.object<ChangePasswordInput>({
  current_password: Joi.string().min(1).max(1024).required(),
  new_password: password().required(),
  new_password_confirm: mustEqual('new_password'),
});

const purpose = () => Joi.string().valid('email_verification', 'phone_verification').required();
export const verificationRequest = Joi.object<VerificationRequestInput>({ purpose: purpose() });
export const verificationSubmit = Joi.object<VerificationSubmitInput>({ purpose: purpose(), verify_code: verifyCode() });

/** The latest calendar date anywhere on Earth right now (UTC+14), so nobody's birthday today is "in the future". */
const latestDateOnEarth = (): string => new Date(Date.now() + 14 * 3600_000).toISOString().slice(0, 10);

const birthdate = () =>
  Joi.string()
    .trim()
    .custom((v: string, h) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return h.error('date.shape');
      const d = new Date(`${v}T00:00:00Z`);
      if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) return h.error('date.real');
      if (v > latestDateOnEarth()) return h.error('date.future');
      return v;
    })
    .messages({
      'date.shape': '{{#label}} must be a date in the form YYYY-MM-DD',
      'date.real': '{{#label}} must be a real calendar date',
      'date.future': '{{#label}} must not be in the future',
    })
    .meta({ 'x-json-schema': { format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD, a real calendar date, not in the future.' } });

/** Every field is optional; null means "leave it" (as a Go client's nil pointer), '' clears it. */
const clearable = <T extends Schema>(s: T) => s.allow('', null);

export const updateUserInfo = Joi.object<UpdateUserInfoInput>({
  avatar_url: clearable(
    Joi.string()
      .trim()
      .max(1024)
      .uri({ scheme: ['http', 'https'] })
      .messages({ 'string.uri': '{{#label}} must be an http(s) URL' })
      // The scheme rule, for the API documents (`format: uri` alone allows any scheme).
      .meta({ 'x-json-schema': { pattern: '^[Hh][Tt][Tt][Pp][Ss]?://\\S+$', description: 'An http or https URL; "" clears it.' } }),
  ),
  full_name: clearable(text(0, 100)),
  nickname: clearable(text(0, 32)),
  gender_code: clearable(Joi.string().valid('secret', 'male', 'female')),
  birthdate: clearable(birthdate()),
  address: clearable(text(0, 255)),
  preferred_language: clearable(Joi.string().valid('zh-tw', 'en-us')),
  currency: clearable(Joi.string().valid('TWD', 'USD')),
  national: clearable(text(0, 64)),
  post_code: clearable(Joi.string().trim().max(16).pattern(/^[A-Za-z0-9 -]*$/).messages({ 'string.pattern.base': '{{#label}} may hold only letters, digits, spaces and dashes' })),
  carrier: clearable(text(0, 64)),
});
