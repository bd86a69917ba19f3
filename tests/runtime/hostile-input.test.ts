import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import { buildV2Event } from '../../adapters/routing/build-event.ts';
import { endpoints as allEndpoints } from '../../handlers/registry.ts';
import { parseResult, testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { testEndpoints } from '../helpers/test-endpoints.ts';

// Input no endpoint should have to think about: deep JSON, NUL, text that is not UTF-8, a byte order mark. The
// toolkit answers each with a 400 problem naming the field, before any use case (or database) sees it.

const store = defineEndpoint({
  id: 'test.store',
  method: 'POST',
  path: '/test/store/{name}',
  summary: 'Takes free-form text everywhere',
  tags: ['test'],
  access: 'public',
  idempotent: true,
  params: z.object({ name: z.string() }),
  query: z.object({ action: z.string().optional(), tag: z.array(z.string()).or(z.string()).optional() }),
  body: z.looseObject({ label: z.string().optional(), data: z.unknown().optional() }),
  responses: { 200: z.object({ name: z.string(), action: z.string().nullable(), tag: z.unknown(), body: z.unknown() }) },
  run: async ({ params, query, body }) => ({
    status: 200,
    // Serialising the body is what the Toss webhook does: it must never meet a depth it cannot handle.
    body: { name: params.name, action: query.action ?? null, tag: query.tag ?? null, body: JSON.parse(JSON.stringify(body)) as unknown },
  }),
});

let rt: TestRuntime;
let all: TestRuntime;
beforeAll(async () => {
  rt = await testRuntime({ endpoints: [...testEndpoints, store] });
  all = await testRuntime({ endpoints: allEndpoints });
});

type Parts = { path?: string; query?: string; body?: string | Buffer; headers?: Record<string, string>; method?: string };
const send = async (target: TestRuntime, parts: Parts) => {
  const body = parts.body ?? '{}';
  const event = buildV2Event({
    method: parts.method ?? 'POST',
    rawPath: parts.path ?? '/test/store/a',
    rawQueryString: parts.query ?? '',
    headers: { 'content-type': 'application/json', ...parts.headers },
    ...(body === undefined ? {} : Buffer.isBuffer(body) ? { body: body.toString('base64'), isBase64Encoded: true } : { body }),
  });
  return parseResult(await target.dispatcher.dispatch(event));
};

const fieldsOf = (res: { body: { errors?: Array<{ in: string; field: string; code: string }> } }) =>
  (res.body.errors ?? []).map((e) => `${e.in}:${e.field}:${e.code}`).sort();

const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('deeply nested JSON', () => {
  it('refuses more than 64 levels with a 400 naming the limit, at depths that used to overflow the stack', async () => {
    for (const depth of [65, 3_000, 5_000, 100_000]) {
      // The text mentions "constructor", which made the old guard walk the value recursively.
      const res = await send(rt, { body: `{"label":"constructor","data":${deep(depth)}}` });
      expect(res.status, `depth ${depth}`).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body).toMatchObject({ type: 'urn:sellpo:problem:validation', maxDepth: 64, errors: [{ in: 'body', code: 'too_deep' }] });
      expect(res.body.detail).toContain('64 levels');
    }
  });

  it('accepts 64 levels (the body object is the first)', async () => {
    const res = await send(rt, { body: `{"data":${deep(63)}}` });
    expect(res.status).toBe(200);
  });

  it('never answers 5xx from the anonymous Toss webhook, however deep the body', async () => {
    for (const depth of [3_000, 5_000, 50_000]) {
      for (const body of [`{"eventType":"X","data":${deep(depth)}}`, `{"eventType":"X","constructor":1,"data":${deep(depth)}}`]) {
        const res = await send(all, { path: '/v1/billing/webhooks/toss', body });
        expect(res.status, `depth ${depth}`).toBe(400);
        expect(res.body.maxDepth).toBe(64);
      }
    }
  });
});

describe('NUL and text that is not UTF-8', () => {
  it('refuses NUL in a query value, naming it (it reached PostgreSQL as a 500)', async () => {
    const res = await send(rt, { query: 'action=%00' });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('urn:sellpo:problem:validation');
    expect(res.body.errors).toEqual([{ in: 'query', field: 'action', code: 'invalid_characters', message: expect.stringContaining('NUL') }]);
  });

  it('refuses query values whose percent-decoded bytes are not UTF-8', async () => {
    for (const value of ['%FF', 'ok%C3', '%ED%A0%80' /* an encoded surrogate */, '%C0%AF' /* overlong */]) {
      const res = await send(rt, { query: `tag=a&action=${value}` });
      expect(res.status, value).toBe(400);
      expect(fieldsOf(res), value).toEqual(['query:action:invalid_encoding']);
    }
    const badName = await send(rt, { query: 'ac%FFtion=1' });
    expect(fieldsOf(badName)).toEqual(['query:ac\uFFFDtion:invalid_encoding']);
  });

  it('still reads query strings as URLSearchParams does', async () => {
    const res = await send(rt, { query: 'action=100%25+off%&tag=%EC%BA%A0%ED%95%91&tag=b+c&&=x' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ action: '100% off%', tag: ['캠핑', 'b c'] });
  });

  it('refuses NUL and bytes that are not UTF-8 in a path value, naming the parameter', async () => {
    const nul = await send(rt, { path: '/test/store/a%00b' });
    expect(nul.status).toBe(400);
    expect(fieldsOf(nul)).toEqual(['path:name:invalid_characters']);
    const bytes = await send(rt, { path: '/test/store/%FF' });
    expect(bytes.status).toBe(400);
    expect(fieldsOf(bytes)).toEqual(['path:name:invalid_encoding']);
  });

  it('refuses NUL and unpaired surrogates in body strings and keys, at any depth, naming each field', async () => {
    const res = await send(rt, { body: '{"label":"a\\u0000","data":{"list":["ok","\\udc00"],"k\\u0000":1}}' });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['body:data.list.1:invalid_characters', 'body:data:invalid_characters', 'body:label:invalid_characters']);
  });

  it('refuses an unpaired surrogate sent raw in a text body (a Lambda event can carry one)', async () => {
    const res = await send(rt, { body: '{"label":"x\ud800"}' });
    expect(res.status).toBe(400);
    expect(fieldsOf(res)).toEqual(['body:label:invalid_characters']);
  });

  it('refuses a body whose bytes are not UTF-8', async () => {
    const res = await send(rt, { body: Buffer.concat([Buffer.from('{"label":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ in: 'body', field: '', code: 'invalid_encoding', message: 'is not valid UTF-8' }]);
  });

  it('accepts escaped surrogate pairs and other text', async () => {
    const res = await send(rt, { body: '{"label":"\\ud83d\\ude00 캠핑","data":{"x":["\\u00e9"]}}' });
    expect(res.status).toBe(200);
    expect(res.body.body).toEqual({ label: '😀 캠핑', data: { x: ['é'] } });
  });

  it('refuses NUL and bytes that are not UTF-8 in the headers kept as data', async () => {
    const nul = await send(rt, { body: '{}', headers: { 'idempotency-key': 'k\u0000', 'x-request-id': 'r\u0000' } });
    expect(nul.status).toBe(400);
    expect(fieldsOf(nul)).toEqual(['header:idempotency-key:invalid_characters', 'header:x-request-id:invalid_characters']);
    // node:http hands header bytes over as Latin-1 characters: "\xC3\x28" is not UTF-8.
    const latin = await send(rt, { body: '{}', headers: { 'x-request-id': 'r\u00c3\u0028' } });
    expect(fieldsOf(latin)).toEqual(['header:x-request-id:invalid_encoding']);
  });
});

describe('byte order mark', () => {
  it('is dropped before a JSON body, sent as text or as bytes', async () => {
    const text = await send(rt, { body: '\uFEFF{"label":"bom"}' });
    expect(text.status).toBe(200);
    expect(text.body.body).toEqual({ label: 'bom' });
    const bytes = await send(rt, { body: Buffer.from('\uFEFF{"label":"bom"}', 'utf8') });
    expect(bytes.status).toBe(200);
    // Only one: a second is not whitespace in JSON.
    expect((await send(rt, { body: '\uFEFF\uFEFF{}' })).body.type).toBe('urn:sellpo:problem:malformed-json');
  });
});
