/**
 * Batch sessions (handlers/kit/batch.ts): a session answers each row as the per-request handler would, with the
 * batch's id and the row's line as the request id; it is offered only where it cannot change an answer, and a row
 * it cannot judge cheaply goes back to the handler (null).
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DomainError } from '../../core/shared/errors.ts';
import { openBatch, type BatchCaller, type BatchSession } from '../../handlers/kit/batch.ts';
import { defineEndpoint, type AnyEndpoint } from '../../handlers/kit/endpoint.ts';
import type { V2Result } from '../../handlers/kit/gateway-event.ts';
import { bearer, harness, type HarnessOptions } from './fixtures.ts';

const price = defineEndpoint({
  id: 'test.price',
  method: 'POST',
  path: '/test/price/{shop}',
  summary: 'Prices a row',
  tags: ['test'],
  access: 'tenant',
  params: z.object({ shop: z.enum(['a', 'b']) }),
  query: z.object({ vat: z.enum(['yes', 'no']).default('no') }),
  body: z.object({ won: z.number().int().min(0) }),
  responses: { 200: z.object({ shop: z.string(), won: z.number(), tenant: z.string() }) },
  run: ({ params, query, body }, ctx) => {
    if (body.won === 13) throw new DomainError('invalid', 'Unlucky.');
    if (body.won === 666) throw new Error('crash');
    return { status: 200, body: { shop: params.shop, won: query.vat === 'yes' ? Math.round(body.won * 1.1) : body.won, tenant: ctx.principal.kind === 'tenant' ? ctx.principal.tenantId : '-' } };
  },
});

const asyncPrice = defineEndpoint({
  ...price,
  id: 'test.asyncPrice',
  run: async (input, ctx) => {
    if (input.body.won === 13) throw new DomainError('invalid', 'Unlucky.');
    return price.run(input, ctx) as never;
  },
});

const publicCalc = defineEndpoint({ ...price, id: 'test.publicCalc', access: 'public', params: undefined, path: '/test/calc', run: ({ body }) => ({ status: 200, body: { shop: '-', won: body.won, tenant: '-' } }) });

const caller = (extra: Partial<BatchCaller> = {}): BatchCaller => ({ headers: bearer('owner'), rawQueryString: '', pathParameters: { shop: 'a' }, rawPath: '/test/price/a', ...extra });

const open = async (def: AnyEndpoint = price, c = caller(), o: HarnessOptions = {}) => {
  const h = harness(o);
  const opening = await openBatch(def, h.options, c);
  return { h, opening };
};

const session = async (def: AnyEndpoint = price, c = caller(), o: HarnessOptions = {}) => {
  const { h, opening } = await open(def, c, o);
  expect(opening.kind).toBe('session');
  return { h, s: (opening as { session: BatchSession }).session };
};

const answer = async (s: BatchSession, body: unknown, line: number) => {
  const result = s.answer(body, line, JSON.stringify(body) ?? '');
  expect(result).not.toBeNull();
  const r = (await result) as V2Result;
  return { status: r.statusCode, headers: r.headers!, body: JSON.parse(r.body!) };
};

describe('openBatch', () => {
  it('keeps the per-request path where a session could change an answer', async () => {
    expect((await open(price, caller({ headers: { ...bearer('owner'), 'idempotency-key': 'k' } }))).opening).toEqual({ kind: 'per_request', reason: 'the rows carry header idempotency-key' });
    expect((await open(price, caller({ headers: { 'x-a': '1', 'x-b': '2', 'user-agent': 'ua' } }))).opening).toEqual({ kind: 'per_request', reason: 'the rows carry headers x-a, x-b' });
    expect((await open(price, caller({ headers: { 'user-agent': 'ua' } }))).opening).toEqual({ kind: 'per_request', reason: 'each row brings its own credentials' });
    expect((await open(price, caller({ rawQueryString: 'vat=maybe' }))).opening).toEqual({ kind: 'per_request', reason: 'the query or path values are invalid' });
    expect((await open(price, caller({ pathParameters: { shop: 'c' } }))).opening).toEqual({ kind: 'per_request', reason: 'the query or path values are invalid' });
    // A public endpoint needs no credentials for a session.
    expect((await open(publicCalc, caller({ headers: {}, pathParameters: {} }))).opening.kind).toBe('session');
  });

  it('turns away a caller the handler would refuse, once, with the handler\'s problem and the batch\'s id', async () => {
    const { opening, h } = await open(price, caller({ headers: bearer('nobody') }));
    expect(opening.kind).toBe('refused');
    const answer = (opening as { answer: V2Result }).answer;
    expect(answer.statusCode).toBe(401);
    expect(answer.headers?.['www-authenticate']).toBe('Bearer realm="sellpo", error="invalid_token"');
    expect(answer.headers?.['x-request-id']).toBe(JSON.parse(answer.body!).instance);
    expect(h.failures.map((f) => f.reason)).toEqual(['invalid_credentials']);
    const flagged = await open({ ...price, flag: 'off-flag' });
    expect(flagged.opening.kind).toBe('refused');
    expect(JSON.parse((flagged.opening as { answer: V2Result }).answer.body!).detail).toBe('No route for POST /test/price/a.');
  });
});

describe('a session', () => {
  it('answers each row as the handler does, with the caller, path and query of the batch and the row\'s own request id', async () => {
    const { s, h } = await session(price, caller({ rawQueryString: 'vat=yes' }));
    const one = await answer(s, { won: 100 }, 1);
    expect(one).toMatchObject({ status: 200, body: { shop: 'a', won: 110, tenant: 't-1' } });
    expect(one.headers).toMatchObject({ 'content-type': 'application/json', 'x-request-id': `${s.id}:1` });
    const handler = await h.call(price, { path: { shop: 'a' }, query: { vat: 'yes' }, headers: bearer('owner'), body: { won: 100 } });
    expect(handler.body).toEqual(one.body);
    expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
    // Rows write no access line.
    expect(h.access).toHaveLength(1);
  });

  it('a bad row gets its own errors only, with the row as the problem\'s instance; a use case failure its problem', async () => {
    const { s } = await session();
    const bad = await answer(s, { won: -1 }, 2);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ instance: `${s.id}:2`, detail: '1 invalid field; see errors.' });
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['won']);
    const worse = await answer(s, { won: 'x' }, 3);
    expect(worse.body.errors).toHaveLength(1);
    expect((await answer(s, { won: 5 }, 4)).status).toBe(200);
    const unlucky = await answer(s, { won: 13 }, 5);
    expect(unlucky).toMatchObject({ status: 400, body: { type: 'urn:sellpo:problem:invalid', instance: `${s.id}:5` }, headers: { 'x-request-id': `${s.id}:5` } });
    expect((await answer(s, { won: 666 }, 6)).status).toBe(500);
  });

  it('an asynchronous use case answers through a promise, its failures as problems', async () => {
    const { s } = await session(asyncPrice);
    const ok = s.answer({ won: 7 }, 1, '{"won":7}');
    expect(ok).toBeInstanceOf(Promise);
    expect((await answer(s, { won: 7 }, 1)).headers['x-request-id']).toBe(`${s.id}:1`);
    const failed = await answer(s, { won: 13 }, 2);
    expect(failed).toMatchObject({ status: 400, headers: { 'x-request-id': `${s.id}:2` }, body: { instance: `${s.id}:2` } });
  });

  it('declines rows it cannot judge cheaply: no body, text the JSON guard must walk, text near the body limit', async () => {
    const { s } = await session(price, caller(), { maxBodyBytes: 30 });
    expect(s.answer(undefined, 1, '')).toBeNull();
    expect(s.answer({ won: 1 }, 2, '{"won":1,"__proto__":{}}')).toBeNull();
    expect(s.answer({ won: 1 }, 3, '{"won":1}')).not.toBeNull();
    // 10 units may be 30 bytes: at the limit, judged; 11 may be 33: the handler decides.
    expect(s.answer({ won: 1 }, 4, '{"won":10}')).not.toBeNull();
    expect(s.answer({ won: 1 }, 5, '{"won":100}')).toBeNull();
  });

  it('counts a metered row after its body passed, right before the use case; a spent budget answers that row 429', async () => {
    let left = 2;
    const { s, h } = await session(price, caller(), { consume: async () => { if (left-- <= 0) throw new DomainError('rate_limited', 'Spent.', { retryAfterSeconds: 60 }); } });
    expect((await answer(s, { won: -1 }, 1)).status).toBe(400);
    expect((await answer(s, { won: 1 }, 2)).status).toBe(200);
    expect((await answer(s, { won: 2 }, 3)).status).toBe(200);
    const spent = await answer(s, { won: 3 }, 4);
    expect(spent).toMatchObject({ status: 429, headers: { 'retry-after': '60', 'x-request-id': `${s.id}:4` } });
    expect(h.consumed.map((c) => c.tenantId)).toEqual(['t-1', 't-1']);
    // An unmetered endpoint, or a runtime without a quota, answers synchronously.
    const free = await session({ ...price, metered: false });
    expect(free.s.answer({ won: 1 }, 1, '{"won":1}')).not.toBeInstanceOf(Promise);
    const noQuota = await session(price, caller(), { noQuota: true });
    expect(noQuota.s.answer({ won: 1 }, 1, '{"won":1}')).not.toBeInstanceOf(Promise);
  });
});
