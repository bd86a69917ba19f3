import { describe, expect, it } from 'vitest';
import { testRuntime } from '../helpers/invoke.ts';
import { testEndpoints } from '../helpers/test-endpoints.ts';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { staticFlags } from '../../adapters/memory/flags.ts';
import { buildV2Event } from '../../adapters/routing/build-event.ts';
import type { AuthFailure, Principal } from '../../core/platform/principal.ts';

const tokens = new Map<string, Principal>([
  ['tenant-key', { kind: 'tenant', tenantId: 't-1', actorId: 'u-1', role: 'owner', via: 'api_key' }],
  ['admin-key', { kind: 'admin', actorId: 'a-1', via: 'api_key' }],
]);

const runtime = (extra: Parameters<typeof testRuntime>[0] = {}) =>
  testRuntime({ endpoints: testEndpoints, overrides: { auth: memoryAuthenticator(tokens) }, ...extra });

describe('request id', () => {
  it('echoes a caller-supplied x-request-id but keys the request by an id of its own', async () => {
    const rt = await runtime();
    const res = await rt.call('test.fail', { path: { kind: 'conflict' }, headers: { 'x-request-id': 'caller-42' } });
    expect(res.headers['x-request-id']).toBe('caller-42');
    // The problem, the logs and the audit log name the server's id; the caller's is kept beside it.
    expect(res.body.instance).toMatch(/^[0-9a-f-]{36}$/);
    expect(rt.captured.access[0]).toMatchObject({ requestId: res.body.instance, clientRequestId: 'caller-42' });
  });

  it('makes a fresh id when none (or an unsafe one) is sent', async () => {
    const rt = await runtime();
    const a = await rt.call('test.echo', { path: { itemId: 'a' }, body: { name: 'x', price: 1 } });
    const b = await rt.call('test.echo', { path: { itemId: 'a' }, body: { name: 'x', price: 1 }, headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});

describe('validation', () => {
  it('passes parsed and coerced input to the use case', async () => {
    const rt = await runtime();
    const res = await rt.call('test.echo', { path: { itemId: 'cup-1' }, query: { limit: '5', tag: ['a', 'b'] }, body: { name: '캠핑의자', price: 39000 } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ itemId: 'cup-1', limit: 5, tag: ['a', 'b'], name: '캠핑의자', price: 39000 });
  });

  it('lists every bad field across path, query and body in one 400 problem', async () => {
    const rt = await runtime();
    const res = await rt.call('test.echo', { path: { itemId: 'BAD ID' }, query: { limit: '500' }, body: { name: '', price: -1, tags: ['a', 'b', 'c', 'd'] } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.type).toBe('urn:sellpo:problem:validation');
    const fields = res.body.errors.map((e: { in: string; field: string }) => `${e.in}:${e.field}`).sort();
    expect(fields).toEqual(['body:name', 'body:price', 'body:tags', 'path:itemId', 'query:limit']);
    expect(res.body.detail).toBe('5 invalid fields; see errors.');
  });

  it('asks for a body when one is required', async () => {
    const rt = await runtime();
    const res = await rt.call('test.echo', { path: { itemId: 'a' } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ in: 'body', field: '', message: 'A JSON body is required.', code: 'required' }]);
  });

  const raw = async (body: string, contentType: string | undefined, extra: { isBase64Encoded?: boolean } = {}) => {
    const rt = await runtime();
    const event = buildV2Event({
      method: 'POST',
      rawPath: '/test/items/a',
      headers: contentType ? { 'content-type': contentType } : {},
      body,
      pathParameters: { itemId: 'a' },
      ...extra,
    });
    const result = await rt.dispatcher.handlers.get('test.echo')!(event);
    return { status: result.statusCode, body: JSON.parse(result.body!), headers: result.headers! };
  };

  it('answers 400 for malformed JSON, saying where it broke', async () => {
    const res = await raw('{"name": "x", "price": 1', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('urn:sellpo:problem:malformed-json');
    expect(res.body.detail).toMatch(/not valid JSON/);
  });

  it('refuses prototype-pollution keys', async () => {
    const res = await raw('{"name":"x","price":1,"__proto__":{"admin":true}}', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('urn:sellpo:problem:malformed-json');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await raw('name=x&price=1', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
    expect(res.body.type).toBe('urn:sellpo:problem:unsupported-media-type');
    const none = await raw('{"name":"x","price":1}', undefined);
    expect(none.status).toBe(415);
  });

  it('accepts JSON with a charset and +json media types, and base64 bodies', async () => {
    expect((await raw('{"name":"x","price":1}', 'application/json; charset=utf-8')).status).toBe(201);
    expect((await raw('{"name":"x","price":1}', 'application/merge-patch+json')).status).toBe(201);
    expect((await raw(Buffer.from('{"name":"x","price":2}').toString('base64'), 'application/json', { isBase64Encoded: true })).body.price).toBe(2);
  });

  it('answers 413 above 1 MiB, before parsing', async () => {
    const res = await raw(`{"name":"${'x'.repeat(1024 * 1024)}","price":1}`, 'application/json');
    expect(res.status).toBe(413);
    expect(res.body.limitBytes).toBe(1024 * 1024);
  });
});

describe('errors', () => {
  it('hides internals of unexpected errors but logs them with the request id', async () => {
    const rt = await runtime();
    const res = await rt.call('test.fail', { path: { kind: 'crash' }, headers: { 'x-request-id': 'crash-1' } });
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    expect(res.body.detail).toMatch(/quote the request id/);
    const logged = rt.captured.logs.find((l) => l.message === 'unhandled error');
    expect(logged?.requestId).toBe(res.body.instance);
    expect(logged?.clientRequestId).toBe('crash-1');
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('maps domain errors to statuses with their details', async () => {
    const rt = await runtime();
    const conflict = await rt.call('test.fail', { path: { kind: 'conflict' } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ type: 'urn:sellpo:problem:conflict', detail: 'That name is taken.', field: 'name' });
    const rate = await rt.call('test.fail', { path: { kind: 'rate' } });
    expect(rate.status).toBe(429);
    expect(rate.headers['retry-after']).toBe('91');
    const limit = await rt.call('test.fail', { path: { kind: 'limit' } });
    expect(limit.status).toBe(403);
    expect(limit.body).toMatchObject({ type: 'urn:sellpo:problem:limit-exceeded', limit: 'trackedKeywords', plan: 'pro' });
  });

  it('refuses to answer with a body that breaks the declared schema when response validation is on', async () => {
    const rt = await runtime();
    const res = await rt.call('test.fail', { path: { kind: 'badresponse' } });
    expect(res.status).toBe(500);
  });
});

describe('access', () => {
  it('401 names the Bearer scheme (RFC 6750), with invalid_token when a credential was sent and refused', async () => {
    const rt = await runtime();
    const none = await rt.call('test.tenantOnly');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="sellpo"');
    const bad = await rt.call('test.tenantOnly', { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="sellpo", error="invalid_token"');
  });

  it('refuses a throttled source 429 with Retry-After before reading its credentials', async () => {
    const read: string[] = [];
    const failures: AuthFailure[] = [];
    const inner = memoryAuthenticator(tokens);
    const auth = {
      authenticate: (c: Parameters<typeof inner.authenticate>[0]) => (read.push(c.sourceIp), inner.authenticate(c)),
      throttled: (ip: string) => (ip === '203.0.113.9' ? { retryAfterSeconds: 42 } : null),
      recordFailure: async (f: AuthFailure) => void failures.push(f),
    };
    const rt = await testRuntime({ endpoints: testEndpoints, overrides: { auth } });
    const from = (sourceIp: string) =>
      rt.dispatcher.dispatch(buildV2Event({ method: 'GET', rawPath: '/test/tenant', headers: { authorization: 'Bearer tenant-key' }, sourceIp }));
    const res = await from('203.0.113.9');
    expect(res.statusCode).toBe(429);
    expect(res.headers?.['retry-after']).toBe('42');
    expect(JSON.parse(res.body!)).toMatchObject({ type: 'urn:sellpo:problem:rate-limited', retryAfterSeconds: 42 });
    expect(read).toEqual([]);
    expect(failures.map((f) => [f.reason, f.sourceIp])).toEqual([['throttled', '203.0.113.9']]);
    // Another address is read as usual.
    expect((await from('198.51.100.7')).statusCode).toBe(200);
  });

  it('answers 429 instead of 401 when the failure used up the allowance', async () => {
    const auth = { ...memoryAuthenticator(tokens), recordFailure: async () => ({ retryAfterSeconds: 7 }) };
    const rt = await testRuntime({ endpoints: testEndpoints, overrides: { auth } });
    const res = await rt.call('test.tenantOnly', { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
  });

  it('401 without credentials, 401 with bad ones, 403 with the wrong kind; each failure recorded', async () => {
    const failures: AuthFailure[] = [];
    const auth = { ...memoryAuthenticator(tokens), recordFailure: async (f: AuthFailure) => void failures.push(f) };
    const rt = await testRuntime({ endpoints: testEndpoints, overrides: { auth } });
    expect((await rt.call('test.tenantOnly')).status).toBe(401);
    expect((await rt.call('test.tenantOnly', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const forbidden = await rt.call('test.adminOnly', { headers: { authorization: 'Bearer tenant-key' } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.type).toBe('urn:sellpo:problem:forbidden');
    const ok = await rt.call('test.tenantOnly', { headers: { authorization: 'Bearer tenant-key' } });
    expect(ok.body).toEqual({ tenantId: 't-1' });
    expect(failures.map((f) => f.reason)).toEqual(['missing_credentials', 'invalid_credentials', 'forbidden']);
    expect(failures[2]!.principal).toMatchObject({ kind: 'tenant', tenantId: 't-1' });
    expect(rt.captured.access.at(-1)).toMatchObject({ tenantId: 't-1', status: 200 });
  });

  it('answers 404 while an endpoint\'s flag is off, and serves it once on', async () => {
    const flags = staticFlags([]);
    const rt = await runtime({ overrides: { auth: memoryAuthenticator(tokens), flags } });
    const off = await rt.call('test.flagged');
    expect(off.status).toBe(404);
    expect(off.body.type).toBe('urn:sellpo:problem:route-not-found');
    flags.set('test-flag', true);
    expect((await rt.call('test.flagged')).status).toBe(200);
  });
});

describe('logging', () => {
  it('writes one access line per request, errors included', async () => {
    const rt = await runtime();
    await rt.call('test.echo', { path: { itemId: 'a' }, body: { name: 'x', price: 1 }, headers: { 'x-request-id': 'r1' } });
    await rt.call('test.echo', { path: { itemId: 'a' }, body: { name: '', price: 1 }, headers: { 'x-request-id': 'r2' } });
    await rt.call('test.fail', { path: { kind: 'crash' }, headers: { 'x-request-id': 'r3' } });
    expect(rt.captured.access.map((a) => [a.clientRequestId, a.status, a.route])).toEqual([
      ['r1', 201, 'test.echo'],
      ['r2', 400, 'test.echo'],
      ['r3', 500, 'test.fail'],
    ]);
    expect(rt.captured.access[0]).toMatchObject({ level: 'INFO', message: 'request', service: 'sellpo', method: 'POST', path: '/test/items/a' });
  });

  it('keeps per-request log keys apart across interleaved concurrent requests', async () => {
    const rt = await runtime();
    const ids = Array.from({ length: 20 }, (_, i) => `req-${i}`);
    await Promise.all(ids.map((id, i) => rt.call('test.slowLog', { query: { ms: String((i * 7) % 25) }, headers: { 'x-request-id': id } })));
    const lines = rt.captured.logs.filter((l) => l.message === 'first' || l.message === 'second');
    expect(lines).toHaveLength(40);
    // Lines interleave (later requests log 'first' before earlier ones log 'second')...
    const order = lines.map((l) => `${l.clientRequestId}:${l.message}`);
    expect(order.indexOf('req-19:first')).toBeLessThan(order.indexOf('req-0:second'));
    // ...yet each line carries its own request's id, twice per request.
    for (const id of ids) expect(lines.filter((l) => l.clientRequestId === id)).toHaveLength(2);
  });
});
