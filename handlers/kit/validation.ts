import { isUtf8 } from 'node:buffer';
import type { AnyEndpoint } from './endpoint.ts';
import { ProblemError, toFieldErrors, validationProblem } from './errors.ts';
import { safeParser } from './fast-parse.ts';
import type { V2Event } from './gateway-event.ts';
import { MAX_JSON_DEPTH, parseJson, textProblem } from './json.ts';
import { MAX_BODY_BYTES, type HandlerOptions } from './options.ts';
import { DATA_HEADERS, headerProblem, isJsonMediaType, jsonText, parseQuery, rawBody } from './parse.ts';
import type { FieldError } from './problem.ts';
import type { ReadBody, Step } from './request.ts';

/**
 * The JSON body of a request to an endpoint that takes one. A body too large, of another media type, nested too
 * deep or not JSON at all is refused at once; a missing body, bytes that are not UTF-8 and text the JSON guard
 * refuses are field errors, listed by the `validation` step with every other bad field.
 */
export const readBody = (event: V2Event, maxBody: number): ReadBody => {
  const raw = rawBody(event);
  if (raw !== undefined && (typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length) > maxBody) {
    throw new ProblemError('payload_too_large', `The body is larger than ${maxBody} bytes.`, { limitBytes: maxBody });
  }
  if (raw === undefined) return { ok: false, error: { in: 'body', field: '', message: 'A JSON body is required.', code: 'required' } };
  const contentType = event.headers?.['content-type'];
  if (!isJsonMediaType(contentType)) {
    throw new ProblemError('unsupported_media_type', 'Send the body as application/json.', {
      received: contentType ?? null,
    });
  }
  // JSON is UTF-8 (RFC 8259). A body labelled with another charset is read as UTF-8 when its bytes are that (ASCII
  // text under any label); otherwise, and always for UTF-16 and UTF-32, it is refused naming the charset, not
  // reported as broken text.
  const charset = contentType!.includes(';') ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType!)?.[1]?.toLowerCase() : undefined;
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && (/^utf-?(16|32)/.test(charset) || !isUtf8Body(raw))) {
    throw new ProblemError('unsupported_media_type', `A body in charset ${charset.slice(0, 40)} is not accepted; send JSON as UTF-8.`, { received: contentType!.slice(0, 200) });
  }
  // Bodies travel as they are: a compressed one would otherwise be reported as bytes that are not UTF-8.
  const encoding = event.headers?.['content-encoding']?.trim().toLowerCase();
  if (encoding && encoding !== 'identity') {
    throw new ProblemError('unsupported_media_type', `Content-Encoding ${encoding.slice(0, 40)} is not accepted; send the body uncompressed.`, {
      received: contentType!.slice(0, 200),
      contentEncoding: encoding.slice(0, 40),
    });
  }
  const text = jsonText(raw);
  if (!text.ok) return text;
  const parsed = parseJson(text.text);
  if (!parsed.ok && parsed.reason === 'too_deep') {
    throw new ProblemError('validation', `The body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`, {
      maxDepth: MAX_JSON_DEPTH,
      errors: [{ in: 'body', field: '', message: parsed.message, code: 'too_deep' }],
    });
  }
  if (!parsed.ok) throw new ProblemError('malformed_json', `The body is not valid JSON: ${parsed.message}`);
  return parsed;
};

/** Whether a raw body's bytes are UTF-8 (a text body already is). */
const isUtf8Body = (raw: string | Buffer): boolean => typeof raw === 'string' || isUtf8(raw);

/** The `body` step, for endpoints that take a body. */
export const body = (options: HandlerOptions): Step => {
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  return {
    name: 'body',
    before: ({ event, context: s }) => {
      s.body = readBody(event, maxBody);
    },
  };
};

/** The checks of one endpoint's input. Each adds what is wrong to `errors` and returns the parsed value. */
export interface InputChecks {
  /** The parsed JSON against the body schema. */
  body(value: unknown, errors: FieldError[]): unknown;
  /** Path values: text, then the path schema (`{}` when the endpoint has none). */
  path(values: Readonly<Record<string, string | undefined>>, errors: FieldError[]): unknown;
  /** The raw query string: decoded, then the query schema (`{}`, and nothing decoded, when the endpoint has none). */
  query(raw: string, errors: FieldError[]): unknown;
}

type Def = { type: string; innerType?: unknown; in?: unknown; out?: unknown; options?: readonly unknown[]; shape?: Record<string, unknown> };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } })._zod?.def;
/** Wrappers that take what their inner schema takes. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);

/** Whether a schema takes a list (an array, or a union with one: `hint=a&hint=b`), through optional, default and the like. */
const takesList = (schema: unknown): boolean => {
  const def = defOf(schema);
  if (def === undefined) return false;
  if (def.type === 'array' || def.type === 'tuple') return true;
  if (def.type === 'union') return (def.options ?? []).some(takesList);
  // A preprocess is a pipe from a transform: what it hands on decides (z.preprocess(toList, z.array(...)) takes a list).
  if (def.type === 'pipe') return takesList(def.in) || (defOf(def.in)?.type === 'transform' && takesList(def.out));
  return WRAPPERS.has(def.type) && takesList(def.innerType);
};

/** The fields of a query schema that take one value: a repeated one is an error of its own, not a confusing type error. */
const singleValueFields = (schema: unknown): string[] => {
  let def = defOf(schema);
  while (def && (def.type === 'pipe' || WRAPPERS.has(def.type))) def = defOf(def.type === 'pipe' ? def.in : def.innerType);
  if (def?.type !== 'object' || !def.shape) return [];
  return Object.entries(def.shape).filter(([, field]) => !takesList(field)).map(([name]) => name);
};

/** Compiles an endpoint's schemas once (handlers/kit/fast-parse.ts answers as safeParse does, several times faster). */
export const inputChecks = (def: AnyEndpoint): InputChecks => {
  const checkBody = def.body ? safeParser(def.body) : null;
  const checkParams = def.params ? safeParser(def.params) : null;
  const checkQuery = def.query ? safeParser(def.query) : null;
  const singleQueryFields = def.query ? singleValueFields(def.query) : [];
  return {
    body: (value, errors) => {
      if (!checkBody) return undefined;
      const result = checkBody(value);
      if (result.success) return result.data;
      errors.push(...toFieldErrors('body', result.error));
      return undefined;
    },
    path: (values, errors) => {
      if (!checkParams) return {};
      const bad = new Set<string>();
      for (const name in values) {
        const problem = textProblem(values[name] ?? '');
        if (problem) {
          errors.push({ in: 'path', field: name, ...problem });
          bad.add(name);
        }
      }
      const result = checkParams(values);
      if (result.success) return result.data;
      errors.push(...toFieldErrors('path', result.error, bad));
      return {};
    },
    query: (raw, errors) => {
      if (!checkQuery) return {};
      const before = errors.length;
      const values = parseQuery(raw, errors);
      const bad = new Set(errors.slice(before).map((e) => e.field));
      for (const name of singleQueryFields) {
        const value = values[name];
        if (!Array.isArray(value)) continue;
        errors.push({ in: 'query', field: name, code: 'repeated', message: `given ${value.length} times; expected one value` });
        bad.add(name);
        delete values[name];
      }
      const result = checkQuery(values);
      if (result.success) return result.data;
      errors.push(...toFieldErrors('query', result.error, bad));
      return {};
    },
  };
};

/** The `validation` step: body, path, query and the data headers, every bad field listed in one problem. */
export const validation = (def: AnyEndpoint): Step => {
  const checks = inputChecks(def);
  return {
    name: 'validation',
    before: ({ event, context: s }) => {
      const errors: FieldError[] = [];
      let body: unknown;
      const read = s.body;
      if (read && !read.ok) errors.push(read.error);
      else if (read) {
        errors.push(...read.errors);
        body = checks.body(read.value, errors);
      }
      const params = checks.path(event.pathParameters ?? {}, errors);
      const query = checks.query(event.rawQueryString ?? '', errors);
      for (const name of DATA_HEADERS) {
        const value = event.headers?.[name];
        const problem = value === undefined ? undefined : headerProblem(value);
        if (problem) errors.push({ in: 'header', field: name, ...problem });
      }
      if (errors.length > 0) throw validationProblem(errors);
      s.input = { params, query, body };
    },
  };
};
