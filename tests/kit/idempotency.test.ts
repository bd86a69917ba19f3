/**
 * `Idempotency-Key` as the toolkit promises it (handlers/kit/idempotency.ts): a repeated request replays the first
 * answer, marked `idempotency-replayed: true`, without running the use case; another request or another caller
 * under the key is 422; a key still running is 409 with Retry-After; 5xx answers free the key, 4xx ones are kept;
 * secrets shown once are never stored; replays of audited endpoints are audited.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DomainError } from '../../core/shared/errors.ts';
import type { IdempotencyStore } from '../../core/platform/idempotency.ts';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import { callerIdentity, canonicalJson, isIdempotent, requestFingerprint, storableResponse } from '../../handlers/kit/idempotency.ts';
import { buildV2Event } from '../../adapters/routing/build-event.ts';
import { admin, bearer, harness, member, NOW, otherTenant, owner } from './fixtures.ts';

const idem = (token: string, key: string) => ({ ...bearer(token), 'idempotency-key': key });

/** An order endpoint that counts its runs and fails as its body asks. */
const makeOrder = () => {
  const runs: string[] = [];
  let release: (() => void) | undefined;
  let arrived: (() => void) | undefined;
  const def = defineEndpoint({
    id: 'test.order',
    method: 'POST',
    path: '/test/orders',
    summary: 'Places an order',
    tags: ['test'],
    access: 'tenant',
    body: z.object({ sku: z.string(), fail: z.enum(['conflict', 'invalid', 'crash', 'outage', 'hold']).optional() }),
    responses: { 201: z.object({ order: z.number(), sku: z.string() }) },
    audit: { action: 'order.create', target: (body: { order: number }) => `order:${body.order}` },
    run: async ({ body }) => {
      runs.push(body.sku);
      if (body.fail === 'hold') {
        arrived?.();
        await new Promise<void>((resolve) => (release = resolve));
      }
      if (body.fail === 'conflict') throw new DomainError('conflict', 'Out of stock.', { details: { sku: body.sku } });
      if (body.fail === 'invalid') throw new DomainError('invalid', 'Not for sale.');
      if (body.fail === 'crash') throw new Error('boom');
      if (body.fail === 'outage') return { status: 503 as 201, body: { order: 0, sku: body.sku } };
      return { status: 201, body: { order: runs.length, sku: body.sku }, headers: { location: `/test/orders/${runs.length}` } };
    },
  });
  const holding = () => new Promise<void>((resolve) => (arrived = resolve));
  return { def, runs, holding, release: () => release?.() };
};

describe('Idempotency-Key', () => {
  it('replays the first answer (status, headers, body) marked as a replay, without running the use case again', async () => {
    const h = harness();
    const o = makeOrder();
    const first = await h.call(o.def, { headers: idem('owner', 'k-1'), body: { sku: 'A' } });
    expect(first.status).toBe(201);
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    const again = await h.call(o.def, { headers: idem('owner', 'k-1'), body: { sku: 'A' } });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers).toMatchObject({ location: '/test/orders/1', 'content-type': 'application/json', 'idempotency-replayed': 'true' });
    expect(o.runs).toEqual(['A']);
    // The store was asked with the tenant's scope, the endpoint and the service's lease and lifetime.
    expect(h.idempotency.calls.begin.map((b) => [b.key, b.options.ttlSeconds, b.options.lockSeconds])).toEqual([
      [{ scope: 't-1', operation: 'test.order', key: 'k-1' }, 86_400, 120],
      [{ scope: 't-1', operation: 'test.order', key: 'k-1' }, 86_400, 120],
    ]);
    // Without the key every request runs.
    await h.call(o.def, { headers: bearer('owner'), body: { sku: 'A' } });
    await h.call(o.def, { headers: bearer('owner'), body: { sku: 'A' } });
    expect(o.runs).toEqual(['A', 'A', 'A']);
    expect(h.idempotency.calls.begin).toHaveLength(2);
  });

  it('two credentials of one member and role share replays; another tenant\'s same key is its own', async () => {
    const h = harness();
    const o = makeOrder();
    await h.call(o.def, { headers: idem('owner', 'shared'), body: { sku: 'A' } });
    const other = await h.call(o.def, { headers: idem('other', 'shared'), body: { sku: 'A' } });
    expect(other.status).toBe(201);
    expect(other.headers['idempotency-replayed']).toBeUndefined();
    expect(o.runs).toEqual(['A', 'A']);
    expect(h.idempotency.calls.begin[1]!.key.scope).toBe('t-2');
  });

  it('the same body re-serialised (keys in another order, other spacing) is a replay; a changed value is still 422', async () => {
    const h = harness();
    const o = makeOrder();
    const json = { ...idem('owner', 'k-order'), 'content-type': 'application/json' };
    const first = await h.send(o.def, { headers: json, body: '{"sku":"A","fail":"invalid"}' });
    expect(first.status).toBe(400);
    const reordered = await h.send(o.def, { headers: json, body: '{ "fail": "invalid",\n  "sku": "A" }' });
    expect([reordered.status, reordered.headers['idempotency-replayed']]).toEqual([400, 'true']);
    const changed = await h.send(o.def, { headers: json, body: '{"fail":"invalid","sku":"B"}' });
    expect(changed.status).toBe(422);
    expect(o.runs).toEqual(['A']);
  });

  it('canonicalJson sorts keys at every depth and keeps array order and values', () => {
    expect(canonicalJson({ b: [{ z: 1, a: null }, 'x'], a: { d: true, c: 1.5 } })).toBe('{"a":{"c":1.5,"d":true},"b":[{"a":null,"z":1},"x"]}');
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
  });

  it('the same key with another body, path query or caller is 422 naming the key; nothing runs', async () => {
    const h = harness();
    const o = makeOrder();
    await h.call(o.def, { headers: idem('owner', 'k-2'), body: { sku: 'A' } });
    for (const [token, spec] of [
      ['owner', { body: { sku: 'B' } }],
      ['owner', { body: { sku: 'A' }, query: { x: '1' } }],
      ['member', { body: { sku: 'A' } }],
    ] as const) {
      const res = await h.call(o.def, { ...spec, headers: idem(token, 'k-2') });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        type: 'urn:sellpo:problem:unprocessable',
        detail: 'This Idempotency-Key was already used with a different request or by another credential; use a new key for a new request.',
        idempotencyKey: 'k-2',
      });
    }
    expect(o.runs).toEqual(['A']);
  });

  it('a key whose first request is still running is 409 with Retry-After: 1; once it finishes the answer replays', async () => {
    const h = harness();
    const o = makeOrder();
    const arrived = o.holding();
    const first = h.call(o.def, { headers: idem('owner', 'k-3'), body: { sku: 'A', fail: 'hold' } });
    await arrived;
    const second = await h.call(o.def, { headers: idem('owner', 'k-3'), body: { sku: 'A', fail: 'hold' } });
    expect(second.status).toBe(409);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.body).toMatchObject({ type: 'urn:sellpo:problem:conflict', detail: 'A request with this Idempotency-Key is still running; retry after it finishes.', idempotencyKey: 'k-3', retryAfterSeconds: 1 });
    o.release();
    expect((await first).status).toBe(201);
    const third = await h.call(o.def, { headers: idem('owner', 'k-3'), body: { sku: 'A', fail: 'hold' } });
    expect(third.headers['idempotency-replayed']).toBe('true');
    expect(o.runs).toEqual(['A']);
  });

  it('a 4xx the use case throws is stored and replayed; a thrown error or a 5xx frees the key so a retry runs', async () => {
    const h = harness();
    const o = makeOrder();
    const conflict = await h.call(o.def, { headers: idem('owner', 'k-4'), body: { sku: 'C', fail: 'conflict' } });
    expect(conflict.status).toBe(409);
    const replayed = await h.call(o.def, { headers: idem('owner', 'k-4'), body: { sku: 'C', fail: 'conflict' } });
    expect(replayed).toMatchObject({ status: 409, body: { detail: 'Out of stock.', sku: 'C' }, headers: { 'idempotency-replayed': 'true', 'content-type': 'application/problem+json' } });
    expect(o.runs).toEqual(['C']);

    for (const fail of ['crash', 'outage'] as const) {
      const a = await h.call(o.def, { headers: idem('owner', `k-${fail}`), body: { sku: 'D', fail } });
      const b = await h.call(o.def, { headers: idem('owner', `k-${fail}`), body: { sku: 'D', fail } });
      expect(a.status).toBeGreaterThanOrEqual(500);
      expect(b.status).toBe(a.status);
      expect(b.headers['idempotency-replayed']).toBeUndefined();
    }
    expect(o.runs).toEqual(['C', 'D', 'D', 'D', 'D']);
    expect(h.idempotency.calls.release).toBe(4);
  });

  it('refuses a key that is not 1-255 printable ASCII characters with a 400 naming the header, before the store', async () => {
    const h = harness();
    const o = makeOrder();
    for (const key of ['', 'has space', 'x'.repeat(256), 'tab\t', '\u00c3\u00a9' /* é as UTF-8 bytes, as node:http hands them over */]) {
      const res = await h.call(o.def, { headers: idem('owner', key), body: { sku: 'A' } });
      expect(res.status).toBe(400);
      expect(res.body.errors).toContainEqual({ in: 'header', field: 'idempotency-key', message: 'expected 1-255 printable ASCII characters', code: 'invalid_format' });
      expect(res.body.detail).toBe('Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.');
    }
    expect(h.idempotency.calls.begin).toEqual([]);
    for (const key of ['x'.repeat(255), '!~']) expect((await h.call(o.def, { headers: idem('owner', key), body: { sku: 'A' } })).status).toBe(201);
  });

  it('a request refused before the use case (401, 400, 429) never takes the key', async () => {
    const h = harness({ consume: async () => Promise.reject(new DomainError('rate_limited', 'Spent.', { retryAfterSeconds: 60 })) });
    const o = makeOrder();
    expect((await h.call(o.def, { headers: { 'idempotency-key': 'k-5' }, body: { sku: 'A' } })).status).toBe(401);
    expect((await h.call(o.def, { headers: idem('owner', 'k-5'), body: { sku: 1 } })).status).toBe(400);
    expect((await h.call(o.def, { headers: idem('owner', 'k-5'), body: { sku: 'A' } })).status).toBe(429);
    expect(h.idempotency.calls.begin).toEqual([]);
  });

  it('an answer that cannot be stored still stands, logged; a key that cannot be released is logged', async () => {
    const h0 = harness();
    const failing: IdempotencyStore = {
      begin: h0.idempotency.store.begin,
      complete: async () => Promise.reject(new Error('disk full')),
      release: async () => Promise.reject(new Error('gone')),
    };
    const h = harness({ store: failing });
    const o = makeOrder();
    expect((await h.call(o.def, { headers: idem('owner', 'k-6'), body: { sku: 'A' } })).status).toBe(201);
    expect((await h.call(o.def, { headers: idem('owner', 'k-7'), body: { sku: 'A', fail: 'crash' } })).status).toBe(500);
    expect(h.logs.filter((l) => l.level === 'ERROR').map((l) => l.message)).toEqual(['could not store an idempotent response', 'unhandled error', 'could not release an idempotency key']);
  });

  it('a store that cannot be reached answers 503 with Retry-After: 1, logged without reaching the caller, and nothing runs', async () => {
    const h = harness({ store: { begin: async () => Promise.reject(new Error('ECONNREFUSED password=hunter2')), complete: async () => {}, release: async () => {} } });
    const o = makeOrder();
    const res = await h.call(o.def, { headers: idem('owner', 'k-8'), body: { sku: 'A' } });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ type: 'urn:sellpo:problem:unavailable', detail: 'The request could not be checked against its Idempotency-Key; retry shortly.', retryAfterSeconds: 1 });
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(h.logs.map((l) => [l.level, l.message])).toContainEqual(['ERROR', 'idempotency store unavailable']);
    expect(o.runs).toEqual([]);
  });

  it('POSTs behind credentials are idempotent by default; other methods and public endpoints are not unless they say so', async () => {
    const post = makeOrder().def;
    expect(isIdempotent(post)).toBe(true);
    expect(isIdempotent({ ...post, access: 'admin' })).toBe(true);
    expect(isIdempotent({ ...post, access: 'public' })).toBe(false);
    expect(isIdempotent({ ...post, method: 'PUT' })).toBe(false);
    expect(isIdempotent({ ...post, idempotent: false })).toBe(false);
    expect(isIdempotent({ ...post, access: 'public', idempotent: true })).toBe(true);
    // A public POST runs every time, key or not.
    let runs = 0;
    const open = defineEndpoint({ id: 'test.open', method: 'POST', path: '/test/open', summary: 's', tags: ['test'], access: 'public', body: z.object({}), responses: { 200: z.object({ run: z.number() }) }, run: () => ({ status: 200, body: { run: ++runs } }) });
    const h = harness();
    await h.call(open, { headers: { 'idempotency-key': 'p' }, body: {} });
    expect((await h.call(open, { headers: { 'idempotency-key': 'p' }, body: {} })).body).toEqual({ run: 2 });
  });
});

describe('replays of audited endpoints', () => {
  it('are recorded in the caller\'s chain as replays, with the target read from the stored answer', async () => {
    const h = harness();
    const o = makeOrder();
    await h.call(o.def, { headers: idem('owner', 'a-1'), body: { sku: 'A' } });
    expect(h.audits).toEqual([]);
    const again = await h.send(o.def, { headers: { ...idem('owner', 'a-1'), 'content-type': 'application/json', 'x-request-id': 'mine' }, body: JSON.stringify({ sku: 'A' }), sourceIp: '192.0.2.5' });
    expect(again.headers['idempotency-replayed']).toBe('true');
    expect(h.audits).toEqual([{
      tenantId: 't-1', at: NOW, actor: 'member:u-owner', credential: { via: 'api_key', keyId: 'k-1', keyPrefix: 'sp_live_ab', role: 'owner' },
      action: 'order.create', target: 'order:1', requestId: h.access.at(-1)!.requestId, clientRequestId: 'mine',
      sourceIp: '192.0.2.5', outcome: 'success', details: { replay: true, status: 201 },
    }]);
  });

  it('a replayed failure is recorded as a failure without a target; no address or caller id is null', async () => {
    const h = harness();
    const o = makeOrder();
    await h.call(o.def, { headers: idem('member', 'a-2'), body: { sku: 'C', fail: 'conflict' } });
    await h.send(o.def, { headers: { ...idem('member', 'a-2'), 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'C', fail: 'conflict' }), sourceIp: '' });
    expect(h.audits).toEqual([expect.objectContaining({ actor: 'member:u-member', target: null, clientRequestId: null, sourceIp: null, outcome: 'failure', details: { replay: true, status: 409 } })]);
  });

  it('a replayed 400 is a failure too', async () => {
    const h = harness();
    const o = makeOrder();
    await h.call(o.def, { headers: idem('owner', 'a-5'), body: { sku: 'I', fail: 'invalid' } });
    expect((await h.call(o.def, { headers: idem('owner', 'a-5'), body: { sku: 'I', fail: 'invalid' } })).status).toBe(400);
    expect(h.audits.map((a) => [a.outcome, a.target, a.details])).toEqual([['failure', null, { replay: true, status: 400 }]]);
  });

  it('a replay whose record cannot be written is refused with 503 and Retry-After: 1', async () => {
    const h = harness({ appendAudit: async () => Promise.reject(new Error('audit down')) });
    const o = makeOrder();
    await h.call(o.def, { headers: idem('owner', 'a-3'), body: { sku: 'A' } });
    const res = await h.call(o.def, { headers: idem('owner', 'a-3'), body: { sku: 'A' } });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['idempotency-replayed']).toBeUndefined();
    expect(res.body.detail).toBe('The replay of this request could not be recorded; retry shortly.');
    expect(h.logs.map((l) => l.message)).toContain('could not audit an idempotent replay');
  });

  it('a target that cannot be read from the stored answer is null; an endpoint without a target records none', async () => {
    const h = harness();
    const odd = defineEndpoint({
      id: 'test.odd', method: 'POST', path: '/test/odd', summary: 's', tags: ['test'], access: 'admin', body: z.object({}),
      responses: { 200: z.object({ id: z.string() }) },
      audit: { action: 'odd.make', target: () => { throw new Error('no id'); } },
      run: () => ({ status: 200, body: { id: 'x' } }),
    });
    const plain = defineEndpoint({ ...odd, id: 'test.plain', audit: { action: 'plain.make' } });
    for (const def of [odd, plain]) {
      await h.call(def, { headers: idem('admin', 'a-4'), body: {} });
      await h.call(def, { headers: idem('admin', 'a-4'), body: {} });
    }
    expect(h.audits.map((a) => [a.action, a.target, a.tenantId, a.actor])).toEqual([['odd.make', null, null, 'admin:a-1'], ['plain.make', null, null, 'admin:a-1']]);
    expect(h.idempotency.calls.begin[0]!.key.scope).toBe('platform');
  });
});

describe('what is stored and what makes two requests the same', () => {
  const secrets = { fields: ['key', 'secret'], note: 'The key was shown once.' };

  it('leaves secret fields out and adds the note; other answers are stored as they are', () => {
    const result = { statusCode: 201, headers: { a: 'b' }, body: JSON.stringify({ id: 1, key: 'sk_live', secret: 's', name: 'n' }) };
    expect(storableResponse({ secrets }, result)).toEqual({ status: 201, headers: { a: 'b' }, body: JSON.stringify({ id: 1, name: 'n', note: 'The key was shown once.' }) });
    const noSecret = { statusCode: 400, headers: {}, body: JSON.stringify({ id: 1 }) };
    expect(storableResponse({ secrets }, noSecret)).toEqual({ status: 400, headers: {}, body: noSecret.body });
    expect(storableResponse({}, result)).toEqual({ status: 201, headers: { a: 'b' }, body: result.body });
    expect(storableResponse({ secrets }, { statusCode: 204 })).toEqual({ status: 204, headers: {}, body: '' });
    for (const body of ['not json', '[1]', 'null', '"key"']) {
      expect(storableResponse({ secrets }, { statusCode: 200, headers: {}, body }).body).toBe(JSON.stringify({ note: 'The key was shown once.' }));
    }
  });

  it('the stored copy of an answer with a secret never holds it, and its replay carries the note', async () => {
    const h = harness();
    const create = defineEndpoint({
      id: 'test.createKey', method: 'POST', path: '/test/keys', summary: 's', tags: ['test'], access: 'tenant', body: z.object({}), secrets,
      responses: { 201: z.object({ id: z.string(), key: z.string().optional(), note: z.string().optional() }) },
      run: () => ({ status: 201, body: { id: 'k1', key: 'sk_live_secret' } }),
    });
    expect((await h.call(create, { headers: idem('owner', 's-1'), body: {} })).body.key).toBe('sk_live_secret');
    expect(JSON.stringify([...h.idempotency.entries.values()])).not.toContain('sk_live_secret');
    expect((await h.call(create, { headers: idem('owner', 's-1'), body: {} })).body).toEqual({ id: 'k1', note: 'The key was shown once.' });
  });

  it('callers are told apart by tenant, member and role, or administrator', () => {
    expect(callerIdentity(owner)).toBe('tenant:t-1:member:u-owner:owner');
    expect(callerIdentity(member)).toBe('tenant:t-1:member:u-member:member');
    expect(callerIdentity(otherTenant)).toBe('tenant:t-2:member:u-owner:owner');
    expect(callerIdentity(admin)).toBe('admin:a-1');
    expect(callerIdentity({ kind: 'anonymous' })).toBe('anonymous');
  });

  it('the fingerprint covers the caller, method, path, query and body; a base64 body is its bytes', () => {
    const base = { method: 'POST', rawPath: '/a', rawQueryString: 'x=1', headers: {}, body: '{"a":1}' };
    const fp = (parts: Partial<typeof base> & { isBase64Encoded?: boolean }, who = owner) => requestFingerprint(buildV2Event({ ...base, ...parts }), who);
    const reference = fp({});
    expect(reference).toMatch(/^[0-9a-f]{64}$/);
    expect(fp({ body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true })).toBe(reference);
    // Another credential of the same member and role (a JWT beside the API key) is the same caller.
    expect(fp({}, { kind: 'tenant', tenantId: 't-1', actorId: 'u-owner', role: 'owner', via: 'jwt' })).toBe(reference);
    const others = [fp({}, member), fp({ method: 'PUT' }), fp({ rawPath: '/b' }), fp({ rawQueryString: 'x=2' }), fp({ body: '{"a":2}' }), fp({ body: '' }), fp({ rawQueryString: '' })];
    expect(new Set([reference, ...others]).size).toBe(others.length + 1);
    // The parts are separated: moving text from the path into the query is another request.
    expect(fp({ rawPath: '/a\nx=1', rawQueryString: '' })).not.toBe(fp({ rawPath: '/a', rawQueryString: '\nx=1' }));
  });
});
