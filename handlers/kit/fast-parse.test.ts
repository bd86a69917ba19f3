import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { compareRequest, marginRequest } from '../analysis/margin.ts';
import { endpoints } from '../registry.ts';
import { compileParser, INVALID } from './fast-parse.ts';

// ------------------------------------------------------------------------------------------- the contract

type Outcome = 'accepted' | 'rejected';

/** Asserts the contract for one input: INVALID exactly when zod fails, else zod's data (key order included), input untouched. */
const agree = (schema: z.ZodType, parse: (v: unknown) => unknown, value: unknown): Outcome => {
  const before = JSON.stringify(value);
  const actual = parse(value);
  expect(JSON.stringify(value)).toBe(before);
  const expected = schema.safeParse(value);
  if (!expected.success) {
    expect(actual).toBe(INVALID);
    return 'rejected';
  }
  expect(actual).not.toBe(INVALID);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected.data));
  expect(actual).toStrictEqual(expected.data);
  return 'accepted';
};

const compiled = (schema: z.ZodType): ((v: unknown) => unknown) => {
  const parse = compileParser(schema);
  if (parse === null) throw new Error('expected the schema to compile');
  return parse;
};

// ----------------------------------------------------------------------------- valid values, from the schema

type Def = { type: string; checks?: { _zod: { def: CheckDef } }[]; [key: string]: unknown };
type CheckDef = { check: string; format?: string; value?: number; inclusive?: boolean; minimum?: number; maximum?: number; length?: number; pattern?: RegExp; prefix?: string; suffix?: string; includes?: string };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;
/** The checks zod runs on a node: the node itself when it is a format, then its listed checks. */
const checksOf = (schema: unknown): CheckDef[] => {
  const def = defOf(schema);
  return [...(typeof def.check === 'string' ? [def as unknown as CheckDef] : []), ...(def.checks ?? []).map((c) => c._zod.def)];
};

// Code units that make code points and UTF-16 length differ, so length checks are tested on both measures.
const unit = fc.constantFrom('a', 'Z', '7', '.', 'é', ' ', '😀', '\u{10000}', '\uD83D');
const text = (minLength = 0, maxLength = 6) => fc.array(unit, { minLength, maxLength }).map((units) => units.join(''));
const isoDate = fc.record({ y: fc.integer({ min: 1890, max: 2110 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }) }).map(({ y, m, d }) => {
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, days)).padStart(2, '0')}`;
});

const stringArb = (schema: unknown): fc.Arbitrary<string> => {
  const checks = checksOf(schema);
  const find = (name: string) => checks.find((c) => c.check === name || c.format === name);
  if (find('date')) return isoDate;
  if (find('datetime')) return fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  // Formats and regexes; lowercase and the affix checks also carry a pattern, but are composed below.
  const patterned = checks.find((c) => c.pattern && !['lowercase', 'uppercase', 'includes', 'starts_with', 'ends_with'].includes(c.format ?? ''));
  // fast-check cannot generate from a case-insensitive regex; what matches it without the flag matches it with it.
  if (patterned?.pattern) return fc.stringMatching(new RegExp(patterned.pattern.source, patterned.pattern.flags.replace('i', '')));
  const exact = find('length_equals')?.length;
  const min = exact ?? find('min_length')?.minimum ?? 0;
  const max = exact ?? find('max_length')?.maximum ?? Math.max(min, 6);
  const prefix = find('starts_with')?.prefix ?? '';
  const suffix = find('ends_with')?.suffix ?? '';
  const includes = find('includes')?.includes;
  const lower = find('lowercase') ? (s: string) => s.toLowerCase() : (s: string) => s;
  if (includes !== undefined) return fc.tuple(text(0, 2), text(0, 2)).map(([a, b]) => lower(`${prefix}${a}${includes}${b}${suffix}`));
  return text(Math.max(0, min - prefix.length - suffix.length), Math.max(0, max - prefix.length - suffix.length)).map((s) => lower(`${prefix}${s}${suffix}`));
};

const numberArb = (schema: unknown): fc.Arbitrary<number> => {
  let min = -1e6;
  let max = 1e6;
  let minExcluded = false;
  let maxExcluded = false;
  let int = false;
  let step: number | undefined;
  for (const c of checksOf(schema)) {
    if (c.check === 'greater_than' && c.value !== undefined) [min, minExcluded] = [c.value, !c.inclusive];
    if (c.check === 'less_than' && c.value !== undefined) [max, maxExcluded] = [c.value, !c.inclusive];
    if (c.check === 'number_format' && c.format?.includes('int')) int = true;
    if (c.check === 'multiple_of') step = c.value;
  }
  if (step !== undefined) {
    const s = step;
    return fc.integer({ min: Math.ceil(min / s), max: Math.floor(max / s) }).map((k) => k * s);
  }
  if (int) return fc.integer({ min: Math.ceil(min) + (minExcluded && Number.isInteger(min) ? 1 : 0), max: Math.floor(max) - (maxExcluded && Number.isInteger(max) ? 1 : 0) });
  return fc.double({ min, max, minExcluded, maxExcluded, noNaN: true, noDefaultInfinity: true });
};

const endsInTransform = (schema: unknown): boolean => {
  const def = defOf(schema);
  return def.type === 'transform' || (def.type === 'pipe' && endsInTransform(def.out));
};

/** Values the schema should accept (the oracle, zod, decides); optional and defaulted keys come and go. */
const validArb = (schema: unknown): fc.Arbitrary<unknown> => {
  const def = defOf(schema);
  const inner = () => validArb(def.innerType);
  switch (def.type) {
    case 'string': {
      // Around a trimmed string, blanks the trim removes.
      if (!checksOf(schema).some((c) => c.check === 'overwrite')) return stringArb(schema);
      return fc.tuple(fc.constantFrom('', ' ', '\t '), stringArb(schema), fc.constantFrom('', ' ', '\n')).map(([a, b, c]) => `${a}${b}${c}`);
    }
    case 'number':
      // A coerced number also comes as text, as query parameters do.
      return def.coerce ? numberArb(schema).chain((n) => fc.constantFrom<unknown>(n, String(n))) : numberArb(schema);
    case 'boolean':
      return def.coerce ? fc.jsonValue({ maxDepth: 0 }) : fc.boolean();
    case 'transform':
      return fc.jsonValue({ maxDepth: 1 });
    case 'pipe':
      // After a transform, values the output side accepts (the transforms here pass those through); else the input side's.
      return validArb(endsInTransform(def.in) ? def.out : def.in);
    case 'null':
      return fc.constant(null);
    case 'unknown':
    case 'any':
      return fc.jsonValue({ maxDepth: 2 });
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, string>));
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'optional':
    case 'default':
      return fc.option(inner(), { nil: undefined, freq: 3 });
    case 'nullable':
      return fc.option(inner(), { nil: null, freq: 3 });
    case 'union':
      return fc.oneof(...(def.options as unknown[]).map(validArb));
    case 'tuple': {
      const items = fc.tuple(...(def.items as unknown[]).map(validArb));
      return def.rest ? fc.tuple(items, fc.array(validArb(def.rest), { maxLength: 3 })).map(([a, b]) => [...a, ...b]) : items;
    }
    case 'array': {
      const checks = checksOf(schema);
      const exact = checks.find((c) => c.check === 'length_equals')?.length;
      const minLength = exact ?? checks.find((c) => c.check === 'min_length')?.minimum ?? 0;
      const maxLength = exact ?? Math.min(checks.find((c) => c.check === 'max_length')?.maximum ?? 4, minLength + 4);
      return fc.array(validArb(def.element), { minLength, maxLength });
    }
    case 'record': {
      const keyDef = defOf(def.keyType);
      if (keyDef.type === 'enum' && !def.partial) return fc.record(Object.fromEntries(Object.values(keyDef.entries as Record<string, string>).map((k) => [k, validArb(def.valueType)])));
      return fc.dictionary(validArb(def.keyType) as fc.Arbitrary<string>, validArb(def.valueType), { maxKeys: 4 });
    }
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      const fields = fc.record(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, validArb(v)])));
      const catchall = def.catchall === undefined ? undefined : defOf(def.catchall).type === 'never' ? undefined : validArb(def.catchall);
      if (!catchall) return fields;
      return fc.tuple(fields, fc.dictionary(fc.constantFrom('x', 'y', 'extra'), catchall, { maxKeys: 2 })).map(([a, b]) => ({ ...b, ...a }));
    }
    default:
      throw new Error(`no generator for ${def.type}`);
  }
};

// ---------------------------------------------------------------------------------- mutations of valid values

const nextUp = (n: number, dir: 1 | -1): number => {
  if (n === 0) return dir * Number.MIN_VALUE;
  const buf = new Float64Array([n]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] = (bits[0] ?? 0n) + ((n > 0) === (dir > 0) ? 1n : -1n);
  return buf[0] ?? n;
};

/** What a JSON node may become: near misses of its own type (one step past a bound, a day that does not exist), wrong types, removals. */
const replacements = (value: unknown, pick: number): unknown[] => {
  if (typeof value === 'number') return [value + 1, value - 1, value + 0.5, value - 0.5, nextUp(value, 1), nextUp(value, -1), -value, 0, value * 1000, 2 ** 53, 1e308, String(value), null];
  if (typeof value === 'string') {
    return ['', `${value}x`, value.slice(1), ` ${value} `, ' \t', '12', ' 3 ', '1e3', 'true', 'x'.repeat(101), value.repeat(9), '2025-02-30', '2025-13-01', '2025-02-29', '2024-02-29', '2025-6-1', value.toUpperCase(), `${value}😀😀`, 'k', 7, null];
  }
  if (typeof value === 'boolean') return [!value, String(value), 0, null];
  if (value === null || value === undefined) return [0, '', false, {}, [], null];
  if (Array.isArray(value)) return [[], value.slice(1), [...value, ...value, ...value, ...value, ...value, ...value, ...value], [...value, value[0]], [null], {}, null, 'x'];
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const key = keys[pick % Math.max(1, keys.length)];
  const without = { ...obj };
  if (key !== undefined) delete without[key];
  const withProto = { ...obj };
  Object.defineProperty(withProto, '__proto__', { value: 1, enumerable: true, writable: true, configurable: true });
  return [without, { ...obj, extra: pick % 3 === 0 ? 'x' : pick }, { extra: 1, ...obj }, withProto, Object.fromEntries(Object.entries(obj).reverse()), {}, [], null];
};

type Step = [node: number, choice: number, pick: number];

const mutate = (root: unknown, steps: Step[]): unknown => {
  let value = structuredClone(root);
  for (const [node, choice, pick] of steps) {
    const nodes: { parent: Record<string, unknown> | unknown[] | null; key: string | number }[] = [{ parent: null, key: 0 }];
    const walk = (v: unknown): void => {
      if (v === null || typeof v !== 'object') return;
      for (const [k, child] of Object.entries(v)) {
        nodes.push({ parent: v as Record<string, unknown>, key: Array.isArray(v) ? Number(k) : k });
        walk(child);
      }
    };
    walk(value);
    const at = nodes[node % nodes.length];
    if (!at) continue;
    const current = at.parent === null ? value : (at.parent as Record<string | number, unknown>)[at.key];
    const options = replacements(current, pick);
    const next = options[choice % options.length];
    if (at.parent === null) value = next;
    else (at.parent as Record<string | number, unknown>)[at.key] = next;
  }
  return value;
};

/** JSON values: valid ones, and valid ones with one to three mutations. */
const inputs = (schema: unknown): fc.Arbitrary<unknown> => {
  const valid = validArb(schema);
  const step = fc.tuple(fc.nat(), fc.nat(), fc.nat()) as fc.Arbitrary<Step>;
  const mutated = fc.tuple(valid, fc.array(step, { minLength: 1, maxLength: 3 })).map(([v, steps]) => mutate(v, steps));
  return fc.oneof({ arbitrary: valid, weight: 1 }, { arbitrary: mutated, weight: 2 }).map((v) => (v === undefined ? null : JSON.parse(JSON.stringify(v))));
};

const runProperty = (schema: z.ZodType, numRuns: number): void => {
  const parse = compiled(schema);
  const seen = { accepted: 0, rejected: 0 };
  fc.assert(
    fc.property(inputs(schema), (value) => {
      seen[agree(schema, parse, value)]++;
    }),
    { numRuns },
  );
  // Both answers must be exercised, or the property proves little.
  expect(seen.accepted).toBeGreaterThan(numRuns / 10);
  expect(seen.rejected).toBeGreaterThan(numRuns / 10);
};

// ------------------------------------------------------------------------------------------- small schemas

const small: Record<string, z.ZodType> = {
  union: z.object({
    id: z.union([z.string().min(2).max(4), z.int().gt(0).lt(10), z.null()]),
    tag: z.union([z.literal('a'), z.object({ x: z.number() }), z.array(z.string()).max(1)]).optional(),
    first: z.union([z.object({ a: z.string() }), z.looseObject({ a: z.string(), b: z.number() })]).optional(),
  }),
  nullable: z.object({ n: z.number().positive().nullable(), s: z.string().max(3).nullable().optional(), d: z.number().nullable().default(null) }),
  literal: z.object({ kind: z.literal('fixed'), num: z.literal([1, 2, 3]), flag: z.literal(true), e: z.enum(['x', 'y', 'z']) }),
  record: z.object({
    byKey: z.record(z.string().min(1).max(3), z.int().min(0).max(9)),
    byEnum: z.record(z.enum(['x', 'y']), z.boolean()),
    partial: z.partialRecord(z.enum(['p', 'q']), z.string()).optional(),
    loose: z.looseRecord(z.string().regex(/^k/), z.number()).optional(),
  }),
  strict: z.strictObject({ a: z.string(), b: z.number().optional(), c: z.strictObject({ d: z.boolean().default(true) }).optional() }),
  loose: z.looseObject({ a: z.string(), inner: z.object({ c: z.boolean().default(false) }).optional() }),
  catchall: z.object({ a: z.string() }).catchall(z.int().min(0)),
  exclusive: z.object({
    gt: z.number().gt(0).lt(1),
    gte: z.number().gte(-5).lte(5),
    int: z.int().gt(-3).lt(3),
    neg: z.number().negative().optional(),
    mult: z.number().multipleOf(0.5).optional(),
    i32: z.int32().optional(),
    u32: z.uint32().optional(),
    f32: z.float32().optional(),
  }),
  defaults: z.object({
    obj: z.object({ a: z.int().default(1), b: z.string().optional() }).default({ a: 2 }),
    arr: z.array(z.string()).default(['x']),
    str: z.string().default('d'),
    defOpt: z.string().default('o').optional(),
    optDef: z.string().optional().default('x'),
    nested: z.object({ deep: z.object({ n: z.number().default(5) }).default({ n: 6 }) }).default({ deep: { n: 7 } }),
  }),
  arrays: z.object({
    some: z.array(z.int()).min(1).max(3),
    exact: z.array(z.boolean()).length(2),
    nested: z.array(z.array(z.string().max(2)).max(2)).optional(),
    tuple: z.tuple([z.string(), z.int()]),
    rest: z.tuple([z.boolean()], z.string()).optional(),
  }),
  strings: z.object({
    len: z.string().length(2),
    cp: z.string().min(2).max(3),
    affix: z.string().startsWith('ab').endsWith('z').includes('m'),
    lower: z.string().lowercase().max(4),
    dt: z.iso.datetime(),
    email: z.email(),
    uuid: z.uuid(),
    hs: z.string().regex(/^[0-9.]{4,13}$/),
  }),
  trimmed: z.object({
    name: z.string().trim().min(1).max(4),
    lower: z.string().toLowerCase().startsWith('a').optional(),
    both: z.string().trim().toUpperCase().max(3).optional(),
    list: z.array(z.string().trim().min(1)).max(2).optional(),
  }),
  coerced: z.object({
    n: z.coerce.number().int().min(1).max(100).default(50),
    f: z.coerce.number().optional(),
    s: z.coerce.string().max(3).optional(),
    b: z.coerce.boolean().optional(),
  }),
  refined: z
    .object({
      from: z.iso.date().refine((d) => d >= '1900-06-01', 'too early'),
      to: z.iso.date(),
      n: z.int().refine((n) => n !== 7).optional(),
    })
    .superRefine((v, ctx) => {
      if (v.to < v.from) ctx.addIssue({ code: 'custom', message: 'to before from', path: ['to'] });
    }),
  piped: z.object({
    tags: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean)))
      .pipe(z.array(z.enum(['a', 'b']))),
    last: z.preprocess((v) => (Array.isArray(v) ? v[v.length - 1] : v), z.coerce.number().int().min(1).max(9)).default(5),
    id: z.uuid().transform((t) => t.toLowerCase()),
    len: z.string().pipe(z.string().min(2)).optional(),
    checked: z
      .string()
      .transform((t, ctx) => {
        if (t === 'k') ctx.addIssue({ code: 'custom', message: 'k is refused' });
        return t.length;
      })
      .optional(),
  }),
  discriminated: z.object({
    shape: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('circle'), r: z.number().positive() }),
      z.strictObject({ kind: z.literal(['square', 'box']), side: z.int().min(1).max(9) }),
      z.object({ kind: z.literal(3), n: z.string().trim().min(1) }).superRefine((o, ctx) => {
        if (o.n === 'x') ctx.addIssue({ code: 'custom', message: 'x is refused' });
      }),
    ]),
  }),
  described: z.object({ a: z.string().describe('a string').meta({ id: 'FastParseA' }), b: z.int().min(1).describe('one or more') }).describe('described'),
};

// -------------------------------------------------------------------------------------------------- tests

describe('compileParser agrees with safeParse', () => {
  it('on marginRequest', () => runProperty(marginRequest, 3000));
  it('on compareRequest', () => runProperty(compareRequest, 2000));
  for (const [name, schema] of Object.entries(small)) it(`on the ${name} schema`, () => runProperty(schema, 2000));

  it('on hand-picked near misses of marginRequest', () => {
    const parse = compiled(marginRequest);
    const base = {
      saleDate: '2025-06-02',
      purchase: { unitPriceFen: 2350, quantity: 100 },
      exchange: { cnyKrw: 190, usdKrw: 1380, source: 'bank', asOf: '2024-02-29' },
      freight: { ratePerKgKrw: 4000, unitWeightGrams: 300 },
      selling: { channel: 'coupang_wing', salePriceKrw: 19_900 },
    };
    expect(agree(marginRequest, parse, base)).toBe('accepted');
    const cases: [string, (b: typeof base & Record<string, unknown>) => void][] = [
      ['bad day', (b) => (b.saleDate = '2025-02-30')],
      ['bad month', (b) => (b.saleDate = '2025-13-01')],
      ['not a leap year', (b) => (b.exchange.asOf = '2025-02-29')],
      ['quantity 0', (b) => (b.purchase.quantity = 0)],
      ['quantity past max', (b) => (b.purchase.quantity = 1_000_001)],
      ['fractional int', (b) => (b.purchase.quantity = 1.5)],
      ['rate just under min', (b) => (b.exchange.cnyKrw = nextUp(50, -1))],
      ['rate at min', (b) => (b.exchange.cnyKrw = 50)],
      ['source too long', (b) => (b.exchange.source = 'x'.repeat(101))],
      ['source of 100 astral code points', (b) => (b.exchange.source = '😀'.repeat(100))],
      ['empty source', (b) => (b.exchange.source = '')],
      ['no selling', (b) => delete (b as Record<string, unknown>).selling],
      ['unknown key', (b) => (b.extra = 1)],
      ['empty price tiers', (b) => ((b.purchase as Record<string, unknown>).priceTiers = [])],
      ['null customs', (b) => (b.customs = null)],
      ['rate override key too long', (b) => (b.rateOverrides = { ['k'.repeat(81)]: 1 })],
      ['rate override', (b) => (b.rateOverrides = { 'naver.fee': 2.5 })],
    ];
    for (const [, change] of cases) {
      const b = structuredClone(base) as typeof base & Record<string, unknown>;
      change(b);
      agree(marginRequest, parse, JSON.parse(JSON.stringify(b)));
    }
  });

  it('on values JSON cannot hold', () => {
    const odd = [undefined, Number.NaN, Infinity, -0, 2n, Symbol('s'), () => 1, new Date(0), Object.create(null), [1, , 3], new Map()];
    for (const schema of [...Object.values(small), marginRequest, z.string().default('d'), z.number().optional(), z.object({ u: z.undefined(), k: z.unknown() })]) {
      const parse = compiled(schema);
      for (const value of odd) {
        const expected = schema.safeParse(value);
        const actual = parse(value);
        expect(actual === INVALID).toBe(!expected.success);
        if (expected.success) expect(actual).toStrictEqual(expected.data);
      }
    }
  });
});

describe('defaults', () => {
  it('are fresh copies per parse, as zod makes them, and the inner schema does not run on them', () => {
    const schema = z.object({ list: z.array(z.string()).default(['x']), obj: z.object({ a: z.int() }).default({ a: 1.5 }) });
    const parse = compiled(schema);
    const a = parse({}) as { list: string[]; obj: object };
    const b = parse({}) as { list: string[]; obj: object };
    expect(a).toStrictEqual({ list: ['x'], obj: { a: 1.5 } });
    expect(a.list).not.toBe(b.list);
    expect(a.obj).not.toBe(b.obj);
  });

  it('call a function default on every parse', () => {
    let n = 0;
    const parse = compiled(z.object({ n: z.number().default(() => ++n) }));
    expect([parse({}), parse({}), parse({ n: 9 })]).toStrictEqual([{ n: 1 }, { n: 2 }, { n: 9 }]);
  });
});

describe('what runs the schema\'s own code', () => {
  it('an overwrite changes the value the checks after it see, not the ones before', () => {
    const trimThenMin = compiled(z.string().trim().min(2));
    const minThenTrim = compiled(z.string().min(2).trim());
    expect(trimThenMin(' a ')).toBe(INVALID);
    expect(minThenTrim(' a ')).toBe('a');
    expect(trimThenMin('  ab\n')).toBe('ab');
    expect(compiled(z.string().toLowerCase().startsWith('a'))('ABC')).toBe('abc');
  });

  it('coercion is as zod does it: Number(v), and a value Number refuses stays as it was', () => {
    const parse = compiled(z.coerce.number().int().min(1));
    expect(parse('12')).toBe(12);
    expect(parse(' 7 ')).toBe(7);
    expect(parse('')).toBe(INVALID); // Number('') is 0
    expect(parse('1.5')).toBe(INVALID);
    expect(parse(Symbol('s'))).toBe(INVALID); // Number(symbol) throws
    expect(compiled(z.coerce.string())(12)).toBe('12');
    expect(compiled(z.coerce.boolean())('')).toBe(false);
  });

  it('the output of a transform is the value; an issue it adds fails the parse', () => {
    const parse = compiled(small.piped as z.ZodType);
    const id = 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11';
    expect(parse({ id, tags: 'a, b,,a', last: ['3', '4'] })).toStrictEqual({ tags: ['a', 'b', 'a'], last: 4, id: id.toLowerCase() });
    expect(parse({ id, checked: 'abc' })).toStrictEqual({ tags: [], last: 5, id: id.toLowerCase(), checked: 3 });
    expect(parse({ id, checked: 'k' })).toBe(INVALID);
    expect(parse({ id, tags: 'a,c' })).toBe(INVALID);
  });

  it('a refinement fails on false or an added issue; an async one leaves the answer to zod, which throws', () => {
    expect(compiled(z.number().refine((n) => n > 1))(1)).toBe(INVALID);
    expect(compiled(z.number().refine((n) => n > 1))(2)).toBe(2);
    const asyncRefine = z.string().refine(async () => true);
    expect(compiled(asyncRefine)('a')).toBe(INVALID);
    expect(() => asyncRefine.safeParse('a')).toThrow();
  });

  it('a discriminated union parses the option its tag names, and fails on a tag no option has', () => {
    const parse = compiled(small.discriminated as z.ZodType);
    expect(parse({ shape: { kind: 'box', side: 3 } })).toStrictEqual({ shape: { kind: 'box', side: 3 } });
    expect(parse({ shape: { kind: 3, n: ' y ' } })).toStrictEqual({ shape: { kind: 3, n: 'y' } });
    expect(parse({ shape: { kind: 3, n: ' x ' } })).toBe(INVALID);
    expect(parse({ shape: { kind: 'box', side: 3, r: 1 } })).toBe(INVALID);
    expect(parse({ shape: { kind: 'triangle' } })).toBe(INVALID);
    expect(parse({ shape: [] })).toBe(INVALID);
    // A tag two options both leave out names neither: zod refuses the object even though each option would take it.
    const untagged = z.discriminatedUnion('kind', [z.object({ kind: z.literal('a').optional() }), z.object({ kind: z.literal('b').optional() })]);
    expect(agree(untagged, compiled(untagged), {})).toBe('rejected');
    expect(agree(untagged, compiled(untagged), { kind: 'b' })).toBe('accepted');
  });
});

describe('unsupported features make compileParser return null', () => {
  const skipAlways: object = { when: () => false };
  const unsupported: Record<string, z.ZodType> = {
    lazy: z.lazy(() => z.string()),
    catch: z.string().catch('x'),
    prefault: z.string().prefault('x'),
    bigint: z.bigint(),
    date: z.date(),
    url: z.url(),
    discriminatedFallback: z.discriminatedUnion('k', [z.object({ k: z.literal('a') })], { unionFallback: true }),
    coerceBigint: z.coerce.bigint(),
    whenRefine: z.string().refine(() => true, { when: () => true }),
    // zod honours a `when` that its parameter types leave out: here it would skip the check.
    conditionalCheck: z.string().check(z.minLength(2, skipAlways)),
    recursive: z.object({
      get self() {
        return recursive.optional();
      },
    }),
  };
  const recursive = unsupported.recursive as z.ZodType;
  for (const [name, schema] of Object.entries(unsupported)) it(name, () => expect(compileParser(schema)).toBeNull());
});

describe('no check kind is silently ignored', () => {
  // Each check either compiles and is enforced exactly, or the schema is refused.
  const probes = ['', 'a', 'ab@cd.io', 'not an email', 'https://example.com', 'abc', 'ABC', 'a😀', '::1', '192.168.0.1', 'YWJj', 'abcz', '00000000-0000-0000-0000-000000000000', 0, 5, 7, 10, 2.5, -5, 2 ** 31, 1e300];
  const schemas: Record<string, z.ZodType> = {
    email: z.string().email(),
    multipleOf: z.number().multipleOf(5),
    startsWith: z.string().startsWith('a'),
    endsWith: z.string().endsWith('z'),
    includes: z.string().includes('b', { position: 1 }),
    uppercase: z.string().uppercase(),
    uuid: z.string().uuid(),
    ipv4: z.ipv4(),
    ipv6: z.ipv6(),
    base64: z.base64(),
    url: z.string().url(),
    toLowerCase: z.string().toLowerCase().startsWith('a'),
    trim: z.string().trim().min(2),
    int32: z.number().check(z.int32()),
    positive: z.number().positive(),
    nonnegative: z.number().nonnegative(),
    length: z.string().length(2),
  };
  // The kinds the compiler does not know: it refuses them, and zod validates those schemas instead.
  const refused = new Set(['ipv6', 'base64', 'url']);
  for (const [name, schema] of Object.entries(schemas)) {
    if (refused.has(name)) {
      it(`${name} is refused (zod validates it)`, () => {
        expect(compileParser(schema)).toBeNull();
        expect(compileParser(z.object({ nested: schema }))).toBeNull();
      });
    } else {
      it(`${name} compiles and agrees with zod`, () => {
        const parse = compiled(schema);
        const outcomes = new Set(probes.map((value) => agree(schema, parse, value)));
        // The probes include values each check accepts and values it refuses, so both branches are exercised.
        expect(outcomes).toEqual(new Set(['accepted', 'rejected']));
      });
    }
  }

  it('enforces email and multipleOf (they compile)', () => {
    expect(compiled(z.string().email())('not an email')).toBe(INVALID);
    expect(compiled(z.number().multipleOf(5))(7)).toBe(INVALID);
    expect(compiled(z.number().multipleOf(5))(10)).toBe(10);
    // the `when` case above is refused for its `when` alone
    expect(compiled(z.string().check(z.minLength(2)))('a')).toBe(INVALID);
  });
});

describe('registered endpoints', () => {
  // Every path, query and body schema compiles: trimmed strings, coerced query numbers, preprocessed lists,
  // transforms, refinements and discriminated unions included. The list of schemas validated by zod instead is
  // exact both ways: a zod upgrade or a new schema that falls back fails here instead of slowing its requests
  // silently, and a schema that starts compiling leaves the list.
  const zodValidated = new Set<string>([]);
  const schemas = endpoints.flatMap((def) =>
    (['params', 'query', 'body'] as const).flatMap((part) => {
      const schema = def[part] as z.ZodType | undefined;
      return schema ? [{ name: `${def.id} ${part}`, schema }] : [];
    }),
  );

  it('compile every path, query and body schema, except the ones listed as validated by zod', () => {
    const fallsBack = schemas.filter(({ schema }) => compileParser(schema) === null).map(({ name }) => name);
    expect(fallsBack.sort()).toEqual([...zodValidated].sort());
  });

  // Each endpoint's own schema against zod, on values built from it and near misses of them (query and path values
  // arrive as strings and string arrays, which the replacements include).
  // The generator knows the schema's shape, not its refinements (startDate <= endDate, a trimmed string's length),
  // so for some schemas few generated values are valid: each schema gets a fixed seed from its name, so the run is
  // the same every time (FAST_PARSE_SEED varies it to look for more).
  const seedOf = (name: string): number => [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261 ^ Number(process.env.FAST_PARSE_SEED ?? 0)) | 0;
  for (const { name, schema } of schemas) {
    if (zodValidated.has(name)) continue;
    it(`${name} agrees with safeParse`, () => {
      const parse = compiled(schema);
      const seen = new Set<Outcome>();
      fc.assert(fc.property(inputs(schema), (value) => void seen.add(agree(schema, parse, value))), { numRuns: 300, seed: seedOf(name) });
      expect(seen).toEqual(new Set(['accepted', 'rejected']));
    });
  }
});
