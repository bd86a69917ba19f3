/**
 * JSON.parse without a reviver (a reviver costs ~9% of server CPU on a POST), then one iterative walk of the value
 * only when cheap tests on the text say it could hold something refused:
 * - keys `__proto__` and `constructor.prototype` (prototype pollution): refused rather than silently dropped;
 * - nesting deeper than MAX_JSON_DEPTH objects and arrays: everything after the parser (schemas, JSON.stringify,
 *   the database's JSON types) recurses on depth, so a deep value must never get past here;
 * - strings (values or keys) holding NUL or an unpaired UTF-16 surrogate, which only escapes (`\u0000`, `\ud800`)
 *   or a text that is not well formed can put there: PostgreSQL refuses NUL in text and jsonb, and an unpaired
 *   surrogate is text in no encoding.
 * The walk keeps its own stack: no recursion on a depth the caller chooses.
 */
import type { FieldError } from './problem.ts';

/** Objects and arrays nested deeper than this are refused (documented in docs/developing.md). */
export const MAX_JSON_DEPTH = 64;

export type JsonParse =
  | { ok: true; value: unknown; errors: FieldError[] }
  | { ok: false; reason: 'malformed' | 'forbidden_key' | 'too_deep'; message: string };

/** An escape that decodes to NUL or to a surrogate (paired or not: the walk tells). */
const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * Text that could hold a refused key, or an escape that decodes to NUL or to a surrogate. Three substring searches
 * rather than one regular expression with the three alternatives, which tries each position of the text
 * (0.22 against 0.31 us on a 630-byte margin row, best of seven runs over 100,000 rows); the escape's pattern runs
 * only on text that holds a `\u`.
 */
const suspect = (text: string): boolean =>
  text.includes('__proto__') || text.includes('constructor') || (text.includes('\\u') && SUSPECT_ESCAPE.test(text));

/** Whether the text has more than `limit` opening brackets (an upper bound of its depth), counting no further. */
const moreBracketsThan = (text: string, limit: number): boolean => {
  let count = 0;
  for (const bracket of ['{', '[']) {
    let at = text.indexOf(bracket);
    while (at !== -1) {
      if (++count > limit) return true;
      at = text.indexOf(bracket, at + 1);
    }
  }
  return false;
};

/**
 * Whether parsing the text needs the walk: true for any text parseJson might refuse or report on. The batch
 * session uses it to send such rows to the per-request path, whose answers are the reference.
 */
export const needsInspection = (text: string): boolean =>
  suspect(text) || !text.isWellFormed() || moreBracketsThan(text, MAX_JSON_DEPTH);

/** What is wrong with a string as text, or undefined when nothing is. */
export const textProblem = (value: string): { code: string; message: string } | undefined => {
  if (value.includes('\0')) return { code: 'invalid_characters', message: 'contains a NUL character (U+0000), which is not accepted' };
  if (!value.isWellFormed()) return { code: 'invalid_characters', message: 'contains an unpaired UTF-16 surrogate, which is not valid Unicode text' };
  return undefined;
};

interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  key: string | number;
}

/** The dotted field path of `key` inside `frame` (the root frame has no name of its own). */
const pathOf = (frame: Frame | undefined, key: string | number): string => {
  const parts = [String(key)];
  for (let f = frame; f?.parent !== undefined; f = f.parent) parts.push(String(f.key));
  return parts.reverse().join('.');
};

const TOO_DEEP: JsonParse = { ok: false, reason: 'too_deep', message: `objects and arrays may nest at most ${MAX_JSON_DEPTH} levels deep` };
const FORBIDDEN_KEY: JsonParse = { ok: false, reason: 'forbidden_key', message: 'keys "__proto__" and "constructor.prototype" are not accepted' };

/**
 * Walks a parsed value with a stack of its own; the first structural refusal wins, bad strings (when asked to look
 * at them) are all listed.
 */
const inspect = (root: unknown, checkStrings: boolean): JsonParse => {
  const errors: FieldError[] = [];
  const checkString = (frame: Frame | undefined, key: string | number, value: string): void => {
    const problem = textProblem(value);
    if (problem) errors.push({ in: 'body', field: pathOf(frame, key), ...problem });
  };
  // A bad key is reported on the object that holds it (the key itself is no name to quote).
  const checkKey = (frame: Frame, key: string): void => {
    const problem = textProblem(key);
    if (problem) errors.push({ in: 'body', field: frame.parent ? pathOf(frame.parent, frame.key) : '', code: problem.code, message: `has a key that ${problem.message}` });
  };
  if (typeof root === 'string') {
    if (checkStrings) checkString(undefined, '', root);
    return { ok: true, value: root, errors };
  }
  if (root === null || typeof root !== 'object') return { ok: true, value: root, errors };
  const stack: Frame[] = [{ value: root, depth: 1, parent: undefined, key: '' }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > MAX_JSON_DEPTH) return TOO_DEEP;
    if (Array.isArray(frame.value)) {
      const items = frame.value as unknown[];
      for (let i = 0; i < items.length; i++) {
        const child = items[i];
        if (typeof child === 'string') {
          if (checkStrings) checkString(frame, i, child);
        } else if (child !== null && typeof child === 'object') {
          stack.push({ value: child, depth: frame.depth + 1, parent: frame, key: i });
        }
      }
      continue;
    }
    const node = frame.value as Record<string, unknown>;
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (key === '__proto__' || (key === 'constructor' && child !== null && typeof child === 'object' && 'prototype' in child)) return FORBIDDEN_KEY;
      if (checkStrings) checkKey(frame, key);
      if (typeof child === 'string') {
        if (checkStrings) checkString(frame, key, child);
      } else if (child !== null && typeof child === 'object') {
        stack.push({ value: child, depth: frame.depth + 1, parent: frame, key });
      }
    }
  }
  return { ok: true, value: root, errors };
};

export const parseJson = (text: string): JsonParse => {
  let value: unknown;
  try {
    // V8's JSON.parse keeps its own stack, so any depth parses; the walk below bounds it.
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'malformed', message: (error as Error).message };
  }
  const suspicious = suspect(text);
  const wellFormed = text.isWellFormed();
  if (!suspicious && wellFormed && !moreBracketsThan(text, MAX_JSON_DEPTH)) return { ok: true, value, errors: [] };
  return inspect(value, suspicious || !wellFormed);
};
