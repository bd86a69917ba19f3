/**
 * Fuzzing every operation of openapi.yaml through the real HTTP server: wrong types, missing fields, huge and
 * deeply nested values, NUL and invalid UTF-8, prototype keys and wrong content types, in the path, the query
 * and the body. Whatever is sent, the server answers below 500, every 4xx is problem+json naming its own
 * status, and it keeps serving. Operations come from the document, so a new one is fuzzed without touching
 * this file. Runs are bounded (FUZZ_RUNS per operation, default 30) and seeded (FUZZ_SEED) so a failure
 * replays; the seed is printed with each failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../helpers/http-server.ts';
import { loadDocument, operationsOf, type Operation } from '../helpers/openapi-validator.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { seedAdmin, seedTenant } from '../platform/fixtures.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);

const doc = loadDocument();
const operations = operationsOf(doc);

interface Attack {
  label: string;
  /** Raw (already percent-encoded) value for each path parameter. */
  path: Record<string, string>;
  /** Raw query string, without `?`. */
  query: string;
  body: Buffer | undefined;
  /** undefined: no content-type header. */
  contentType: string | undefined;
  auth: boolean;
}

interface Answer {
  status: number;
  contentType: string | undefined;
  text: string;
}

let srv: TestServer;
let db: TestDatabase;
let host: string;
let port: number;
let adminKey: string;
let tenantKey: string;

beforeAll(async () => {
  // Tenants, keys and the audit log in the embedded database, as in production (the memory store takes any text).
  db = await withPglite();
  srv = await startTestServer({ meter: false, database: db });
  const url = new URL(srv.url);
  host = url.hostname;
  port = Number(url.port);
  adminKey = (await seedAdmin(srv.rt.ports, 'fuzz-ops')).secret;
  tenantKey = (await seedTenant(srv.rt.ports, 'fuzz-seller')).secret;
  // Open everything the first requests would otherwise wait for (the database, the provider sandboxes).
  await fetch(`${srv.url}/health`);
});
afterAll(async () => {
  await srv?.close();
  await db?.close();
});

/** One request with exactly these bytes and headers (fetch would re-encode the target and add a content type). */
const send = (method: string, target: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = request({ host, port, method, path: target, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });

// ---- values that have broken servers -------------------------------------------------------------------------

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number, key = 'a') => `${`{"${key}":`.repeat(depth)}1${'}'.repeat(depth)}`;

/** Percent-encoded path or query values: NUL, invalid UTF-8, overlong forms, traversal, prototype names, huge. */
const nastyEncoded = fc.constantFrom(
  '%00', 'a%00b', '%ff', '%fe%ff', '%C0%AF', '%E0%A4%A', '%ED%A0%80', '%', '%zz', '..', '%2e%2e%2f', '__proto__', 'constructor',
  'constructor.prototype', '-1', '0', '1e309', 'NaN', 'true', 'null', '[]', '%7B%7D', 'x'.repeat(5_000), '%20', '',
);
const encodedValue = fc.oneof(
  { weight: 3, arbitrary: nastyEncoded },
  { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.integer().map(String) },
);

/** JSON texts the parser or the walkers after it must refuse or survive. */
const nastyJsonTexts = [
  deepArray(100), deepArray(5_000), deepArray(20_000), deepObject(3_000), deepObject(3_000, '__proto__'),
  `{"constructor":{"prototype":{"polluted":true}},"x":${deepArray(4_000)}}`,
  `{"x":${deepArray(10_000)},"y":"constructor"}`, `{"x":${deepObject(10_000)},"y":"__proto__"}`,
  `{"__proto__":{"polluted":true}}`, `{"constructor":{"prototype":{"polluted":true}}}`, `{"a":{"__proto__":{"isAdmin":true}}}`,
  '"\\u0000"', '{"a":"\\u0000"}', '{"a":"\\ud800"}', '{"a":"\\udfff\\ud800"}', '{"\\u0000":1}',
  '', ' ', 'null', 'true', '0', '-0', '1e309', '[]', '{}', '"x"', '{', '{"a":', '{"a":1,}', "{'a':1}", 'NaN', '\ufeff{}',
  `"${'x'.repeat(900_000)}"`, `[${'1,'.repeat(100_000)}1]`,
];
/** Bytes that are not UTF-8 at all, inside otherwise plausible JSON. */
const invalidUtf8 = [
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]),
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
  Buffer.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]),
];

const wrongTypes: unknown[] = [null, true, 0, -1, 1.5, 2 ** 53, -(2 ** 63), '', 'x', '\u0000', '\ud800', [], [1], {}, { a: 1 }, 'x'.repeat(100_000)];

/** The example with one field (at any depth) replaced, removed, or joined by a stranger. */
const fieldPaths = (value: unknown, prefix: string[] = []): string[][] => {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => fieldPaths(v, [...prefix, k]))];
};
const withField = (value: unknown, path: string[], replace: (old: unknown) => unknown): unknown => {
  if (path.length === 0) return replace(value);
  if (value === null || typeof value !== 'object') return value;
  const copy: any = Array.isArray(value) ? [...value] : { ...value };
  copy[path[0]!] = withField(copy[path[0]!], path.slice(1), replace);
  if (copy[path[0]!] === undefined) delete copy[path[0]!];
  return copy;
};

const REMOVE = Symbol('remove');

const bodyFor = (op: Operation): fc.Arbitrary<{ label: string; body: Buffer }> => {
  const example = op.spec.requestBody?.content['application/json']?.example ?? {};
  const paths = fieldPaths(example);
  const json = (label: string, value: unknown) => ({ label, body: Buffer.from(JSON.stringify(value)) });
  return fc.oneof(
    // One field of the example: a wrong type, removed, or any JSON value at all.
    fc.tuple(fc.constantFrom(...paths), fc.oneof(fc.constantFrom<unknown>(...wrongTypes, REMOVE), fc.jsonValue({ maxDepth: 4 }))).map(([path, v]) =>
      json(`example with ${path.join('.') || '(root)'} = ${v === REMOVE ? 'removed' : JSON.stringify(v)?.slice(0, 40)}`, withField(example, path, () => (v === REMOVE ? undefined : v))),
    ),
    // A field replaced by a deep structure, with or without prototype keys.
    fc.tuple(fc.constantFrom(...paths), fc.integer({ min: 10, max: 6_000 }), fc.constantFrom('a', '__proto__', 'constructor')).map(([path, depth, key]) => {
      const text = JSON.stringify(withField(example, path, () => '__DEEP__')).replace('"__DEEP__"', deepObject(depth, key));
      return { label: `example with ${path.join('.') || '(root)'} nested ${depth} deep under "${key}"`, body: Buffer.from(text) };
    }),
    // Prototype keys beside the example's fields.
    fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => {
      const text = JSON.stringify(example).replace(/^\{/, `{"${key}":{"prototype":{"polluted":true},"polluted":true},`);
      return { label: `example with a "${key}" key`, body: Buffer.from(text) };
    }),
    fc.constantFrom(...nastyJsonTexts).map((text) => ({ label: `text ${JSON.stringify(text.slice(0, 40))} (${text.length} chars)`, body: Buffer.from(text) })),
    fc.constantFrom(...invalidUtf8).map((bytes) => ({ label: `invalid UTF-8 ${bytes.toString('hex')}`, body: bytes })),
    fc.jsonValue({ maxDepth: 5 }).map((v) => json(`random JSON ${JSON.stringify(v)?.slice(0, 40)}`, v)),
  );
};

const contentTypes = fc.oneof(
  { weight: 6, arbitrary: fc.constant<string | undefined>('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom<string | undefined>(
      undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml',
      'application/json; charset=latin1', 'application/merge-patch+json', 'APPLICATION/JSON', '', 'application/json;;;', 'json',
    ),
  },
);

const attackFor = (op: Operation): fc.Arbitrary<Attack> => {
  const pathNames = (op.spec.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
  const queryNames = [...(op.spec.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name), '__proto__', 'constructor', 'constructor[prototype]', 'x'];
  const path = fc.record(Object.fromEntries(pathNames.map((n) => [n, encodedValue])) as Record<string, fc.Arbitrary<string>>);
  const query = fc
    .array(fc.tuple(fc.constantFrom(...queryNames), encodedValue), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&'));
  const body = op.spec.requestBody ? bodyFor(op).map((b) => b as { label: string; body: Buffer } | undefined) : fc.constant(undefined);
  return fc
    .record({ path, query, body, contentType: contentTypes, auth: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) })
    .map(({ path, query, body, contentType, auth }) => ({
      label: [body?.label, query && `query ${query.slice(0, 60)}`, pathNames.length && `path ${JSON.stringify(path).slice(0, 60)}`, `content-type ${contentType}`, auth ? '' : 'no credentials']
        .filter(Boolean)
        .join('; '),
      path,
      query,
      body: body?.body,
      contentType: op.spec.requestBody ? contentType : undefined,
      auth,
    }));
};

const credentials = (op: Operation): Record<string, string> =>
  op.spec['x-access'] === 'admin' ? { authorization: `Bearer ${adminKey}` } : op.spec['x-access'] === 'tenant' ? { authorization: `Bearer ${tenantKey}` } : {};

/** What is wrong with an answer: a 5xx, a 4xx that is not problem+json naming its own status. */
const judge = (answer: Answer): string | null => {
  if (answer.status >= 500) return `${answer.status} ${answer.text.slice(0, 120)}`;
  if (answer.status >= 400) {
    if (!answer.contentType?.startsWith('application/problem+json')) return `${answer.status} as ${answer.contentType ?? 'no content type'}: ${answer.text.slice(0, 80)}`;
    try {
      const body = JSON.parse(answer.text) as { status?: unknown; type?: unknown };
      if (body.status !== answer.status || typeof body.type !== 'string') return `${answer.status} problem with status ${String(body.status)}`;
    } catch {
      return `${answer.status} problem+json that is not JSON`;
    }
  }
  return null;
};

describe.each(operations.map((op) => [op.id, op] as const))('fuzzing %s', (_id, op) => {
  it(`answers below 500, 4xx as problem+json, and keeps serving (${RUNS} runs, seed ${SEED})`, async () => {
    const failures = new Map<string, string>();
    await fc.assert(
      fc.asyncProperty(attackFor(op), async (attack) => {
        let target = op.path;
        for (const [name, value] of Object.entries(attack.path)) target = target.replace(`{${name}}`, value);
        if (attack.query) target += `?${attack.query}`;
        const headers: Record<string, string> = { ...(attack.auth ? credentials(op) : {}), ...(attack.contentType !== undefined ? { 'content-type': attack.contentType } : {}) };
        const answer = await send(op.method.toUpperCase(), target, headers, attack.body);
        const wrong = judge(answer);
        // One example per kind of failure, so the report lists causes rather than repeats.
        if (wrong && !failures.has(wrong.slice(0, 40))) failures.set(wrong.slice(0, 40), `${wrong} <- ${attack.label}`);
        return true;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    const alive = await send('GET', '/v1/meta', {});
    expect(alive.status, 'the server still serves').toBe(200);
    expect([...failures.values()]).toEqual([]);
  });
});

/** The example with each of its fields in turn (top-level ones, or every leaf) set to `value` (a JSON text). */
const exampleWithEachField = (op: Operation, value: string, which: 'top' | 'leaves'): string[] => {
  const example = op.spec.requestBody?.content['application/json']?.example ?? {};
  const leaf = (p: string[]) => p.reduce<any>((v, k) => v?.[k], example);
  return fieldPaths(example)
    .filter((p) => (which === 'top' ? p.length === 1 : p.length > 0 && (leaf(p) === null || typeof leaf(p) !== 'object')))
    .map((p) => JSON.stringify(withField(example, p, () => '__VALUE__')).replace('"__VALUE__"', value));
};

describe('fixed attacks on every body and query', () => {
  it.each(operations.filter((op) => op.spec.requestBody).map((op) => [op.id, op] as const))(
    '%s refuses NUL, lone surrogates and deep nesting in every field of its example without a 5xx',
    async (_id, op) => {
      const failures: string[] = [];
      const texts = [
        ...['"\\u0000"', '"a\\u0000b"', '"\\ud800"'].flatMap((v) => exampleWithEachField(op, v, 'leaves')),
        ...[deepArray(10_000), `{"k":"constructor","v":${deepObject(10_000)}}`, deepObject(4_000, 'constructor')].flatMap((v) => exampleWithEachField(op, v, 'top')),
      ];
      for (const text of texts) {
        const answer = await send(op.method.toUpperCase(), op.path.replace(/\{\w+\}/g, 'x'), { ...credentials(op), 'content-type': 'application/json' }, Buffer.from(text));
        const wrong = judge(answer);
        if (wrong) failures.push(`${wrong} <- ${text.slice(0, 80)} (${text.length} chars)`);
      }
      expect((await send('GET', '/v1/meta', {})).status).toBe(200);
      expect(failures.slice(0, 12), `${failures.length} answers broke the rule; the first are listed`).toEqual([]);
    },
    60_000,
  );

  it.each(operations.filter((op) => op.spec.requestBody).map((op) => [op.id, op] as const))(
    '%s refuses every nasty JSON text and invalid UTF-8 without a 5xx',
    async (_id, op) => {
      const failures: string[] = [];
      for (const body of [...nastyJsonTexts.map((t) => Buffer.from(t)), ...invalidUtf8]) {
        const answer = await send(op.method.toUpperCase(), op.path.replace(/\{\w+\}/g, 'x'), { ...credentials(op), 'content-type': 'application/json' }, body);
        const wrong = judge(answer);
        if (wrong) failures.push(`${wrong} <- ${JSON.stringify(body.subarray(0, 40).toString('utf8'))} (${body.length} bytes)`);
      }
      expect((await send('GET', '/v1/meta', {})).status).toBe(200);
      expect(failures).toEqual([]);
    },
  );

  it.each(operations.filter((op) => op.spec.parameters?.some((p) => p.in === 'query')).map((op) => [op.id, op] as const))(
    '%s refuses NUL and invalid UTF-8 in every query parameter without a 5xx',
    async (_id, op) => {
      const failures: string[] = [];
      for (const p of (op.spec.parameters ?? []).filter((q) => q.in === 'query')) {
        for (const value of ['%00', 'a%00', '%ff', '%C0%AF', '%ED%A0%80', '%E0%A4%A']) {
          const target = `${op.path.replace(/\{\w+\}/g, 'x')}?${p.name}=${value}`;
          const body = op.spec.requestBody ? Buffer.from('{}') : undefined;
          const wrong = judge(await send(op.method.toUpperCase(), target, { ...credentials(op), ...(body ? { 'content-type': 'application/json' } : {}) }, body));
          if (wrong) failures.push(`${wrong} <- ${p.name}=${value}`);
        }
      }
      expect(failures).toEqual([]);
    },
  );
});
