/**
 * The compiled parser (handlers/kit/fast-parse.ts) against zod on hand-picked values at each check's boundary:
 * a bound itself and the values either side, lengths where UTF-16 units and code points differ, keys present with
 * `undefined`, defaults, prototype keys. The property suite next to the parser explores at random; these examples
 * run in a moment, so every edit of the compiler can be judged by them.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { compileParser, INVALID, safeParser } from '../../handlers/kit/fast-parse.ts';

/** The parser's answer is zod's: INVALID exactly when zod fails, else zod's data (key order included), input untouched. */
const agree = (schema: z.ZodType, parse: (v: unknown) => unknown, value: unknown): 'accepted' | 'rejected' => {
  const before = JSON.stringify(value);
  const actual = parse(value);
  expect(JSON.stringify(value)).toBe(before);
  const expected = schema.safeParse(value);
  if (!expected.success) {
    expect(actual, `zod refuses ${before}`).toBe(INVALID);
    return 'rejected';
  }
  expect(actual, `zod accepts ${before}`).not.toBe(INVALID);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected.data));
  expect(actual).toStrictEqual(expected.data);
  return 'accepted';
};

const compiled = (schema: z.ZodType): ((v: unknown) => unknown) => {
  const parse = compileParser(schema);
  if (parse === null) throw new Error('expected the schema to compile');
  return parse;
};

const emoji = '😀'; // one code point, two UTF-16 units
const withProto = JSON.parse('{"__proto__": 1, "a": "x"}');

/** Each schema with values on both sides of its rules; every case must see zod accept some and refuse some. */
const cases: Array<[string, z.ZodType, unknown[]]> = [
  ['gt/lt exclusive', z.number().gt(1).lt(3), [1, 1.0001, 2, 2.9999, 3, Number.NaN, Infinity, '2']],
  ['gte/lte inclusive', z.number().min(1).max(3), [0.9999, 1, 3, 3.0001, -0]],
  ['negative bounds', z.number().min(-2).max(-0.5), [-2, -2.1, -0.5, -0.4, 0]],
  ['int', z.int(), [1, 1.5, 2 ** 53, 2 ** 53 - 1, -(2 ** 53) + 1, -(2 ** 53), Infinity]],
  ['int32', z.int32(), [2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 1.5]],
  ['float32', z.float32(), [3.4e38, 3.5e38, -3.5e38, 1.5]],
  ['float64', z.float64(), [1e308, 1.5, Infinity]],
  ['multipleOf', z.number().multipleOf(0.1), [0.3, 0.35, 1, -0.2]],
  ['string', z.string(), ['', 'a', 1, null, undefined]],
  ['boolean', z.boolean(), [true, false, 0, 'true']],
  ['null', z.null(), [null, undefined, 0]],
  ['undefined', z.undefined(), [undefined, null]],
  ['min length in code points', z.string().min(3), ['ab', 'abc', `a${emoji}`, `a${emoji}b`, `${emoji}${emoji}`, `${emoji}${emoji}${emoji}`, 'abcdef']],
  ['max length in code points', z.string().max(2), ['ab', 'abc', `a${emoji}`, `${emoji}${emoji}`, `${emoji}${emoji}a`, '']],
  ['exact length', z.string().length(2), ['a', 'ab', 'abc', `${emoji}${emoji}`, `a${emoji}`, `${emoji}${emoji}${emoji}`, 'abcd']],
  ['array lengths', z.array(z.number()).min(1).max(2), [[], [1], [1, 2], [1, 2, 3], [1, 'a'], 'ab']],
  ['array exact', z.array(z.string()).length(2), [['a'], ['a', 'b'], ['a', 'b', 'c']]],
  ['array checked after an overwrite', z.array(z.string()).min(1).overwrite((a) => a.slice(0, 1)).max(1), [[], ['a'], ['a', 'b', 'c']]],
  ['array element overwrite', z.array(z.string().trim()).max(2), [[' a '], [' a ', 'b '], ['a', 'b', 'c'], [1]]],
  ['regex', z.string().regex(/^a+$/), ['a', 'aa', 'b', '']],
  ['global regex', z.string().regex(/a/g), ['a', 'ba', 'b', 'aa']],
  ['sticky regex', z.string().regex(/a/y), ['a', 'ba', 'ab']],
  ['includes at a position', z.string().includes('b', { position: 1 }), ['ab', 'ba', 'b', 'aab']],
  ['includes anywhere', z.string().includes('"b\\'), ['x"b\\y', 'b']],
  ['starts and ends', z.string().startsWith('a"').endsWith('z\n'), ['a"z\n', 'a"', 'z\n', 'a"xz\n', 'ba"z\n']],
  ['lower and upper', z.object({ l: z.string().lowercase(), u: z.string().uppercase() }), [{ l: 'ab', u: 'AB' }, { l: 'Ab', u: 'AB' }, { l: 'ab', u: 'aB' }]],
  ['formats', z.object({ e: z.email(), u: z.uuid(), d: z.iso.date() }), [
    { e: 'a@b.io', u: '00000000-0000-4000-8000-000000000000', d: '2025-02-28' },
    { e: 'a@b', u: '00000000-0000-4000-8000-000000000000', d: '2025-02-28' },
    { e: 'a@b.io', u: 'x', d: '2025-02-28' },
    { e: 'a@b.io', u: '00000000-0000-4000-8000-000000000000', d: '2025-02-30' },
  ]],
  ['small string enum', z.enum(['a', 'b"']), ['a', 'b"', 'c', 0]],
  ['large enum', z.enum(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']), ['a', 'i', 'j']],
  ['eight values', z.enum(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']), ['a', 'h', 'i']],
  ['number literal', z.literal([1, 2]), [1, 2, 3, '1']],
  ['mixed literal', z.literal(['a', 1]), ['a', 1, '1']],
  ['optional', z.string().optional(), [undefined, 'a', null]],
  ['exact optional', z.object({ a: z.string().exactOptional() }), [{}, { a: 'x' }, { a: undefined }]],
  ['nullable', z.number().nullable(), [null, 1, undefined]],
  ['default', z.number().default(4), [undefined, 5, null]],
  ['default and its checks', z.string().min(2).default('x'), [undefined, 'ab', 'a']],
  ['optional over default', z.number().default(4).optional(), [undefined, 5, 'a']],
  ['optional over a failing default', z.string().min(3).default('x').optional(), [undefined, 'abc', 'ab']],
  ['pipe', z.string().pipe(z.string().min(2)), ['ab', 'a', 1]],
  ['pipe through a transform', z.string().transform((s) => s.length).pipe(z.number().max(2)), ['ab', 'abc', 1]],
  ['transform with an issue', z.number().transform((n, ctx) => {
    if (n < 0) ctx.addIssue({ code: 'custom', message: 'negative' });
    return n * 2;
  }), [1, -1, 'a']],
  ['refine', z.number().refine((n) => n !== 3), [2, 3]],
  ['superRefine that changes nothing but adds an issue', z.string().superRefine((s, ctx) => {
    if (s === 'no') ctx.addIssue({ code: 'custom', message: 'no' });
  }), ['yes', 'no']],
  ['checks around a refinement', z.string().min(2).refine((s) => s !== 'ab').max(3), ['a', 'ab', 'abc', 'abcd']],
  ['overwrite then checks', z.string().trim().toLowerCase().min(2).startsWith('a'), [' AB ', ' A ', 'BA', 'ab']],
  ['union: the first that succeeds', z.union([z.string().transform((s) => `s:${s}`), z.string()]), ['x', 1]],
  ['union of shapes', z.union([z.object({ a: z.number() }), z.object({ b: z.string() })]), [{ a: 1 }, { b: 'x' }, { a: 'x' }, {}, { a: 1, b: 'x' }]],
  ['single option union', z.union([z.number()]), [1, 'a']],
  ['discriminated', z.discriminatedUnion('k', [z.object({ k: z.literal('a'), n: z.number() }), z.object({ k: z.literal(['b', 'c']), s: z.string() })]), [
    { k: 'a', n: 1 }, { k: 'b', s: 'x' }, { k: 'c', s: 'y' }, { k: 'a', s: 'x' }, { k: 'd' }, null, [], 'a', { n: 1 },
  ]],
  ['tuple', z.tuple([z.string(), z.number()]), [['a', 1], ['a'], ['a', 1, 2], ['a', 'b'], {}]],
  ['tuple with rest', z.tuple([z.string()], z.number()), [['a'], ['a', 1, 2], ['a', 'b'], [], [1]]],
  ['object', z.object({ a: z.string(), b: z.number().optional(), c: z.number().default(1) }), [
    { a: 'x' }, { a: 'x', b: 2, c: 3, d: 4 }, { a: 'x', b: undefined }, { b: 1 }, { a: undefined }, null, [], 'x', withProto,
  ]],
  ['optional key over an optional-out schema', z.object({ a: z.string().optional().default('d') }), [{}, { a: undefined }, { a: 'x' }, { a: 1 }]],
  ['required key that may be undefined', z.object({ u: z.unknown(), n: z.undefined() }), [{}, { u: undefined }, { u: 1, n: undefined }, { n: undefined }]],
  ['optional-in key with undefined out', z.object({ a: z.undefined().optional() }), [{}, { a: undefined }, { a: 1 }]],
  ['strict object', z.strictObject({ a: z.number() }), [{ a: 1 }, { a: 1, b: 2 }, withProto, JSON.parse('{"a":1,"__proto__":{}}')]],
  ['loose object', z.looseObject({ a: z.number() }), [{ a: 1, b: 2 }, { a: 'x' }, JSON.parse('{"a":1,"__proto__":{"x":1}}')]],
  ['catchall', z.object({ a: z.number() }).catchall(z.string()), [{ a: 1, b: 'x' }, { a: 1, b: 2 }, JSON.parse('{"a":1,"__proto__":2}')]],
  ['record', z.record(z.string().min(2), z.number()), [{}, { ab: 1 }, { a: 1 }, { ab: 'x' }, [], null, withProto, { ab: 1, cd: 2 }]],
  ['record of enum keys', z.record(z.enum(['a', 'b']), z.number()), [{ a: 1, b: 2 }, { a: 1 }, { a: 1, b: 2, c: 3 }, {}]],
  ['partial record of enum keys', z.partialRecord(z.enum(['a', 'b']), z.number()), [{ a: 1 }, {}, { c: 1 }, { a: 'x' }]],
  ['loose record', z.looseRecord(z.string().regex(/^x/), z.number()), [{ x1: 1 }, { y: 'anything' }, { x1: 'no' }, JSON.parse('{"__proto__": 1}')]],
  ['record of numeric keys', z.record(z.number().int(), z.string()), [{ 1: 'a' }, { a: 'b' }, { 1.5: 'a' }, { '-1': 'x' }]],
  ['record of literal number keys', z.record(z.literal([1, 2]), z.string()), [{ 1: 'a', 2: 'b' }, { 1: 'a' }, { 1: 'a', 2: 'b', 3: 'c' }]],
  ['record with a __proto__ enum key', z.record(z.enum(['__proto__', 'a']), z.number()), [{ a: 1 }, JSON.parse('{"a":1,"__proto__":2}'), {}]],
  ['coerced number', z.coerce.number().min(1), ['1', '', '0', 'x', 2, null, true, Symbol('s')]],
  ['coerced string', z.coerce.string().max(2), [12, 123, null, undefined, 'ab']],
  ['coerced boolean', z.object({ b: z.coerce.boolean() }), [{ b: '' }, { b: 'x' }, { b: 0 }, { b: 1 }, null]],
  ['optional in, required out (a transform of an optional)', z.object({ t: z.string().optional().transform((x) => x ?? 'none') }), [{}, { t: undefined }, { t: 'a' }, { t: 1 }]],
  ['discriminator value two options share names neither', z.discriminatedUnion('k', [z.object({ k: z.literal('a').optional() }), z.object({ k: z.literal('b').optional() })]), [{}, { k: 'a' }, { k: 'b' }]],
  ['loose record of enum keys', z.looseRecord(z.enum(['a', 'b']), z.number()), [{ a: 1, b: 2, c: 'x' }, { a: 1 }, { a: 1, b: 'x' }, JSON.parse('{"a":1,"b":2,"__proto__":3}')]],
  ['any and unknown', z.object({ a: z.any(), u: z.unknown() }), [{}, { a: 1, u: [1] }, null]],
  ['never', z.object({ a: z.never().optional() }), [{}, { a: 1 }]],
  ['nested keys needing escapes', z.object({ 'a"b': z.number(), 'c\\d': z.object({ '\n': z.string() }) }), [{ 'a"b': 1, 'c\\d': { '\n': 'x' } }, { 'a"b': 1, 'c\\d': {} }]],
  ['shared sub-schema', (() => {
    const money = z.number().int().min(0);
    return z.object({ a: money, b: money, c: z.union([money, z.string()]), d: z.union([money, z.null()]) });
  })(), [{ a: 1, b: 2, c: 3, d: null }, { a: 1, b: -2, c: 'x', d: 4 }, { a: 1, b: 2, c: -1, d: 5 }, { a: 1, b: 2, c: 1, d: -1 }]],
];

describe('compileParser agrees with safeParse at the boundaries', () => {
  for (const [name, schema, values] of cases) {
    it(name, () => {
      const parse = compiled(schema);
      const outcomes = new Set(values.map((value) => agree(schema, parse, value)));
      expect(outcomes).toEqual(new Set(['accepted', 'rejected']));
    });
  }

  it('defaults are fresh per parse and the default function runs each time', () => {
    let n = 0;
    const parse = compiled(z.object({ list: z.array(z.string()).default(['x']), n: z.number().default(() => ++n) }));
    const a = parse({}) as { list: string[] };
    const b = parse({}) as { list: string[] };
    expect(a).toStrictEqual({ list: ['x'], n: 1 });
    expect(b).toStrictEqual({ list: ['x'], n: 2 });
    expect(a.list).not.toBe(b.list);
  });

  it('a value undefined after its default still counts as present where zod says so', () => {
    const schema = z.object({ a: z.string().optional().default(undefined as unknown as string) });
    const parse = compiled(schema);
    for (const value of [{}, { a: undefined }]) agree(schema, parse, value);
    expect(Object.keys(parse({}) as object)).toEqual(Object.keys(schema.parse({})));
  });
});

describe('what the compiler refuses', () => {
  const refused: Record<string, z.ZodType> = {
    lazy: z.lazy(() => z.string()),
    catch: z.string().catch('x'),
    prefault: z.string().prefault('x'),
    bigint: z.bigint(),
    date: z.date(),
    url: z.url(),
    ipv6: z.ipv6(),
    base64: z.base64(),
    'a refinement with when': z.string().refine(() => true, { when: () => true }),
    'a length check with when': z.string().check(z.minLength(2, { when: () => false } as object)),
    'a discriminated union with a fallback': z.discriminatedUnion('k', [z.object({ k: z.literal('a') })], { unionFallback: true }),
    'an exclusive union': z.xor([z.string(), z.number()]),
    'a coerced bigint': z.coerce.bigint(),
    'a tuple with an optional item': z.tuple([z.string(), z.number().optional()]),
    'a shape with a symbol key': z.object({ [Symbol('s')]: z.string() } as never),
    'a shape declaring __proto__': z.object(JSON.parse('{"__proto__": null}') as never),
    'a string check on a number': z.number().check(z.minLength(1) as never),
    'a number check on a string': z.string().check(z.gt(1) as never),
    'a map': z.map(z.string(), z.string()),
    'an intersection': z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })),
    recursive: (() => {
      const node: z.ZodType = z.object({
        get next() {
          return node.optional();
        },
      });
      return node;
    })(),
    'a bigint bound on a number': z.number().check(z.gt(1n) as never),
    'a discriminated option without a literal tag': z.discriminatedUnion('k', [z.object({ k: z.literal('a') }), z.object({ k: z.string() })]),
    'a record keyed by a symbol': z.record(z.literal(Symbol.for('s') as never) as never, z.string()),
  };
  for (const [name, schema] of Object.entries(refused)) {
    it(name, () => {
      expect(compileParser(schema)).toBeNull();
      expect(compileParser(z.object({ nested: schema }))).toBeNull();
    });
  }

  it('an error that is not about support is thrown, not hidden', () => {
    const broken = z.string();
    const traits = (broken as unknown as { _zod: { traits: Set<string> } })._zod.traits;
    const poisoned = { _zod: { def: { type: 'string' }, get traits(): Set<string> { throw new TypeError('poisoned'); } } } as unknown as z.ZodType;
    expect(traits.size).toBeGreaterThan(0);
    expect(() => compileParser(poisoned)).toThrow('poisoned');
  });
});

describe('values only zod\'s own code can judge', () => {
  it('an asynchronous refinement leaves the answer to zod, which throws', () => {
    const schema = z.string().refine(async () => true);
    expect(compiled(schema)('a')).toBe(INVALID);
    expect(() => schema.safeParse('a')).toThrow();
  });

  it('an empty enum accepts nothing', () => {
    const schema = z.enum([] as unknown as [string]);
    const parse = compiled(schema);
    for (const value of ['', 'a', undefined]) expect(agree(schema, parse, value)).toBe('rejected');
  });
});

describe('safeParser', () => {
  it('answers as safeParse does: the compiled parser\'s data, else zod\'s errors', () => {
    const schema = z.object({ a: z.string().trim() });
    const check = safeParser(schema);
    expect(check({ a: ' x ' })).toEqual({ success: true, data: { a: 'x' } });
    const failed = check({ a: 1 });
    expect(failed.success).toBe(false);
    expect(failed.success ? [] : failed.error.issues.map((i) => i.path.join('.'))).toEqual(['a']);
  });

  it('falls back to zod for a schema the compiler refuses', () => {
    const check = safeParser(z.object({ when: z.date() }));
    expect(check({ when: new Date(0) })).toEqual({ success: true, data: { when: new Date(0) } });
    expect(check({ when: 'x' }).success).toBe(false);
  });
});
