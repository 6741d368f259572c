import JoiBase from 'joi';

/**
 * A quick "joi would take this exactly as it is" check for flat schemas, compiled once from the
 * schema's own `describe()`. `validate()` (common.ts) asks it first and returns the input
 * untouched when it says yes; for anything else (a bad value, a value joi would change by
 * trimming or stripping, a schema it does not understand) joi runs as before and gives the answer
 * and the error messages. So the check can only ever say yes too rarely, never wrongly, as long
 * as each thing it accepts is something joi accepts unchanged:
 *
 * - the schema is an object whose keys are strings or booleans, with `required`/optional presence,
 *   no defaults, no `allow`/`valid`/`invalid`, and preferences that only set messages;
 * - a string rule is one of `min`, `max` (UTF-16 units, as joi counts), `pattern` (not inverted),
 *   `trim` (the value must already be trimmed) or a `custom` rule whose accepting twin was
 *   registered with `fastCustom` (the same check, see `text()` in common.ts); joi refuses an empty
 *   string unless it is allowed, so the check does too;
 * - the input is a plain object (prototype `Object.prototype` or null) with no key the schema does
 *   not know (joi would strip it), and each value an own, enumerable data property (what JSON
 *   gives; a getter, a hidden or an inherited key goes to joi);
 * - the schema and its keys are built with the base joi (an extension may coerce values).
 *
 * Why: joi's generic walk was 7 µs of a chat message's ~50 µs of server CPU at saturation; this
 * check takes well under 1 µs (docs/performance.md section 10). test/unit/fast-path.test.ts checks,
 * over thousands of generated inputs for every schema that compiles, that whatever the check takes,
 * joi takes unchanged.
 */

type Accepts = (v: unknown) => boolean;
export type FastCheck = (input: Record<string, unknown>) => boolean;

interface Described {
  type?: string;
  flags?: Record<string, unknown>;
  rules?: Array<{ name: string; args?: Record<string, unknown> }>;
  preferences?: Record<string, unknown>;
  keys?: Record<string, Described>;
  [other: string]: unknown;
}

const customs = new WeakMap<object, (v: string) => boolean>();

/**
 * Registers the accepting twin of a joi `custom` method: `accepts(v)` must be true exactly when the
 * method returns `v` unchanged (no error, no new value). Returns the method, for use in place.
 */
export function fastCustom<F extends object>(method: F, accepts: (v: string) => boolean): F {
  customs.set(method, accepts);
  return method;
}

/** Only these parts of a description may be present; anything else means "not compiled". */
const KNOWN_PARTS = new Set(['type', 'flags', 'rules', 'preferences', 'metas', 'keys']);

/** Nothing but known parts, and preferences that only set messages (for an object or a key). */
const plainParts = (d: Described): boolean =>
  Object.keys(d).every((k) => KNOWN_PARTS.has(k)) && (!d.preferences || Object.keys(d.preferences).every((k) => k === 'messages'));

function regexFrom(described: unknown): RegExp | null {
  if (typeof described !== 'string' || !described.startsWith('/')) return null;
  const end = described.lastIndexOf('/');
  const flags = described.slice(end + 1);
  if (end <= 0 || /[gy]/.test(flags)) return null;
  return new RegExp(described.slice(1, end), flags);
}

function stringCheck(d: Described): Accepts | null {
  const checks: Array<(v: string) => boolean> = [];
  for (const rule of d.rules ?? []) {
    const a = rule.args ?? {};
    switch (rule.name) {
      case 'min':
      case 'max': {
        const { limit } = a;
        if (typeof limit !== 'number' || Object.keys(a).length !== 1) return null; // an `encoding` counts bytes
        checks.push(rule.name === 'min' ? (v) => v.length >= limit : (v) => v.length <= limit);
        break;
      }
      case 'pattern': {
        const re = regexFrom(a.regex);
        const opts = (a.options ?? {}) as Record<string, unknown>;
        if (!re || Object.keys(opts).some((k) => k !== 'name')) return null;
        checks.push((v) => re.test(v));
        break;
      }
      case 'trim':
        if (a.enabled !== true) return null;
        checks.push((v) => v.trim() === v);
        break;
      case 'custom': {
        const accepts = customs.get(a.method as object);
        if (!accepts) return null;
        // A twin that throws says "no": joi then runs the rule and reports what went wrong.
        checks.push((v) => {
          try {
            return accepts(v);
          } catch {
            return false;
          }
        });
        break;
      }
      default:
        return null;
    }
  }
  return (v) => {
    if (typeof v !== 'string' || v === '') return false;
    for (const c of checks) if (!c(v)) return false;
    return true;
  };
}

function keyCheck(d: Described): { accepts: Accepts; required: boolean } | null {
  if (!plainParts(d) || d.keys) return null;
  const flags = d.flags ?? {};
  if (Object.keys(flags).some((k) => k !== 'presence') || (flags.presence !== undefined && flags.presence !== 'required' && flags.presence !== 'optional')) return null;
  const required = flags.presence === 'required';
  if (d.type === 'boolean') return d.rules?.length ? null : { accepts: (v) => typeof v === 'boolean', required };
  if (d.type === 'string') {
    const accepts = stringCheck(d);
    return accepts && { accepts, required };
  }
  return null;
}

/** The joi a schema was built with (an extension's root differs from the base one). */
const rootOf = (schema: JoiBase.Schema): unknown => (schema as unknown as { $_root?: unknown }).$_root;

/** The check for `schema`, or null when the schema has something the check does not understand. */
export function compileFastCheck(schema: JoiBase.Schema): FastCheck | null {
  if (rootOf(schema) !== JoiBase) return null;
  const d = schema.describe() as Described;
  if (d.type !== 'object' || !d.keys || !plainParts(d) || d.flags || d.rules) return null;
  const keys: Array<[string, Accepts, boolean]> = [];
  for (const [name, kd] of Object.entries(d.keys)) {
    const k = keyCheck(kd);
    if (!k || rootOf((schema as JoiBase.ObjectSchema).extract(name)) !== JoiBase) return null;
    keys.push([name, k.accepts, k.required]);
  }
  const known = new Set(keys.map(([name]) => name));
  return (input) => {
    const proto = Object.getPrototypeOf(input) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    for (const k in input) if (!known.has(k) || !Object.hasOwn(input, k)) return false;
    for (const [name, accepts, required] of keys) {
      const p = Object.getOwnPropertyDescriptor(input, name);
      if (p === undefined) {
        if (required) return false;
      } else if (!p.enumerable || !('value' in p) || p.value === undefined || !accepts(p.value)) return false;
    }
    return true;
  };
}
