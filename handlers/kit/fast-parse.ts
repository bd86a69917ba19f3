/**
 * An accept-only parser compiled from a zod 4 schema: request validation without paying for safeParse on every value.
 *
 * The parser answers exactly what `schema.safeParse(v)` would for any JSON value: INVALID when zod fails, else a
 * value deep-equal to zod's `data`, key order included. It builds no errors; callers run zod on INVALID for those.
 * Each node is recognised by its full set of zod core traits (not just `def.type`), so a subclass that overrides
 * parsing, a check kind this file has not reproduced, or a lazy, catch or prefault makes compileParser return null
 * for the whole schema rather than guess. What runs the schema's own functions is called as zod calls it: an
 * overwrite (trim, toLowerCase) calls its `tx`, a refinement (refine, superRefine) its check on a payload of its
 * own, and a transform (transform, preprocess) runs through its own zod node; a pipe runs its two sides in turn,
 * and coercion (z.coerce.number/string/boolean) is zod's `Number(v)` in a try.
 *
 * The schema becomes JavaScript source run through `new Function`: literal property names give every read its own
 * inline cache, which closures shared across fields cannot. Keys and strings are embedded with JSON.stringify,
 * numbers with their round-tripping text; anything else (regexes, sets, defs, zod helpers) is passed in by name.
 */
import * as z from 'zod';

export const INVALID: unique symbol = Symbol('invalid');

type Parser = (value: unknown) => unknown;
type Def = { readonly type: string; readonly checks?: readonly unknown[]; readonly [key: string]: unknown };
type Internals = { readonly def: Def; readonly traits: Set<string>; readonly optin?: string; readonly optout?: string; readonly values?: Set<unknown> };

const internals = (schema: unknown): Internals => (schema as { _zod: Internals })._zod;

const UNSUPPORTED = Symbol('unsupported');
const unsupported = (): never => {
  throw UNSUPPORTED;
};

/** zod's core traits of a node, sorted: classic wrappers add only methods, core traits decide how it parses. */
const traitKey = (traits: Iterable<string>): string => [...traits].filter((t) => t.startsWith('$')).sort().join(' ');

const STRING_FORMAT_BASE = ['$ZodCheck', '$ZodCheckStringFormat', '$ZodString', '$ZodStringFormat', '$ZodType'];
// Formats whose whole check is zod's default `def.pattern.test(value)`. url, ipv6, cidrv6, base64, base64url, jwt,
// credit card, iban and custom formats run code of their own, so they are not here.
const PATTERN_FORMATS = [
  '$ZodGUID', '$ZodUUID', '$ZodEmail', '$ZodEmoji', '$ZodNanoID', '$ZodCUID', '$ZodCUID2', '$ZodULID', '$ZodXID', '$ZodKSUID',
  '$ZodISODateTime', '$ZodISODate', '$ZodISOTime', '$ZodISODuration', '$ZodIPv4', '$ZodMAC', '$ZodCIDRv4', '$ZodE164',
].map((leaf) => traitKey([...STRING_FORMAT_BASE, leaf]));
const NUMBER_FORMAT = traitKey(['$ZodCheck', '$ZodCheckNumberFormat', '$ZodNumber', '$ZodNumberFormat', '$ZodType']);

/** Supported schema nodes: trait key -> the def.type it must carry. */
const SCHEMAS = new Map<string, string>([
  ...PATTERN_FORMATS.map((k): [string, string] => [k, 'string']),
  [NUMBER_FORMAT, 'number'],
  ...['String', 'Number', 'Boolean', 'Null', 'Undefined', 'Any', 'Unknown', 'Never', 'Enum', 'Literal', 'Optional', 'Nullable', 'Default', 'Array', 'Record', 'Tuple', 'Union'].map(
    (name): [string, string] => [traitKey([`$Zod${name}`, '$ZodType']), name.toLowerCase()],
  ),
  [traitKey(['$ZodExactOptional', '$ZodOptional', '$ZodType']), 'optional'],
  [traitKey(['$ZodObject', '$ZodObjectJIT', '$ZodType']), 'object'],
  [traitKey(['$ZodObject', '$ZodType']), 'object'],
  [traitKey(['$ZodDiscriminatedUnion', '$ZodUnion', '$ZodType']), 'union'],
  [traitKey(['$ZodPipe', '$ZodType']), 'pipe'],
  [traitKey(['$ZodPipe', '$ZodPreprocess', '$ZodType']), 'pipe'],
  [traitKey(['$ZodTransform', '$ZodType']), 'transform'],
]);

/** Supported checks: trait key -> [our tag, the def.check zod gives it]. */
const CHECKS = new Map<string, readonly [string, string]>([
  ...PATTERN_FORMATS.map((k): [string, readonly [string, string]] => [k, ['pattern', 'string_format']]),
  ...['Regex', 'LowerCase', 'UpperCase'].map((n): [string, readonly [string, string]] => [traitKey(['$ZodCheck', '$ZodCheckStringFormat', `$ZodCheck${n}`]), ['pattern', 'string_format']]),
  [traitKey(['$ZodCheck', '$ZodCheckIncludes']), ['includes', 'string_format']],
  [traitKey(['$ZodCheck', '$ZodCheckStartsWith']), ['starts_with', 'string_format']],
  [traitKey(['$ZodCheck', '$ZodCheckEndsWith']), ['ends_with', 'string_format']],
  [traitKey(['$ZodCheck', '$ZodCheckMinLength']), ['min_length', 'min_length']],
  [traitKey(['$ZodCheck', '$ZodCheckMaxLength']), ['max_length', 'max_length']],
  [traitKey(['$ZodCheck', '$ZodCheckLengthEquals']), ['length_equals', 'length_equals']],
  [traitKey(['$ZodCheck', '$ZodCheckGreaterThan']), ['greater_than', 'greater_than']],
  [traitKey(['$ZodCheck', '$ZodCheckLessThan']), ['less_than', 'less_than']],
  [traitKey(['$ZodCheck', '$ZodCheckMultipleOf']), ['multiple_of', 'multiple_of']],
  [NUMBER_FORMAT, ['number_format', 'number_format']],
  // Run as zod runs them, on any kind of node: the overwrite's `tx`, a refinement's own check function.
  [traitKey(['$ZodCheck', '$ZodCheckOverwrite']), ['overwrite', 'overwrite']],
  [traitKey(['$ZodCheck', '$ZodCustom', '$ZodType']), ['custom', 'custom']],
  [traitKey(['$ZodCheck']), ['custom', 'custom']],
]);
/** Checks that may change the value or run the schema's own code: steps of their own, in order with the others. */
const STEP_CHECKS = new Set(['overwrite', 'custom']);
/** The kinds zod coerces with a global function in a try (`payload.value = Number(payload.value)`). */
const COERCE: Record<string, string> = { string: 'String', number: 'Number', boolean: 'Boolean' };
const LENGTH_CHECKS = new Set(['min_length', 'max_length', 'length_equals']);
const ALLOWED_CHECKS: Record<string, ReadonlySet<string>> = {
  string: new Set([...LENGTH_CHECKS, 'pattern', 'includes', 'starts_with', 'ends_with']),
  number: new Set(['greater_than', 'less_than', 'multiple_of', 'number_format']),
  array: LENGTH_CHECKS,
};
// Length checks carry zod's default `when` (run on anything with a length); any other `when` could skip the check.
const LENGTH_WHEN = internals(z.maxLength(1)).def.when;

const num = (n: number): string => (Object.is(n, -0) ? '-0' : String(n));
const str = (s: string): string => JSON.stringify(s);
const numberArg = (value: unknown): string => (typeof value === 'number' ? num(value) : unsupported());

/** A parser equivalent to schema.safeParse for the values it accepts; null when the schema uses a feature it does not support. */
export const compileParser = (schema: z.ZodType): Parser | null => {
  try {
    return compile(schema);
  } catch (error) {
    // EvalError: code generation is disabled in this process (--disallow-code-generation-from-strings); callers fall back to zod.
    if (error === UNSUPPORTED || error instanceof EvalError) return null;
    throw error;
  }
};

const compile = (root: unknown): Parser => {
  const depNames = new Map<unknown, string>();
  const deps: unknown[] = [];
  const functions: string[] = [];
  const compiled = new Map<unknown, string>();
  const ancestors = new Set<unknown>();
  let counter = 0;
  const fresh = (prefix: string): string => `${prefix}${counter++}`;
  const dep = (value: unknown): string => {
    let name = depNames.get(value);
    if (name === undefined) {
      name = `d${deps.length}`;
      deps.push(value);
      depNames.set(value, name);
    }
    return name;
  };

  /** The name of a standalone `function fN(v)` that returns the parsed value or INVALID (for union options, keys, and values whose failure must not fail the caller). */
  const fn = (schema: unknown): string => {
    const done = compiled.get(schema);
    if (done !== undefined) return done;
    const name = fresh('f');
    const body: string[] = [];
    const result = emit(schema, 'v', body, '  ');
    functions.push(`function ${name}(v) {\n${body.join('\n')}\n  return ${result};\n}`);
    compiled.set(schema, name);
    return name;
  };

  /** A check as zod runs it: a failure condition on the value, or a step that calls the schema's own code. */
  type Step = { cond: (v: string) => string[] } | { overwrite: unknown } | { custom: unknown };

  /** The checks zod runs on a node, in its order (the node itself first when it is a format). */
  const checkSteps = (schema: unknown, kind: string): Step[] => {
    const own = internals(schema);
    const checks = own.traits.has('$ZodCheck') ? [schema, ...(own.def.checks ?? [])] : [...(own.def.checks ?? [])];
    const allowed = ALLOWED_CHECKS[kind];
    return checks.map((check): Step => {
      const zc = internals(check);
      const known = CHECKS.get(traitKey(zc.traits));
      if (known === undefined || zc.def.check !== known[1]) return unsupported();
      // A check's own checks never run; the node's checks are the ones listed here.
      if (check !== schema && zc.def.checks?.length) unsupported();
      if (STEP_CHECKS.has(known[0])) {
        if (zc.def.when !== undefined) unsupported();
        if (known[0] === 'custom') return { custom: check };
        return typeof zc.def.tx === 'function' ? { overwrite: zc.def } : unsupported();
      }
      if (allowed === undefined || !allowed.has(known[0])) return unsupported();
      if (zc.def.when !== (LENGTH_CHECKS.has(known[0]) ? LENGTH_WHEN : undefined)) unsupported();
      const d = zc.def;
      return { cond: (v) => [condition(known[0], d, kind, v)].flat() };
    });
  };

  /** One check's failure condition on `v`. */
  const condition = (tag: string, d: Def, kind: string, v: string): string | string[] => {
    switch (tag) {
      case 'greater_than':
        return `!(${v} ${d.inclusive ? '>=' : '>'} ${numberArg(d.value)})`;
      case 'less_than':
        return `!(${v} ${d.inclusive ? '<=' : '<'} ${numberArg(d.value)})`;
      case 'multiple_of':
        return `${dep(z.util.floatSafeRemainder)}(${v}, ${numberArg(d.value)}) !== 0`;
      case 'number_format': {
        const range = typeof d.format === 'string' ? (z.util.NUMBER_FORMAT_RANGES as Record<string, [number, number] | undefined>)[d.format] : undefined;
        if (range === undefined) return unsupported();
        const isInt = (d.format as string).includes('int');
        // A safe integer is within safeint's range, and a finite number (the number test) within float64's.
        const implied = isInt ? range[0] === Number.MIN_SAFE_INTEGER && range[1] === Number.MAX_SAFE_INTEGER : range[0] === -Number.MAX_VALUE && range[1] === Number.MAX_VALUE;
        return [...(isInt ? [`!Number.isSafeInteger(${v})`] : []), ...(implied ? [] : [`${v} < ${num(range[0])}`, `${v} > ${num(range[1])}`])];
      }
      case 'pattern': {
        if (!(d.pattern instanceof RegExp)) return unsupported();
        const re = dep(d.pattern);
        // zod resets lastIndex before each test; only global and sticky regexes read it.
        return d.pattern.global || d.pattern.sticky ? `(${re}.lastIndex = 0, !${re}.test(${v}))` : `!${re}.test(${v})`;
      }
      case 'includes': {
        if (typeof d.includes !== 'string' || (d.position !== undefined && typeof d.position !== 'number')) return unsupported();
        return `!${v}.includes(${str(d.includes)}${d.position === undefined ? '' : `, ${num(d.position)}`})`;
      }
      case 'starts_with':
        return typeof d.prefix === 'string' ? `!${v}.startsWith(${str(d.prefix)})` : unsupported();
      case 'ends_with':
        return typeof d.suffix === 'string' ? `!${v}.endsWith(${str(d.suffix)})` : unsupported();
      default: {
        // Lengths: arrays count elements; strings count code points, which zod only computes when the UTF-16 length is not decisive.
        const n = d[{ min_length: 'minimum', max_length: 'maximum', length_equals: 'length' }[tag] ?? ''];
        if (typeof n !== 'number') return unsupported();
        const bound = num(n);
        if (kind === 'array') return `${v}.length ${{ min_length: '<', max_length: '>', length_equals: '!==' }[tag]} ${bound}`;
        const cpl = dep(z.util.codePointLength);
        if (tag === 'min_length') return `(${v}.length < ${bound} || (${v}.length < ${num(n * 2)} && ${cpl}(${v}) < ${bound}))`;
        if (tag === 'max_length') return `(${v}.length > ${bound} && ${cpl}(${v}) > ${bound})`;
        return `(${v}.length < ${bound} || ${v}.length > ${num(n * 2)} || ${cpl}(${v}) !== ${bound})`;
      }
    }
  };

  /**
   * Appends the checks `steps` on the value in `v`, after the `leading` failure conditions, and returns the
   * variable holding the value after them. Conditions in a row share one `if`; an overwrite or a refinement runs
   * only once the conditions before it hold (their failure fails the parse either way).
   */
  const applySteps = (steps: Step[], v: string, out: string[], ind: string, leading: string[]): string => {
    let cur = v;
    let pending = [...leading];
    for (const step of steps) {
      if ('cond' in step) {
        pending.push(...step.cond(cur));
        continue;
      }
      fail(out, ind, pending);
      pending = [];
      const next = fresh('s');
      if ('overwrite' in step) {
        // zod: payload.value = def.tx(payload.value)
        out.push(`${ind}const ${next} = ${dep(step.overwrite)}.tx(${cur});`);
      } else {
        // zod runs the check on the shared payload and fails on any issue it adds; a promise (an async refinement)
        // makes a synchronous safeParse throw, which the caller's zod run then does.
        const pl = fresh('p');
        const r = fresh('c');
        out.push(
          `${ind}const ${pl} = { value: ${cur}, issues: [] };`,
          `${ind}const ${r} = ${dep(step.custom)}._zod.check(${pl});`,
          `${ind}if (${r} instanceof Promise || ${pl}.issues.length) return INVALID;`,
          `${ind}const ${next} = ${pl}.value;`,
        );
      }
      cur = next;
    }
    fail(out, ind, pending);
    return cur;
  };

  const fail = (out: string[], ind: string, conditions: string[]): void => {
    if (conditions.length) out.push(`${ind}if (${conditions.join(' || ')}) return INVALID;`);
  };

  /**
   * Appends statements validating the value in variable `v` (returning INVALID from the enclosing function on
   * failure) and returns the expression holding the parsed value.
   */
  const emit = (schema: unknown, v: string, out: string[], ind: string): string => {
    // A schema met again inside itself is recursive (a getter in a shape); recursion is not supported.
    if (ancestors.has(schema)) unsupported();
    ancestors.add(schema);
    const result = emitNode(schema, v, out, ind);
    ancestors.delete(schema);
    return result;
  };

  const emitNode = (schema: unknown, v: string, out: string[], ind: string): string => {
    const own = internals(schema);
    const def = own.def;
    const kind = SCHEMAS.get(traitKey(own.traits));
    if (kind === undefined || def.type !== kind) return unsupported();
    if (kind === 'transform') {
      // The schema's own function is the whole of a transform: run through its zod node (which also runs any checks
      // on it), on a payload of its own; an issue it adds fails the parse.
      const pl = fresh('p');
      out.push(`${ind}const ${pl} = ${dep(schema)}._zod.run({ value: ${v}, issues: [] }, { async: false });`, `${ind}if (${pl}.issues.length) return INVALID;`);
      const r = fresh('r');
      out.push(`${ind}const ${r} = ${pl}.value;`);
      return r;
    }
    const steps = checkSteps(schema, kind);
    // Checks run after the node's own parse, on its output.
    const then = (r: string): string => applySteps(steps, r, out, ind, []);
    let input = v;
    if (def.coerce) {
      const coerce = COERCE[kind];
      if (coerce === undefined) return unsupported();
      // zod: try { payload.value = Number(payload.value) } catch {} (a symbol, say, stays as it was).
      input = fresh('c');
      out.push(`${ind}let ${input};`, `${ind}try { ${input} = ${coerce}(${v}); } catch { ${input} = ${v}; }`);
    }
    const inner = (s: unknown, target: string, innerInd: string): void => {
      const r = emit(s, v, out, innerInd);
      out.push(`${innerInd}${target} = ${r};`);
    };
    switch (kind) {
      case 'string':
        return applySteps(steps, input, out, ind, [`typeof ${input} !== "string"`]);
      case 'number':
        // Number.isFinite is false for non-numbers, NaN and infinities, which is zod's number test.
        return applySteps(steps, input, out, ind, [`!Number.isFinite(${input})`]);
      case 'boolean':
        return applySteps(steps, input, out, ind, [`typeof ${input} !== "boolean"`]);
      case 'null':
        return applySteps(steps, v, out, ind, [`${v} !== null`]);
      case 'undefined':
        return applySteps(steps, v, out, ind, [`${v} !== undefined`]);
      case 'any':
      case 'unknown':
        return then(v);
      case 'never':
        out.push(`${ind}return INVALID;`);
        return v;
      case 'enum':
      case 'literal': {
        const values = own.values;
        if (!(values instanceof Set)) return unsupported();
        // zod tests Set membership (SameValueZero); for strings that is ===, which is cheaper for a few values.
        const list = [...values];
        const small = list.length > 0 && list.length <= 8 && list.every((x) => typeof x === 'string');
        return applySteps(steps, v, out, ind, [small ? list.map((x) => `${v} !== ${str(x as string)}`).join(' && ') : `!${dep(values)}.has(${v})`]);
      }
      case 'optional': {
        if (own.traits.has('$ZodExactOptional')) return then(emit(def.innerType, v, out, ind));
        const r = fresh('r');
        if (internals(def.innerType).optin === 'defaulted') {
          // zod runs a defaulted inner on undefined and turns its failure into undefined.
          const g = fn(def.innerType);
          out.push(`${ind}let ${r};`, `${ind}if (${v} === undefined) {`, `${ind}  ${r} = ${g}(undefined);`, `${ind}  if (${r} === INVALID) ${r} = undefined;`, `${ind}} else {`);
        } else {
          out.push(`${ind}let ${r};`, `${ind}if (${v} !== undefined) {`);
        }
        inner(def.innerType, r, ind + '  ');
        out.push(`${ind}}`);
        return then(r);
      }
      case 'nullable': {
        const r = fresh('r');
        out.push(`${ind}let ${r} = null;`, `${ind}if (${v} !== null) {`);
        inner(def.innerType, r, ind + '  ');
        out.push(`${ind}}`);
        return then(r);
      }
      case 'default': {
        // zod reads def.defaultValue per parse (a getter that calls a function default or shallow-clones the value)
        // and returns it without running the inner schema.
        const d = dep(def);
        const r = fresh('r');
        out.push(`${ind}let ${r};`, `${ind}if (${v} === undefined) {`, `${ind}  ${r} = ${d}.defaultValue;`, `${ind}} else {`);
        inner(def.innerType, r, ind + '  ');
        out.push(`${ind}  if (${r} === undefined) ${r} = ${d}.defaultValue;`, `${ind}}`);
        return then(r);
      }
      case 'pipe':
        // zod runs the output side on what the input side gave, unless that failed.
        return then(emit(def.out, emit(def.in, v, out, ind), out, ind));
      case 'union': {
        const options = def.options;
        if (!Array.isArray(options)) return unsupported();
        if (own.traits.has('$ZodDiscriminatedUnion')) return then(emitDiscriminated(def, options, v, out, ind));
        if (def.inclusive === false) return unsupported();
        if (options.length === 1) return then(emit(options[0], v, out, ind));
        // The first option that succeeds wins, each on a fresh payload: options are separate functions.
        const r = fresh('r');
        const names = options.map(fn);
        out.push(`${ind}let ${r} = INVALID;`);
        for (const name of names) out.push(`${ind}if (${r} === INVALID) ${r} = ${name}(${v});`);
        out.push(`${ind}if (${r} === INVALID) return INVALID;`);
        return then(r);
      }
      case 'array': {
        const o = fresh('o');
        const i = fresh('i');
        const e = fresh('e');
        // The length checks before any step are tested on the input, before its elements (the output has its length).
        const head = steps.findIndex((step) => !('cond' in step));
        const early = head === -1 ? steps : steps.slice(0, head);
        fail(out, ind, [`!Array.isArray(${v})`, ...early.flatMap((step) => ('cond' in step ? step.cond(v) : []))]);
        out.push(`${ind}const ${o} = new Array(${v}.length);`, `${ind}for (let ${i} = 0; ${i} < ${v}.length; ${i}++) {`, `${ind}  const ${e} = ${v}[${i}];`);
        const r = emit(def.element, e, out, ind + '  ');
        out.push(`${ind}  ${o}[${i}] = ${r};`, `${ind}}`);
        return applySteps(head === -1 ? [] : steps.slice(head), o, out, ind, []);
      }
      case 'tuple': {
        const items = def.items;
        if (!Array.isArray(items)) return unsupported();
        // Only all-required items: zod's optional-tail rules are not reproduced.
        for (const item of items) if (internals(item).optin !== undefined || internals(item).optout !== undefined) unsupported();
        const o = fresh('o');
        fail(out, ind, [`!Array.isArray(${v})`, `${v}.length < ${items.length}`, ...(def.rest ? [] : [`${v}.length > ${items.length}`])]);
        out.push(`${ind}const ${o} = [];`);
        items.forEach((item, index) => {
          const e = fresh('e');
          out.push(`${ind}const ${e} = ${v}[${index}];`);
          out.push(`${ind}${o}[${index}] = ${emit(item, e, out, ind)};`);
        });
        if (def.rest) {
          const i = fresh('i');
          const e = fresh('e');
          out.push(`${ind}for (let ${i} = ${items.length}; ${i} < ${v}.length; ${i}++) {`, `${ind}  const ${e} = ${v}[${i}];`);
          const r = emit(def.rest, e, out, ind + '  ');
          out.push(`${ind}  ${o}[${i}] = ${r};`, `${ind}}`);
        }
        return then(o);
      }
      case 'object':
        return then(emitObject(def, v, out, ind));
      case 'record':
        return then(emitRecord(def, v, out, ind));
      default:
        return unsupported();
    }
  };

  /**
   * zod's discriminated union without `unionFallback`: an object whose discriminator value names one option (its
   * map built as zod builds it: a value two options share, only possible for undefined, names none) is that
   * option's parse; any other value fails.
   */
  const emitDiscriminated = (def: Def, options: unknown[], v: string, out: string[], ind: string): string => {
    if (def.unionFallback || typeof def.discriminator !== 'string') return unsupported();
    const byValue = new Map<unknown, number>();
    options.forEach((option, index) => {
      const values = (internals(option) as { propValues?: Record<string, Set<unknown>> }).propValues?.[def.discriminator as string];
      if (!values || values.size === 0) unsupported();
      for (const value of values!) byValue.set(value, byValue.has(value) ? -1 : index);
    });
    const names = options.map(fn);
    const r = fresh('r');
    const t = fresh('t');
    fail(out, ind, [`typeof ${v} !== "object"`, `${v} === null`, `Array.isArray(${v})`]);
    out.push(`${ind}const ${t} = ${dep(byValue)}.get(${v}[${str(def.discriminator)}]);`, `${ind}let ${r};`, `${ind}switch (${t}) {`);
    names.forEach((name, index) => out.push(`${ind}  case ${index}: ${r} = ${name}(${v}); break;`));
    out.push(`${ind}  default: return INVALID;`, `${ind}}`, `${ind}if (${r} === INVALID) return INVALID;`);
    return r;
  };

  const emitObject = (def: Def, v: string, out: string[], ind: string): string => {
    const shape = def.shape as Record<string, unknown>;
    if (Object.getOwnPropertySymbols(shape).length) unsupported();
    const keys = Object.keys(shape);
    // zod skips a declared __proto__ without validating it; not worth reproducing.
    if (keys.includes('__proto__')) unsupported();
    const o = fresh('o');
    fail(out, ind, [`typeof ${v} !== "object"`, `${v} === null`, `Array.isArray(${v})`]);
    out.push(`${ind}const ${o} = {};`);
    for (const key of keys) {
      const field = shape[key];
      const { optin, optout } = internals(field);
      const k = str(key);
      const f = fresh('v');
      out.push(`${ind}const ${f} = ${v}[${k}];`);
      // zod's presence test is `key in input`; reading the value first keeps it off the common path.
      const present = `(${f} !== undefined || ${k} in ${v})`;
      if (optin === undefined) {
        fail(out, ind, [`!${present}`]);
        out.push(`${ind}${o}[${k}] = ${emit(field, f, out, ind)};`);
      } else if (optin !== 'optional' && optin !== 'defaulted') {
        unsupported();
      } else if (optout === 'optional') {
        // Absent: nothing for a plain optional; a defaulted one contributes its value unless that fails or is undefined.
        out.push(`${ind}if ${present} {`);
        const r = emit(field, f, out, ind + '  ');
        out.push(`${ind}  ${o}[${k}] = ${r};`);
        if (optin === 'defaulted') {
          const a = fresh('a');
          out.push(`${ind}} else {`, `${ind}  const ${a} = ${fn(field)}(undefined);`, `${ind}  if (${a} !== INVALID && ${a} !== undefined) ${o}[${k}] = ${a};`);
        }
        out.push(`${ind}}`);
      } else if (optout === undefined) {
        const r = emit(field, f, out, ind);
        out.push(optin === 'defaulted' ? `${ind}${o}[${k}] = ${r};` : `${ind}if (${r} !== undefined || ${k} in ${v}) ${o}[${k}] = ${r};`);
      } else {
        unsupported();
      }
    }
    const catchall = def.catchall;
    if (catchall !== undefined) {
      const known = dep(new Set(keys));
      const key = fresh('k');
      out.push(`${ind}for (const ${key} in ${v}) {`);
      if (internals(catchall).def.type === 'never') {
        // strictObject (zod tests only the type, never running the catchall): any key outside the shape fails, __proto__ included.
        out.push(`${ind}  if (!${known}.has(${key})) return INVALID;`);
      } else {
        const e = fresh('e');
        out.push(`${ind}  if (${known}.has(${key}) || ${key} === "__proto__") continue;`, `${ind}  const ${e} = ${v}[${key}];`);
        const r = emit(catchall, e, out, ind + '  ');
        out.push(`${ind}  ${o}[${key}] = ${r};`);
      }
      out.push(`${ind}}`);
    }
    return o;
  };

  const emitRecord = (def: Def, v: string, out: string[], ind: string): string => {
    if (def.mode !== undefined && def.mode !== 'loose') unsupported();
    const loose = def.mode === 'loose';
    const keyFn = fn(def.keyType);
    const o = fresh('o');
    fail(out, ind, [`!${dep(z.util.isPlainObject)}(${v})`]);
    out.push(`${ind}const ${o} = {};`);
    const values = internals(def.keyType).values;
    if (values && !def.partial) {
      // Keys enumerable from the key schema: each is parsed whether present or not, then any other key is unknown.
      const recordKeys = new Set<string>();
      for (const key of values) {
        if (typeof key === 'symbol') unsupported();
        if (typeof key !== 'string' && typeof key !== 'number') continue;
        recordKeys.add(String(key));
        if (key === '__proto__') continue;
        const literal = typeof key === 'number' ? num(key) : str(key);
        const kr = fresh('k');
        const e = fresh('e');
        out.push(`${ind}const ${kr} = ${keyFn}(${literal});`, `${ind}if (${kr} === INVALID) return INVALID;`, `${ind}if (${kr} !== "__proto__") {`, `${ind}  const ${e} = ${v}[${literal}];`);
        const r = emit(def.valueType, e, out, ind + '  ');
        out.push(`${ind}  ${o}[${kr}] = ${r};`, `${ind}}`);
      }
      const key = fresh('k');
      out.push(
        `${ind}for (const ${key} in ${v}) {`,
        `${ind}  if (${dep(recordKeys)}.has(${key})) continue;`,
        loose ? `${ind}  if (${key} !== "__proto__") ${o}[${key}] = ${v}[${key}];` : `${ind}  return INVALID;`,
        `${ind}}`,
      );
      return o;
    }
    const key = fresh('k');
    const kr = fresh('k');
    const retry = fresh('k');
    const e = fresh('e');
    out.push(
      `${ind}for (const ${key} of Reflect.ownKeys(${v})) {`,
      `${ind}  if (${key} === "__proto__" || !Object.prototype.propertyIsEnumerable.call(${v}, ${key})) continue;`,
      `${ind}  let ${kr} = ${keyFn}(${key});`,
      // zod retries a numeric-looking key as a number before calling it invalid.
      `${ind}  if (${kr} === INVALID && typeof ${key} === "string" && ${dep(z.regexes.number)}.test(${key})) {`,
      `${ind}    const ${retry} = ${keyFn}(Number(${key}));`,
      `${ind}    if (${retry} !== INVALID) ${kr} = ${retry};`,
      `${ind}  }`,
      loose ? `${ind}  if (${kr} === INVALID) { ${o}[${key}] = ${v}[${key}]; continue; }` : `${ind}  if (${kr} === INVALID) return INVALID;`,
      `${ind}  if (${kr} === "__proto__") continue;`,
      `${ind}  const ${e} = ${v}[${key}];`,
    );
    const r = emit(def.valueType, e, out, ind + '  ');
    out.push(`${ind}  ${o}[${kr}] = ${r};`, `${ind}}`);
    return o;
  };

  const main = fn(root);
  const names = [...depNames.values()];
  const source = `"use strict";\n${functions.join('\n')}\nreturn ${main};`;
  // The source depends on the schema alone, never on input; its only literals are JSON-escaped keys and strings and numbers.
  const factory = new Function('INVALID', ...names, source) as (...args: unknown[]) => Parser;
  return factory(INVALID, ...deps);
};

/** What `schema.safeParse` returns, in the shape callers read. */
export type SafeParse = { success: true; data: unknown } | { success: false; error: z.ZodError };

/**
 * `schema.safeParse` with the compiled parser in front: the same answers, zod running only to list the errors
 * of a value the parser refuses (or for every value when the schema cannot be compiled). The parser is built
 * on first use, so start-up pays nothing for endpoints that are never called.
 */
export const safeParser = (schema: z.ZodType): ((value: unknown) => SafeParse) => {
  let fast: Parser | null | undefined;
  return (value) => {
    if (fast === undefined) fast = compileParser(schema);
    if (fast) {
      const parsed = fast(value);
      if (parsed !== INVALID) return { success: true, data: parsed };
    }
    return schema.safeParse(value) as SafeParse;
  };
};
