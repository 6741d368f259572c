import { createRequire } from 'node:module';
import type { Schema } from 'joi';
import type { parse as Parse } from 'joi-to-json';

// A CommonJS module whose typings declare an ES default export it does not have.
const parse = createRequire(import.meta.url)('joi-to-json') as typeof Parse;

/**
 * joi -> JSON Schema 2020-12 (what OpenAPI 3.1 and AsyncAPI 3 embed) through `joi-to-json`, plus
 * the few things that library leaves to its caller:
 *  - `.meta({ 'x-json-schema': {...} })` beside a custom rule says what the rule checks; it is
 *    merged into the node (joi cannot describe a custom function);
 *  - lengths of trimmed strings count after trimming, so they become a pattern on the raw string;
 *  - a key whose rule depends on a sibling (`Joi.when('other', ...)`) becomes if/then on the object
 *    (joi-to-json only lists the branches), and a branch that strips the key is "ignored";
 *  - unknown keys are stripped by validate() (src/schemas/common.ts), not refused, so
 *    `additionalProperties: false` is dropped, as is the every-type list of `Joi.any()`.
 */

export type JsonSchema = { [keyword: string]: unknown };

/** The parts of joi's `describe()` output read here. */
interface Described {
  type: string;
  flags?: { presence?: string; result?: string };
  rules?: Array<{ name: string }>;
  keys?: Record<string, Described>;
  whens?: Array<{ ref?: { path: string[] }; is?: Described; then?: Described; otherwise?: Described; switch?: Array<{ is: Described; then?: Described; otherwise?: Described }> }>;
  allow?: unknown[];
}

const ANY_TYPES = ['array', 'boolean', 'number', 'object', 'string', 'null'];

export function joiToJsonSchema(schema: Schema): JsonSchema {
  const out = tidy(parse(schema, 'open-api-3.1') as JsonSchema);
  refine(schema.describe() as Described, out);
  return out;
}

const isObject = (v: unknown): v is JsonSchema => !!v && typeof v === 'object' && !Array.isArray(v);

/** Meta merge and library leftovers, over the whole tree. */
function tidy(node: JsonSchema): JsonSchema {
  const meta = node['x-json-schema'];
  if (isObject(meta)) {
    delete node['x-json-schema'];
    Object.assign(node, meta);
  }
  if (node.additionalProperties === false) delete node.additionalProperties;
  if (Array.isArray(node.type) && node.type.length === ANY_TYPES.length) delete node.type;
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) value.forEach((v) => isObject(v) && tidy(v));
    else if (isObject(value)) tidy(value);
  }
  if (isObject(node.properties)) for (const p of Object.values(node.properties)) if (isObject(p)) tidy(p);
  return node;
}

/** Walks joi's description beside the converted schema to fix what needs joi's own view. */
function refine(d: Described, s: JsonSchema): void {
  if (d.type === 'string' && d.rules?.some((r) => r.name === 'trim')) trimmedRules(s, (d.allow ?? []).includes(''));
  if (d.type !== 'object' || !d.keys || !isObject(s.properties)) return;
  const props = s.properties as Record<string, JsonSchema>;
  const conditions: JsonSchema[] = [];
  for (const [key, child] of Object.entries(d.keys)) {
    const converted = props[key];
    if (!converted) continue;
    if (isStripped(child)) {
      delete props[key];
      continue;
    }
    const when = child.whens?.[0];
    if (when?.ref && child.whens!.length === 1) {
      const { schema, condition } = siblingCondition(key, when.ref.path, when, converted);
      props[key] = schema;
      if (condition) conditions.push(condition);
    } else {
      refine(child, converted);
    }
  }
  if (conditions.length) s.allOf = [...((s.allOf as JsonSchema[] | undefined) ?? []), ...conditions];
}

const isStripped = (d: Described | undefined) => !d || d.flags?.result === 'strip' || d.flags?.presence === 'forbidden';

/**
 * A trimmed string's rules hold after trim(), so on the raw string they become: an anchored
 * pattern allows surrounding whitespace, and the lengths become a pattern (`\s` is what trim()
 * removes; patterns count code points, like the length rules in src/schemas/common.ts). A value
 * that `allow('')` lets through stays valid.
 */
function trimmedRules(s: JsonSchema, allowEmpty: boolean): void {
  const patterns: string[] = [];
  if (typeof s.pattern === 'string') {
    const anchored = /^\^([\s\S]*)\$$/.exec(s.pattern);
    patterns.push(anchored ? `^\\s*(?:${anchored[1]})${allowEmpty ? '?' : ''}\\s*$` : s.pattern);
    delete s.pattern;
  }
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : undefined;
  if (min || max !== undefined) {
    delete s.minLength;
    delete s.maxLength;
    const inner = (lo: number, hi: string) => `[\\s\\S]{${lo},${hi}}`;
    let body: string;
    if (max === 0) body = '';
    else if (max === 1) body = min ? '\\S' : '(?:\\S)?';
    else if (min >= 2) body = `\\S${inner(min - 2, max === undefined ? '' : String(max - 2))}\\S`;
    else body = `(?:\\S(?:${inner(0, max === undefined ? '' : String(max - 2))}\\S)?)${min ? '' : '?'}`;
    patterns.push(`^\\s*${body}\\s*$`);
  }
  if (patterns.length === 1) s.pattern = patterns[0];
  else if (patterns.length > 1) s.allOf = [...((s.allOf as JsonSchema[] | undefined) ?? []), ...patterns.map((pattern) => ({ pattern }))];
}

/** `{ a: { b: { const } } }` with `required` at each level: "the field at this path equals one of values". */
function valueAt(path: string[], values: unknown[]): JsonSchema {
  const [head, ...rest] = path;
  const inner = rest.length ? valueAt(rest, values) : values.length === 1 ? { const: values[0] } : { enum: values };
  return { properties: { [head!]: inner }, required: [head!] };
}

/**
 * `key: Joi.when(path, {is, then, otherwise} | {switch})`: the key's own schema lists the branches
 * joi-to-json converted (in order: each case's then, then its otherwise), and the object gets an
 * if/then/else chain saying which branch applies and when the key is required.
 */
function siblingCondition(key: string, path: string[], when: NonNullable<Described['whens']>[number], converted: JsonSchema) {
  const cases = when.switch ?? [{ is: when.is!, ...(when.then ? { then: when.then } : {}), ...(when.otherwise ? { otherwise: when.otherwise } : {}) }];
  const branches = ((converted.oneOf ?? converted.anyOf) as JsonSchema[] | undefined) ?? [converted];
  let next = 0;
  const take = (d: Described | undefined) => {
    if (!d) return undefined;
    const s = branches[next++] ?? {};
    if (isStripped(d)) return null;
    refine(d, s);
    return { schema: s, required: d.flags?.presence === 'required' };
  };
  const steps = cases.map((c) => ({ values: (c.is.allow ?? []).filter((v) => !isObject(v)), then: take(c.then), otherwise: take(c.otherwise) }));
  const clause = (b: ReturnType<typeof take>): JsonSchema | undefined =>
    b ? { properties: { [key]: b.schema }, ...(b.required ? { required: [key] } : {}) } : undefined;
  let chain: JsonSchema | undefined;
  for (let i = steps.length - 1; i >= 0; i--) {
    const st = steps[i]!;
    const otherwise = st.otherwise !== undefined ? clause(st.otherwise) : chain;
    chain = { if: valueAt(path, st.values), ...(clause(st.then) ? { then: clause(st.then) } : {}), ...(otherwise ? { else: otherwise } : {}) };
  }
  const kept = steps.flatMap((st) => [st.then, st.otherwise]).filter((b): b is NonNullable<typeof b> => !!b);
  const ignored = steps.some((st) => st.then === null || st.otherwise === null);
  const on = `${path.join('.')}`;
  const schema: JsonSchema = kept.length === 1 ? { ...kept[0]!.schema } : { anyOf: kept.map((b) => b.schema) };
  const words = steps.map((st) => st.values.map((v) => JSON.stringify(v)).join(' or ')).join(', ');
  schema.description = [schema.description, `Depends on ${on} (${words})${ignored ? '; ignored otherwise' : ''}.`].filter(Boolean).join(' ');
  return { schema, condition: chain };
}
