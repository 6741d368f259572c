import type { Schema } from 'joi';

/**
 * joi `describe()` -> JSON Schema 2020-12, which OpenAPI 3.1 uses as is, so one converter serves
 * parameters, bodies and the docs page (openapi.ts). Nothing is hand-copied from a schema: change
 * a joi rule and the document follows.
 */

export type JsonSchema = { [keyword: string]: unknown };

/** The parts of joi's `describe()` output this converter reads. */
interface Described {
  type: string;
  flags?: { presence?: 'required' | 'optional' | 'forbidden'; default?: unknown; only?: boolean; result?: string; description?: string };
  rules?: Array<{ name: string; args?: Record<string, unknown> }>;
  allow?: unknown[];
  keys?: Record<string, Described>;
  items?: Described[];
  whens?: When[];
  metas?: unknown[];
  preferences?: { messages?: Record<string, string> };
}

interface When {
  ref?: { path: string[] };
  is?: Described;
  then?: Described;
  otherwise?: Described;
  switch?: Array<{ is: Described; then?: Described; otherwise?: Described }>;
}

interface Converted {
  schema: JsonSchema;
  required: boolean;
  /** The field is left out of the document (stripped or forbidden). */
  omit: boolean;
}

/** JSON Schema for a joi schema. Keys joi strips or forbids are left out. */
export function joiToJsonSchema(schema: Schema): JsonSchema {
  return convert(schema.describe() as Described).schema;
}

const isRef = (v: unknown): v is { ref: { path: string[] } } => !!v && typeof v === 'object' && 'ref' in v;
const isOverride = (v: unknown) => !!v && typeof v === 'object' && 'override' in v;

/** `/^\d+$/i` (joi's rendering of a RegExp) -> `^\d+$`. */
function regexSource(r: unknown): string | undefined {
  if (typeof r !== 'string') return undefined;
  const m = /^\/(.*)\/[a-z]*$/s.exec(r);
  return m ? m[1] : r;
}

/** The error messages of custom rules, as sentences ("must be at least 8 characters"). */
function ruleSentences(d: Described): string[] {
  const out: string[] = [];
  for (const [key, text] of Object.entries(d.preferences?.messages ?? {})) {
    if (key === 'any.required' || key === 'string.empty' || key === 'any.empty') continue;
    const sentence = text.replace(/^\{\{#label\}\}\s*/, '').trim();
    if (!sentence || sentence.includes('{{') || out.includes(sentence)) continue;
    out.push(sentence);
  }
  return out;
}

/** `.meta({ jsonSchema: {...} })` on a joi schema documents what a custom rule checks. */
function metaSchema(d: Described): JsonSchema | null {
  for (const m of d.metas ?? []) {
    if (m && typeof m === 'object' && 'jsonSchema' in m) return (m as { jsonSchema: JsonSchema }).jsonSchema;
  }
  return null;
}

function addDescription(s: JsonSchema, text: string): void {
  if (!text) return;
  s.description = typeof s.description === 'string' && s.description ? `${s.description} ${text}` : text;
}

const sentence = (parts: string[]) => (parts.length ? `${parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('. ')}.` : '');

function convert(d: Described): Converted {
  const flags = d.flags ?? {};
  if (flags.presence === 'forbidden' || flags.result === 'strip') return { schema: {}, required: false, omit: true };
  if (d.whens?.length) return convertWhen(d);

  const s: JsonSchema = {};
  const notes: string[] = [];
  let customRule = false;
  switch (d.type) {
    case 'string':
      s.type = 'string';
      break;
    case 'number':
      s.type = 'number';
      break;
    case 'boolean':
      s.type = 'boolean';
      break;
    case 'object':
      Object.assign(s, convertObject(d));
      break;
    case 'array':
      s.type = 'array';
      if (d.items?.length === 1) s.items = convert(d.items[0]!).schema;
      else if (d.items?.length) s.items = { anyOf: d.items.map((i) => convert(i).schema) };
      break;
    case 'date':
      s.type = 'string';
      s.format = 'date-time';
      break;
    default:
      break; // any: no constraint
  }

  for (const rule of d.rules ?? []) {
    const a = rule.args ?? {};
    const str = d.type === 'string';
    const arr = d.type === 'array';
    switch (rule.name) {
      case 'min':
        s[str ? 'minLength' : arr ? 'minItems' : 'minimum'] = a.limit;
        break;
      case 'max':
        s[str ? 'maxLength' : arr ? 'maxItems' : 'maximum'] = a.limit;
        break;
      case 'length':
        s[str ? 'minLength' : 'minItems'] = a.limit;
        s[str ? 'maxLength' : 'maxItems'] = a.limit;
        break;
      case 'greater':
        s.exclusiveMinimum = a.limit;
        break;
      case 'less':
        s.exclusiveMaximum = a.limit;
        break;
      case 'integer':
        s.type = 'integer';
        break;
      case 'pattern': {
        const p = regexSource(a.regex);
        if (p !== undefined) s.pattern = p;
        break;
      }
      case 'email':
        s.format = 'email';
        break;
      case 'uri':
        s.format = 'uri';
        break;
      case 'guid':
        s.format = 'uuid';
        break;
      case 'isoDate':
        s.format = 'date-time';
        break;
      case 'trim':
        notes.push('leading and trailing whitespace is trimmed before the other checks');
        break;
      case 'custom':
        customRule = true;
        break;
      default:
        break;
    }
  }

  const meta = metaSchema(d);
  if (meta) {
    Object.assign(s, meta); // what a custom rule checks, written next to the rule; it says it all
    notes.length = 0;
  } else if (customRule || s.pattern !== undefined) {
    notes.push(...ruleSentences(d));
  }

  // valid()/allow(): an enum, extra allowed values, or "must equal another field".
  const allowed = (d.allow ?? []).filter((v) => !isOverride(v));
  const refs = allowed.filter(isRef);
  const values = allowed.filter((v) => !isRef(v));
  if (refs.length) notes.push(...refs.map((r) => `must equal ${r.ref.path.join('.')}`));
  let out: JsonSchema = s;
  if (flags.only && values.length && !refs.length) {
    s.enum = values;
    if (values.includes(null) && typeof s.type === 'string') s.type = [s.type, 'null'];
  } else if (values.length) {
    const nullable = values.includes(null);
    const others = values.filter((v) => v !== null && !accepts(s, v));
    const description = s.description;
    delete s.description;
    if (others.length) {
      out = { anyOf: [s, { enum: others }, ...(nullable ? [{ type: 'null' }] : [])] };
    } else if (nullable && typeof s.type === 'string') {
      s.type = [s.type, 'null'];
    }
    if (description !== undefined) out.description = description;
  }

  if (flags.default !== undefined && typeof flags.default !== 'function') out.default = flags.default;
  if (typeof flags.description === 'string') addDescription(out, flags.description);
  addDescription(out, sentence(notes));

  return { schema: out, required: flags.presence === 'required', omit: false };
}

/** Whether a string schema already accepts `v` (so allow(v) adds nothing worth documenting). */
function accepts(s: JsonSchema, v: unknown): boolean {
  if (typeof v !== 'string' || s.type !== 'string' || s.format !== undefined || s.enum !== undefined) return false;
  const n = [...v].length;
  if (typeof s.minLength === 'number' && n < s.minLength) return false;
  if (typeof s.maxLength === 'number' && n > s.maxLength) return false;
  if (typeof s.pattern === 'string') {
    try {
      if (!new RegExp(s.pattern, 'u').test(v)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function convertObject(d: Described): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, child] of Object.entries(d.keys ?? {})) {
    const c = convert(child);
    if (c.omit) continue;
    properties[name] = c.schema;
    if (c.required) required.push(name);
  }
  const s: JsonSchema = { type: 'object', properties };
  if (required.length) s.required = required;
  return s;
}

/** `Joi.when(ref, {is, then, otherwise})` or `{switch: [...]}`: the branches, with their condition. */
function convertWhen(d: Described): Converted {
  const outerRequired = d.flags?.presence === 'required';
  const branches: Array<{ when: string; c: Converted }> = [];
  for (const w of d.whens ?? []) {
    const field = w.ref?.path.join('.') ?? 'another field';
    const valueOf = (is?: Described) => {
      const v = (is?.allow ?? []).filter((x) => !isOverride(x));
      return v.length ? v.map((x) => JSON.stringify(x)).join(' or ') : 'set';
    };
    const cases = w.switch ?? [{ is: w.is!, ...(w.then ? { then: w.then } : {}) }];
    for (const c of cases) {
      const cond = `${field} is ${valueOf(c.is)}`;
      if (c.then) branches.push({ when: `when ${cond}`, c: convert(c.then) });
      if (c.otherwise) branches.push({ when: `otherwise`, c: convert(c.otherwise) });
    }
    if (w.otherwise) branches.push({ when: 'otherwise', c: convert(w.otherwise) });
  }
  const kept = branches.filter((b) => !b.c.omit);
  if (!kept.length) return { schema: {}, required: false, omit: true };
  const allRequired = outerRequired || (kept.length === branches.length && kept.every((b) => b.c.required));
  let schema: JsonSchema;
  if (kept.length === 1) {
    schema = { ...kept[0]!.c.schema };
    if (kept[0]!.c.required && !allRequired) addDescription(schema, `Required ${kept[0]!.when}; ignored otherwise.`);
    else if (kept.length < branches.length) addDescription(schema, `Used ${kept[0]!.when}; ignored otherwise.`);
  } else {
    schema = {
      anyOf: kept.map((b) => {
        const s = { ...b.c.schema };
        addDescription(s, `(${b.when})`);
        return s;
      }),
    };
  }
  return { schema, required: allRequired, omit: false };
}
