/**
 * What the toolkit reads from a request (handlers/kit/validation.ts, parse.ts): the body's size, media type,
 * encoding, depth and syntax; path, query and data headers as text; every bad field listed in one 400 problem.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import { MAX_JSON_DEPTH } from '../../handlers/kit/json.ts';
import { headerProblem, isJsonMediaType, jsonText, parseQuery, rawBody } from '../../handlers/kit/parse.ts';
import type { FieldError } from '../../handlers/kit/problem.ts';
import { buildV2Event } from '../../adapters/routing/build-event.ts';
import { harness } from './fixtures.ts';

const echo = defineEndpoint({
  id: 'test.echo',
  method: 'POST',
  path: '/test/items/{itemId}',
  summary: 'Echo validated input',
  tags: ['test'],
  access: 'public',
  params: z.object({ itemId: z.string().regex(/^[a-z0-9-]+$/) }),
  query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10), tag: z.array(z.string()).or(z.string()).optional() }),
  body: z.object({ name: z.string().min(1), price: z.number().int().nonnegative() }),
  responses: { 201: z.object({ itemId: z.string(), limit: z.number(), tag: z.unknown(), name: z.string(), price: z.number() }) },
  run: ({ params, query, body }) => ({ status: 201, body: { itemId: params.itemId, limit: query.limit, tag: query.tag ?? null, name: body.name, price: body.price } }),
});

const searchy = defineEndpoint({
  id: 'test.search',
  method: 'GET',
  path: '/test/search',
  summary: 'A required single query value beside a list',
  tags: ['test'],
  access: 'public',
  query: z.object({
    keyword: z.string().min(1).max(50),
    hint: z.union([z.string(), z.array(z.string())]).optional(),
    // A preprocess that makes a list takes repeats; one that picks a value does not.
    tag: z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(z.string())).optional(),
    page: z.preprocess((v) => (Array.isArray(v) ? v.at(-1) : v), z.coerce.number()).optional(),
  }),
  responses: { 200: z.object({ keyword: z.string() }) },
  run: ({ query }) => ({ status: 200, body: { keyword: query.keyword } }),
});

const listy = defineEndpoint({
  id: 'test.lists',
  method: 'POST',
  path: '/test/lists',
  summary: 'A bounded list in the body',
  tags: ['test'],
  access: 'public',
  body: z.object({
    channels: z.array(z.enum(['a', 'b'])).min(1).max(3),
    count: z.number().int().min(1).max(100).optional(),
    words: z
      .array(z.string())
      .superRefine((words, ctx) => {
        for (const w of words) if (w.length > 3) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(w)} is longer than 3` });
      })
      .optional(),
  }),
  responses: { 200: z.object({ n: z.number() }) },
  run: ({ body }) => ({ status: 200, body: { n: body.channels.length } }),
});

/** No schemas at all: nothing is decoded or checked but the data headers. */
const bare = defineEndpoint({
  id: 'test.bare',
  method: 'GET',
  path: '/test/bare/{anything}',
  summary: 'No schemas',
  tags: ['test'],
  access: 'public',
  responses: { 200: z.object({ params: z.unknown(), query: z.unknown(), body: z.unknown() }) },
  run: (input) => ({ status: 200, body: { params: input.params, query: input.query, body: input.body ?? null } }),
});

const post = (body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }, extra: { isBase64Encoded?: boolean; query?: string; itemId?: string } = {}) =>
  harness({ maxBodyBytes: 64 }).send(echo, {
    rawPath: `/test/items/${extra.itemId ?? 'a'}`,
    pathParameters: { itemId: extra.itemId ?? 'a' },
    rawQueryString: extra.query ?? '',
    headers,
    ...(body === undefined ? {} : { body }),
    ...(extra.isBase64Encoded ? { isBase64Encoded: true } : {}),
  });

const fields = (errors: FieldError[]) => errors.map((e) => `${e.in}:${e.field}:${e.code}`);

describe('the body', () => {
  it('is parsed, checked and handed over with the path and the query, coerced and defaulted', async () => {
    const res = await post('{"name":"캠핑","price":3}', { 'content-type': 'application/json' }, { query: 'tag=a&tag=b' });
    expect(res).toMatchObject({ status: 201, body: { itemId: 'a', limit: 10, tag: ['a', 'b'], name: '캠핑', price: 3 } });
  });

  it('is refused with 413 above the limit in bytes (not UTF-16 units), before anything else is read', async () => {
    // 20 Hangul syllables are 20 UTF-16 units but 60 bytes: with the rest, over 64.
    const wide = `{"name":"${'캠'.repeat(20)}","price":1}`;
    expect(wide.length).toBeLessThan(64);
    const res = await post(wide, { 'content-type': 'text/plain' });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ type: 'urn:sellpo:problem:payload-too-large', detail: 'The body is larger than 64 bytes.', limitBytes: 64 });
    const exact = `{"name":"${'x'.repeat(64 - 21)}","price":1}`;
    expect(Buffer.byteLength(exact)).toBe(64);
    expect((await post(exact)).status).toBe(201);
    expect((await post(`{"name":"${'x'.repeat(64 - 20)}","price":1}`)).status).toBe(413);
    const bytes = Buffer.from(`{"name":"${'x'.repeat(64 - 20)}","price":1}`).toString('base64');
    expect((await post(bytes, { 'content-type': 'application/json' }, { isBase64Encoded: true })).status).toBe(413);
  });

  it('is required where the endpoint takes one, listed with the other bad fields', async () => {
    for (const body of [undefined, '']) {
      const res = await post(body, {}, { query: 'limit=0', itemId: 'A' });
      expect(res.status).toBe(400);
      expect(res.body.detail).toBe('3 invalid fields; see errors.');
      expect(res.body.errors).toContainEqual({ in: 'body', field: '', message: 'A JSON body is required.', code: 'required' });
      expect(fields(res.body.errors).sort()).toEqual(['body::required', 'path:itemId:invalid_format', 'query:limit:too_small']);
    }
  });

  it('of another media type is 415 naming what was sent; JSON with parameters and +json types are JSON', async () => {
    const form = await post('name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(form.body).toMatchObject({ type: 'urn:sellpo:problem:unsupported-media-type', detail: 'Send the body as application/json.', received: 'application/x-www-form-urlencoded' });
    expect((await post('{}', {})).body.received).toBeNull();
    expect(isJsonMediaType('Application/JSON ; charset=utf-8')).toBe(true);
    expect(isJsonMediaType('application/merge-patch+json')).toBe(true);
    expect(isJsonMediaType('application/jsonx')).toBe(false);
    expect(isJsonMediaType('text/plain; x=application/json')).toBe(false);
    expect(isJsonMediaType('')).toBe(false);
    expect(isJsonMediaType(undefined)).toBe(false);
  });

  it('in another charset or compressed is 415 naming it; charset=utf-8 and identity are accepted', async () => {
    const utf16 = await post(Buffer.from('{"name":"x","price":1}', 'utf16le').toString('base64'), { 'content-type': 'application/json; charset=UTF-16' }, { isBase64Encoded: true });
    expect(utf16.status).toBe(415);
    expect(utf16.body).toMatchObject({ detail: 'A body in charset utf-16 is not accepted; send JSON as UTF-8.', received: 'application/json; charset=UTF-16' });
    const gzipped = await post('{"name":"x","price":1}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(gzipped.status).toBe(415);
    expect(gzipped.body).toMatchObject({ detail: 'Content-Encoding gzip is not accepted; send the body uncompressed.', contentEncoding: 'gzip' });
    expect((await post('{"name":"x","price":1}', { 'content-type': 'application/json; charset="utf-8"' })).status).toBe(201);
    // ASCII text is UTF-8 under any label; Latin-1 bytes that are not UTF-8 are refused naming the charset.
    expect((await post('{"name":"x","price":1}', { 'content-type': 'application/json; charset=us-ascii' })).status).toBe(201);
    expect((await post('{"name":"x","price":1}', { 'content-type': 'application/json; charset=iso-8859-1' })).status).toBe(201);
    const latin1 = await post(Buffer.from('{"name":"caf\u00e9","price":1}', 'latin1').toString('base64'), { 'content-type': 'application/json; charset=iso-8859-1' }, { isBase64Encoded: true });
    expect([latin1.status, latin1.body.detail]).toEqual([415, 'A body in charset iso-8859-1 is not accepted; send JSON as UTF-8.']);
    expect((await post('{"name":"x","price":1}', { 'content-type': 'application/json;charset=utf8', 'content-encoding': 'identity' })).status).toBe(201);
  });

  it('bytes that are not UTF-8 are a field error; one byte order mark is dropped; base64 bodies are their bytes', async () => {
    const latin = await post(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]).toString('base64'), { 'content-type': 'application/json' }, { isBase64Encoded: true });
    expect(latin.status).toBe(400);
    expect(latin.body.errors).toEqual([{ in: 'body', field: '', code: 'invalid_encoding', message: 'is not valid UTF-8' }]);
    const bom = await post('\uFEFF{"name":"x","price":1}');
    expect(bom.status).toBe(201);
    expect((await post('\uFEFF\uFEFF{"name":"x","price":1}')).status).toBe(400);
    const b64 = Buffer.from('\uFEFF{"name":"é","price":2}').toString('base64');
    expect((await post(b64, { 'content-type': 'application/json' }, { isBase64Encoded: true })).body).toMatchObject({ name: 'é', price: 2 });
    expect(jsonText(Buffer.from('\uFEFFab'))).toEqual({ ok: true, text: 'ab' });
    expect(jsonText('ab\uFEFF')).toEqual({ ok: true, text: 'ab\uFEFF' });
  });

  it('malformed JSON is a 400 saying where it broke; nesting past the limit is a 400 of its own', async () => {
    const broken = await post('{"name": "x",');
    expect(broken.status).toBe(400);
    expect(broken.body.type).toBe('urn:sellpo:problem:malformed-json');
    expect(broken.body.detail).toMatch(/^The body is not valid JSON: ./);
    const h = harness();
    const deep = await h.send(echo, { rawPath: '/test/items/a', pathParameters: { itemId: 'a' }, headers: { 'content-type': 'application/json' }, body: '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1) });
    expect(deep.status).toBe(400);
    expect(deep.body).toMatchObject({ type: 'urn:sellpo:problem:validation', detail: `The body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`, maxDepth: MAX_JSON_DEPTH });
    expect(deep.body.errors).toEqual([{ in: 'body', field: '', message: expect.any(String), code: 'too_deep' }]);
  });

  it('text the JSON guard refuses is listed with the schema\'s own complaints', async () => {
    const res = await post('{"name":"a\\u0000b","price":-1}');
    expect(res.status).toBe(400);
    expect(fields(res.body.errors).sort()).toEqual(['body:name:invalid_characters', 'body:price:too_small']);
  });

  it('the default limit is 1 MiB', async () => {
    const h = harness();
    const big = `{"name":"${'x'.repeat(1024 * 1024)}","price":1}`;
    const res = await h.send(echo, { rawPath: '/test/items/a', pathParameters: { itemId: 'a' }, headers: { 'content-type': 'application/json' }, body: big });
    expect(res.body.limitBytes).toBe(1024 * 1024);
    const fits = `{"name":"${'x'.repeat(1024 * 1024 - 21)}","price":1}`;
    expect(Buffer.byteLength(fits)).toBe(1024 * 1024);
    expect((await h.send(echo, { rawPath: '/test/items/a', pathParameters: { itemId: 'a' }, headers: { 'content-type': 'application/json' }, body: fits })).status).toBe(201);
  });

  it('rawBody: none for a missing or empty body', () => {
    const event = (body: string | undefined) => buildV2Event({ method: 'POST', rawPath: '/', ...(body === undefined ? {} : { body }) });
    expect(rawBody(event(undefined))).toBeUndefined();
    expect(rawBody(event(''))).toBeUndefined();
    expect(rawBody({ ...event(undefined), body: null as unknown as string })).toBeUndefined();
    expect(rawBody(event('x'))).toBe('x');
  });
});

describe('path, query and headers', () => {
  it('path values that are not text are listed once, without the schema\'s complaints about the same value', async () => {
    const res = await post('{"name":"x","price":1}', { 'content-type': 'application/json' }, { itemId: 'a\u0000' });
    expect(fields(res.body.errors)).toEqual(['path:itemId:invalid_characters']);
    const shape = await post('{"name":"x","price":1}', { 'content-type': 'application/json' }, { itemId: 'A' });
    expect(fields(shape.body.errors)).toEqual(['path:itemId:invalid_format']);
  });

  it('query values that do not decode to text are listed, named as far as they can be', async () => {
    const res = await post('{"name":"x","price":1}', { 'content-type': 'application/json' }, { query: 'tag=%ff&%fe=1&limit=5&x=%00' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { in: 'query', field: 'tag', code: 'invalid_encoding', message: 'is not valid UTF-8 once percent-decoded' },
      { in: 'query', field: '\uFFFD', code: 'invalid_encoding', message: 'is not valid UTF-8 once percent-decoded' },
      { in: 'query', field: 'x', code: 'invalid_characters', message: expect.stringContaining('NUL') },
    ]);
  });

  it('a parameter that takes one value given more than once is one error saying so; list parameters take repeats', async () => {
    const res = await post('{"name":"x","price":1}', { 'content-type': 'application/json' }, { query: 'limit=2&limit=3&tag=a&tag=b&limit=4' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ in: 'query', field: 'limit', code: 'repeated', message: 'given 3 times; expected one value' }]);
    const once = await post('{"name":"x","price":1}', { 'content-type': 'application/json' }, { query: 'limit=2&tag=a&tag=b' });
    expect(once).toMatchObject({ status: 201, body: { limit: 2, tag: ['a', 'b'] } });
    // A required parameter, repeated: one error, not also "required".
    const h = harness();
    const search = (q: string) => h.send(searchy, { rawPath: '/test/search', rawQueryString: q });
    expect((await search('keyword=a&keyword=b')).body.errors).toEqual([{ in: 'query', field: 'keyword', code: 'repeated', message: 'given 2 times; expected one value' }]);
    expect((await search('keyword=a&hint=a&hint=b&tag=x&tag=y')).status).toBe(200);
    expect((await search('keyword=a&page=1&page=2')).body.errors).toEqual([{ in: 'query', field: 'page', code: 'repeated', message: 'given 2 times; expected one value' }]);
  });

  it('a required query value that is not text gets that one error, not also "received undefined"', async () => {
    const res = await harness().send(searchy, { rawPath: '/test/search', rawQueryString: 'keyword=%00' });
    expect(res.status).toBe(400);
    expect(fields(res.body.errors)).toEqual(['query:keyword:invalid_characters']);
    // Missing altogether, it is required as before.
    expect(fields((await harness().send(searchy, { rawPath: '/test/search', rawQueryString: '' })).body.errors)).toEqual(['query:keyword:invalid_type']);
  });

  it('a body field of the wrong type gets the one type error, not the length checks zod runs on it too', async () => {
    const res = await harness().send(listy, { rawPath: '/test/lists', headers: { 'content-type': 'application/json' }, body: '{"channels":"coupang_wing"}' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ in: 'body', field: 'channels', code: 'invalid_type', message: expect.stringContaining('expected array') }]);
    // Different fields, and different elements of a list, each keep their own error.
    const many = await harness().send(listy, { rawPath: '/test/lists', headers: { 'content-type': 'application/json' }, body: '{"channels":["x",5]}' });
    expect(fields(many.body.errors)).toEqual(['body:channels.0:invalid_value', 'body:channels.1:invalid_value']);
  });

  it('a number past several bounds gets the tightest; several problems a refinement finds in one field are all kept', async () => {
    const send = (body: string) => harness().send(listy, { rawPath: '/test/lists', headers: { 'content-type': 'application/json' }, body });
    // 1e308 breaks the safe-integer range (<=9007199254740991) and the schema's maximum: the real bound is 100.
    expect((await send('{"channels":["a"],"count":1e308}')).body.errors).toEqual([{ in: 'body', field: 'count', code: 'too_big', message: expect.stringContaining('<=100') }]);
    expect((await send('{"channels":["a"],"count":-1e308}')).body.errors).toEqual([{ in: 'body', field: 'count', code: 'too_small', message: expect.stringContaining('>=1') }]);
    expect((await send('{"channels":["a"],"words":["abcd","ok","wxyz"]}')).body.errors.map((e: FieldError) => e.message)).toEqual(['"abcd" is longer than 3', '"wxyz" is longer than 3']);
  });

  it('an endpoint without schemas gets empty path and query, decoding nothing', async () => {
    const h = harness();
    const res = await h.send(bare, { rawPath: '/test/bare/x', pathParameters: { anything: 'a\u0000' }, rawQueryString: 'q=%ff' });
    expect(res).toMatchObject({ status: 200, body: { params: {}, query: {}, body: null } });
  });

  it('the data headers must be text; other headers are not judged', async () => {
    const h = harness();
    const res = await h.send(bare, { rawPath: '/test/bare/x', pathParameters: { anything: 'x' }, headers: { 'x-request-id': 'a\u0000', 'idempotency-key': '\u00ff', 'x-other': '\u00ff\u0000' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { in: 'header', field: 'idempotency-key', code: 'invalid_encoding', message: 'is not valid UTF-8' },
      { in: 'header', field: 'x-request-id', code: 'invalid_characters', message: expect.stringContaining('NUL') },
    ]);
    expect(res.body.detail).toBe('2 invalid fields; see errors.');
  });

  it('headerProblem: Latin-1 bytes must form UTF-8; text beyond Latin-1 is taken as it is', () => {
    expect(headerProblem('plain')).toBeUndefined();
    expect(headerProblem('\u00c3\u00a9')).toBeUndefined();
    expect(headerProblem('\u00e9')).toEqual({ code: 'invalid_encoding', message: 'is not valid UTF-8' });
    expect(headerProblem('\u00e9\u4e00')).toBeUndefined();
    expect(headerProblem('a\u0000')?.code).toBe('invalid_characters');
  });

  it('parseQuery decodes as forms do and keeps repeated names as arrays', () => {
    expect(parseQuery('')).toEqual({});
    expect(parseQuery('a=1&&b&a=2&a=3&c=x+y%2Bz&d=%E2%82%AC')).toEqual({ a: ['1', '2', '3'], b: '', c: 'x y+z', d: '€' });
    expect(parseQuery('k=%&m=%zz%41&n=100%25')).toEqual({ k: '%', m: '%zzA', n: '100%' });
    expect(parseQuery('k=%e2%82%ac%')).toEqual({ k: '€%' });
    expect(parseQuery('k=%4')).toEqual({ k: '%4' });
    expect(parseQuery('k=%G1%4g%a')).toEqual({ k: '%G1%4g%a' });
    expect(parseQuery('a+b=1')).toEqual({ 'a b': '1' });
    const errors: FieldError[] = [];
    expect(parseQuery('ok=1&bad=%c3%28&%ff%41=2&lone=%ED%A0%80&%zz%ff', errors)).toEqual({ ok: '1' });
    expect(errors.map((e) => e.field)).toEqual(['bad', '\uFFFDA', 'lone', '%zz\uFFFD']);
    // A lone surrogate in the raw text (not from escapes) is reported as text, not as an encoding.
    const more: FieldError[] = [];
    expect(parseQuery('s=\uD800%41', more)).toEqual({});
    expect(more).toEqual([{ in: 'query', field: 's', code: 'invalid_characters', message: expect.stringContaining('surrogate') }]);
    expect(parseQuery('x=%ff')).toEqual({});
    expect(parseQuery('x=%00')).toEqual({});
  });

  it('where a value does not decode as a whole, only % and two hex digits (0-9, A-F, a-f) are an escape', () => {
    // The bare % makes decodeURIComponent refuse the value; the escapes after it still decode.
    expect(parseQuery('k=%%30%39%4A%4F%6a%6f%3/%3:%4@%4G%6`%6g')).toEqual({ k: '%09JOjo%3/%3:%4@%4G%6`%6g' });
    expect(parseQuery('k=%zzx12')).toEqual({ k: '%zzx12' });
    // A lone surrogate beside a bare % is reported as it stands, not as the U+FFFD that re-encoding would make.
    const errors: FieldError[] = [];
    expect(parseQuery('s=\uD800%', errors)).toEqual({});
    expect(errors).toEqual([{ in: 'query', field: 's', code: 'invalid_characters', message: expect.stringContaining('surrogate') }]);
  });
});
