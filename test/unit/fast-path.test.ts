import { expect } from 'chai';
import fc from 'fast-check';
import Joi from 'joi';
import * as chat from '../../src/schemas/chat.schemas.js';
import * as members from '../../src/schemas/members.schemas.js';
import * as moderation from '../../src/schemas/moderation.schemas.js';
import { VALIDATE_PREFS, codePoints, opaqueId, text, validate } from '../../src/schemas/common.js';
import { compileFastCheck, fastCustom } from '../../src/schemas/fast-path.js';

/** Every schema the operations validate with (they all live in these three modules). */
const schemas = Object.entries({ ...chat, ...members, ...moderation } as Record<string, unknown>).filter((e): e is [string, Joi.Schema] => Joi.isSchema(e[1]));
/** And a few bare ones, where no other rule hides a mistake (joi refuses '' in a plain string). */
const bare: Array<[string, Joi.Schema]> = [
  ['bare string', Joi.object({ a: Joi.string(), b: Joi.boolean().required() })],
  ['trimmed digits', Joi.object({ a: Joi.string().trim().pattern(/^\d+$/i).required() })],
  ['bounded', Joi.object({ a: Joi.string().min(2).max(33).required(), b: text(2, 64) })],
];
const compiled = [...schemas, ...bare].map(([name, schema]) => ({ name, schema, check: compileFastCheck(schema) })).filter((c) => c.check !== null);

// Values that sit on the edges joi cares about: whitespace joi trims, control characters, surrogate
// halves and pairs, lengths around every limit in the schemas, digit strings around int8.
const edgeChars = fc.constantFrom('a', 'Z', '0', '-', '_', ' ', '\t', '\n', '\r', '\u00a0', '\u2028', '\ufeff', '\u0000', '\u001f', '\u007f', '\u0085', '😀', '\ud83d', '\ude00', '"', '\\', '@', '.');
const str = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', '1', '-', 'x', '7'), minLength: 1, maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: edgeChars, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(' ', '\t', '\n', '\u3000', ''), fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom(' ', '\n', '\u00a0', '')).map(([a, b, c]) => a + b + c) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', '😀', 'é', '\ud800'), fc.constantFrom(1, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 1999, 2000, 2001, 4096, 4097)).map(([c, n]) => c.repeat(n)) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => String(n)) },
  { weight: 1, arbitrary: fc.constantFrom('9223372036854775807', '9223372036854775808', '0000000000000000001', 'user@example.com', '+886912345678', 'spam', 'harassment', 'true', 'false', 'other') },
);
const value = fc.oneof(
  { weight: 8, arbitrary: str },
  { weight: 1, arbitrary: fc.oneof(fc.boolean(), fc.integer(), fc.double(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 })) },
);
const extraKey = fc.constantFrom('__proto__', 'constructor', 'extra', 'ROOM_ID', 'toString');

/** Inputs with the schema's keys (each maybe missing), sometimes one key it does not know. */
function inputs(schema: Joi.Schema) {
  const keys = Object.keys((schema.describe() as { keys: Record<string, unknown> }).keys);
  const known = fc.record(Object.fromEntries(keys.map((k) => [k, value])), { requiredKeys: [] });
  return fc.tuple(known, fc.option(fc.tuple(extraKey, value), { freq: 5 })).map(([o, extra]) => {
    // JSON.parse makes `__proto__` an own key, as a request body or socket payload would have it.
    if (extra) return { ...o, ...(JSON.parse(JSON.stringify({ [extra[0]]: extra[1] ?? null })) as object) };
    return o as Record<string, unknown>;
  });
}

describe('validate(): the compiled check in front of joi (src/schemas/fast-path.ts)', () => {
  it('compiles the schemas of the hot socket events: send, typing and a room reference', () => {
    for (const s of [chat.send, chat.typing, chat.roomRef]) expect(compileFastCheck(s), s.describe().type).to.be.a('function');
    expect(compiled.length).to.be.at.least(9);
  });

  it('takes a usual chat message and typing notice without joi, and returns them as they are', () => {
    const msg = { room_id: 'r_8f7c2d0e', content: 'hi there 😀\nsecond line', client_msg_id: '3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f' };
    expect(compileFastCheck(chat.send)!(msg)).to.equal(true);
    expect(validate(chat.send, msg)).to.equal(msg);
    const typing = { room_id: 'r1', typing: false };
    expect(compileFastCheck(chat.typing)!(typing)).to.equal(true);
  });

  it('leaves to joi what joi would change or refuse: untrimmed text, unknown keys, strings for booleans, too long', () => {
    const send = compileFastCheck(chat.send)!;
    const ok = { room_id: 'r1', content: 'hi', client_msg_id: 'c1' };
    for (const bad of [{ ...ok, content: ' hi' }, { ...ok, content: 'hi\n' }, { ...ok, extra: 1 }, { ...ok, content: 'x'.repeat(2001) }, { ...ok, content: '😀'.repeat(2001) }, { ...ok, room_id: '' }, { ...ok, client_msg_id: 'a b' }, { room_id: 'r1', content: 'hi' }])
      expect(send(bad), JSON.stringify(bad).slice(0, 60)).to.equal(false);
    expect(send({ ...ok, content: '😀'.repeat(2000) }), '2000 emoji are 2000 characters').to.equal(true);
    expect(compileFastCheck(chat.typing)!({ room_id: 'r1', typing: 'true' })).to.equal(false);
    expect(compileFastCheck(Joi.object({ a: Joi.string() }))!({ a: '' }), 'joi refuses an empty string').to.equal(false);
    // joi's answer for them is unchanged: trimmed, stripped, converted, or the same error.
    expect(validate(chat.send, { ...ok, content: ' hi ', extra: 1 })).to.deep.equal(ok);
    expect(validate(chat.typing, { room_id: 'r1', typing: 'true' })).to.deep.equal({ room_id: 'r1', typing: true });
    expect(() => validate(chat.send, { ...ok, content: ' ' })).to.throw('content must not be empty');
  });

  it('leaves to joi what JSON cannot carry: class instances, hidden, inherited or getter keys', () => {
    const ref = compileFastCheck(chat.roomRef)!;
    expect(ref(Object.assign(Object.create(null) as object, { room_id: 'r1' }) as Record<string, unknown>), 'a null-prototype object is fine').to.equal(true);
    expect(ref(Object.defineProperty({}, 'room_id', { value: 'r1' })), 'not enumerable').to.equal(false);
    expect(ref(Object.defineProperty({}, 'room_id', { get: () => 'r1', enumerable: true })), 'a getter').to.equal(false);
    expect(ref(Object.create({ room_id: 'r1' }) as Record<string, unknown>), 'inherited').to.equal(false);
    class Ref { room_id = 'r1'; }
    expect(ref(new Ref() as unknown as Record<string, unknown>), 'a class instance').to.equal(false);
    expect(compileFastCheck(chat.none)!(new Date() as unknown as Record<string, unknown>)).to.equal(false);
  });

  it('compiles nothing built with an extended joi, and a throwing twin leaves the answer to joi', () => {
    const lower = Joi.extend({ type: 'string', base: Joi.string(), coerce: { from: 'string', method: (v: string) => ({ value: v.toLowerCase() }) } });
    expect(compileFastCheck(lower.object({ a: lower.string() }))).to.equal(null);
    expect(compileFastCheck(Joi.object({ a: lower.string() }))).to.equal(null);
    const boom = fastCustom((v: string) => v, () => {
      throw new Error('twin failed');
    });
    const schema = Joi.object({ a: Joi.string().custom(boom) });
    expect(compileFastCheck(schema)!({ a: 'x' })).to.equal(false);
    expect(validate(schema, { a: 'x' })).to.deep.equal({ a: 'x' });
  });

  it('compiles nothing it does not understand: defaults, numbers, allowed values, unknown custom rules, byte lengths', () => {
    expect(compileFastCheck(chat.list), 'numbers with defaults').to.equal(null);
    expect(compileFastCheck(Joi.object({ a: Joi.string().valid('x', 'y') }))).to.equal(null);
    expect(compileFastCheck(Joi.object({ a: Joi.string().allow('') }))).to.equal(null);
    expect(compileFastCheck(Joi.object({ a: Joi.string().custom((v: string) => v.toUpperCase()) }))).to.equal(null);
    expect(compileFastCheck(Joi.object({ a: Joi.string().max(10, 'utf8') }))).to.equal(null);
    expect(compileFastCheck(Joi.object({ a: Joi.string().pattern(/x/, { invert: true }) }))).to.equal(null);
    expect(compileFastCheck(Joi.object({ a: Joi.string().lowercase() }))).to.equal(null);
    expect(compileFastCheck(Joi.object({ a: opaqueId() }).unknown(true))).to.equal(null);
    expect(compileFastCheck(Joi.object({ a: Joi.object({ b: Joi.string() }) }))).to.equal(null);
    expect(compileFastCheck(Joi.object({ a: Joi.string().custom(fastCustom((v: string) => v, () => true)) }))).to.be.a('function');
  });

  it('never takes an input that joi would refuse or change, for every compiled schema (generated inputs)', () => {
    let taken = 0;
    for (const { name, schema, check } of compiled) {
      const joi = schema.prefs(VALIDATE_PREFS);
      fc.assert(
        fc.property(inputs(schema), (input) => {
          if (!check!(input)) return;
          taken++;
          const { value, error } = joi.validate(input);
          expect(error?.message, `${name}: joi refused what the check took`).to.equal(undefined);
          expect(value, `${name}: joi changed what the check took`).to.deep.equal(input);
        }),
        { numRuns: 3000 },
      );
    }
    expect(taken, 'the generated inputs include many the check takes').to.be.above(1000);
  });

  it('counts code points as the spread operator does, lone surrogates included', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', '😀', '\ud83d', '\ude00', 'é', '\u0301') , maxLength: 30 }), (s) => void expect(codePoints(s)).to.equal([...s].length)), { numRuns: 3000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (s) => void expect(codePoints(s)).to.equal([...s].length)));
    const t = text(1, 3).prefs(VALIDATE_PREFS);
    expect(t.validate('😀😀😀').error).to.equal(undefined);
    expect(t.validate('😀😀😀😀').error?.message).to.contain('at most 3');
  });
});
