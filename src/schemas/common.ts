import JoiBase from 'joi';
import { AppError, type FieldError } from '../core/errors.js';
import { compileFastCheck, fastCustom, type FastCheck } from './fast-path.js';

/**
 * Counts user-perceived characters as code points, so an emoji is one character, not two (a lone
 * surrogate counts as one, as `[...s].length` would count it, without building that array).
 */
export function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export const Joi = JoiBase;

/** A string trimmed and then bounded in code points; `multiline` allows newlines and tabs. */
export function text(min: number, max: number, opts: { multiline?: boolean } = {}) {
  /** What is wrong with the (trimmed) value: joi's error code and its context, or null. */
  const problem = (v: string): [code: string, local?: { limit: number }] | null => {
    if (!opts.multiline && /[\r\n\t]/.test(v)) return ['text.singleLine'];
    if (CONTROL.test(v)) return ['text.control'];
    const n = codePoints(v);
    if (n < min) return [min === 1 ? 'any.empty' : 'text.min', { limit: min }];
    if (n > max) return ['text.max', { limit: max }];
    return null;
  };
  const rule: JoiBase.CustomValidator<string> = (v, h) => {
    const p = problem(v);
    return p ? h.error(...p) : v;
  };
  return Joi.string()
    .trim()
    .custom(fastCustom(rule, (v) => problem(v) === null))
    .messages({
      'string.empty': '{{#label}} must not be empty',
      'any.empty': '{{#label}} must not be empty',
      'text.min': '{{#label}} must be at least {{#limit}} characters',
      'text.max': '{{#label}} must be at most {{#limit}} characters',
      'text.control': '{{#label}} must not contain control characters',
      'text.singleLine': '{{#label}} must be a single line',
    })
    // What the custom rule checks, for the API documents (src/http/json-schema.ts); JSON Schema
    // lengths count code points, like this rule.
    .meta({
      'x-json-schema': {
        minLength: min,
        maxLength: max,
        pattern: opts.multiline ? '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$' : '^[^\\u0000-\\u001f\\u007f]*$',
        description: `Trimmed first, then ${min} to ${max} characters (code points: an emoji counts as one)${opts.multiline ? '; newlines allowed' : '; one line'}; no control characters.`,
      },
    });
}

/**
 * Opaque ids in paths and payloads: bounded so hostile input cannot grow queries or logs, and
 * free of control characters (Postgres refuses a NUL byte in text, which would surface as a 500).
 */
export const opaqueId = () =>
  Joi.string()
    .min(1)
    .max(128)
    .pattern(/^[^\u0000-\u001f\u007f]+$/)
    .messages({ 'string.pattern.base': '{{#label}} must not contain control characters' });

/** The largest message id: ids are Postgres int8 (bigint). */
const MAX_MESSAGE_ID = 9223372036854775807n;

/** A message id as handed out by the server (a decimal sequence, zero-padded). */
export const messageId = () =>
  Joi.string()
    .pattern(/^\d{1,19}$/)
    .custom(fastCustom<JoiBase.CustomValidator<string>>((v, h) => (BigInt(v) > MAX_MESSAGE_ID ? h.error('string.pattern.base') : v), (v) => BigInt(v) <= MAX_MESSAGE_ID))
    .messages({ 'string.pattern.base': '{{#label}} must be a message_id returned by the server' });

// The validation options, compiled into each schema once: passed to every validate() call instead,
// joi merges them anew each time (a measurable share of a chat message's cost, docs/performance.md).
export const VALIDATE_PREFS = { abortEarly: false, stripUnknown: true, convert: true } as const;
const withPrefs = new WeakMap<JoiBase.Schema, JoiBase.Schema>();
function prepared<T>(schema: JoiBase.Schema<T>): JoiBase.Schema<T> {
  let s = withPrefs.get(schema);
  if (!s) withPrefs.set(schema, (s = schema.prefs(VALIDATE_PREFS)));
  return s as JoiBase.Schema<T>;
}

/** The "joi takes it as it is" check of each schema (src/schemas/fast-path.ts); null: always joi. */
const fastChecks = new WeakMap<JoiBase.Schema, FastCheck | null>();
function fastCheck(schema: JoiBase.Schema): FastCheck | null {
  let f = fastChecks.get(schema);
  if (f === undefined) fastChecks.set(schema, (f = compileFastCheck(schema)));
  return f;
}

/**
 * Validates once at the edge with the operation's schema and reports every bad field at once.
 * Both doors call this with the same schema, so REST and sockets accept exactly the same input.
 */
export function validate<T>(schema: JoiBase.Schema<T>, input: unknown): T {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new AppError('INVALID_ARGUMENT', 'the payload must be a JSON object', {
      details: [{ field: '(body)', message: 'expected a JSON object' }] satisfies FieldError[],
    });
  }
  // Most valid input is taken by joi exactly as it is: a compiled check says so without joi's walk.
  if (fastCheck(schema)?.(input as Record<string, unknown>)) return input as T;
  const { value, error } = prepared(schema).validate(input);
  if (error) {
    // One entry per field: joi can report two rules broken by one value (an empty
    // password_confirm is both empty and unequal), and the first says it best.
    const details: FieldError[] = [];
    const seen = new Set<string>();
    for (const d of error.details) {
      const field = d.path.join('.') || '(body)';
      if (seen.has(field)) continue;
      seen.add(field);
      details.push({ field, message: d.message.replace(/"/g, '') });
    }
    throw new AppError('INVALID_ARGUMENT', `invalid input: ${details.map((d) => d.message).join('; ')}`, { details });
  }
  return value as T;
}
