/**
 * The request pipeline as every driver runs it (`createHandler`), called in process: who may call (401, 403, the
 * flag's 404, throttling's 429), the order of the steps (a refused request costs no quota and reads no body), the
 * problems every failure answers with, the reply's rendering, the request id and the access line.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { DomainError } from '../../core/shared/errors.ts';
import { defineEndpoint, NO_STORE } from '../../handlers/kit/endpoint.ts';
import { errorResult, ProblemError, toFieldErrors, unroutedAnswer, validationProblem } from '../../handlers/kit/errors.ts';
import { clientRequestIdFrom, RequestScope } from '../../handlers/kit/request.ts';
import { requireTenant } from '../../handlers/kit/tenant.ts';
import { formatAccessLine } from '../../handlers/kit/access-log.ts';
import { admits } from '../../handlers/kit/admission.ts';
import { isMetered } from '../../handlers/kit/metering.ts';
import { admin, bearer, harness, member, owner } from './fixtures.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const whoAmI = defineEndpoint({
  id: 'test.whoAmI',
  method: 'GET',
  path: '/test/who',
  summary: 'The caller as the use case sees it',
  tags: ['test'],
  access: 'tenant',
  responses: { 200: z.object({ tenantId: z.string(), role: z.string(), requestId: z.string(), aborted: z.boolean() }) },
  run: (_input, ctx) => {
    const p = requireTenant(ctx);
    return { status: 200, body: { tenantId: p.tenantId, role: p.role, requestId: ctx.requestId, aborted: ctx.signal.aborted } };
  },
});

const ownerOnly = defineEndpoint({
  id: 'test.ownerOnly',
  method: 'POST',
  path: '/test/owner-only',
  summary: 'Owners only',
  tags: ['test'],
  access: 'tenant',
  role: 'owner',
  idempotent: false,
  body: z.object({ name: z.string().min(1) }),
  responses: { 200: z.object({ ok: z.boolean() }) },
  run: () => ({ status: 200, body: { ok: true } }),
});

const memberRole = defineEndpoint({
  id: 'test.memberRole',
  method: 'GET',
  path: '/test/member-role',
  summary: 'Members and owners',
  tags: ['test'],
  access: 'tenant',
  role: 'member',
  responses: { 200: z.object({ ok: z.boolean() }) },
  run: () => ({ status: 200, body: { ok: true } }),
});

const adminOnly = defineEndpoint({
  id: 'test.adminOnly',
  method: 'GET',
  path: '/test/admin-only',
  summary: 'Administrators only',
  tags: ['test'],
  access: 'admin',
  responses: { 200: z.object({ ok: z.boolean() }) },
  run: () => ({ status: 200, body: { ok: true } }),
});

const flaggedTenant = defineEndpoint({
  id: 'test.flaggedTenant',
  method: 'GET',
  path: '/test/flagged/{item}',
  summary: 'Behind a flag',
  tags: ['test'],
  access: 'tenant',
  flag: 'beta-thing',
  params: z.object({ item: z.string() }),
  responses: { 200: z.object({ ok: z.boolean() }) },
  run: () => ({ status: 200, body: { ok: true } }),
});

const flaggedPublic = defineEndpoint({
  id: 'test.flaggedPublic',
  method: 'GET',
  path: '/test/flagged-public',
  summary: 'Public, behind a flag',
  tags: ['test'],
  access: 'public',
  flag: 'public-beta',
  responses: { 200: z.object({ ok: z.boolean() }) },
  run: () => ({ status: 200, body: { ok: true } }),
});

const failing = defineEndpoint({
  id: 'test.failing',
  method: 'GET',
  path: '/test/failing/{kind}',
  summary: 'Fails as asked',
  tags: ['test'],
  access: 'public',
  params: z.object({ kind: z.string() }),
  responses: { 200: z.object({ ok: z.boolean() }), 204: z.undefined() },
  run: async ({ params }) => {
    switch (params.kind) {
      case 'crash':
        throw new Error('password=hunter2 in a stack');
      case 'outage':
        throw new DomainError('unavailable', 'The store is down.', { retryAfterSeconds: 2.1, cause: new Error('ECONNREFUSED secret-host') });
      case 'negative':
        throw new DomainError('rate_limited', 'Spent.', { retryAfterSeconds: -3 });
      case 'conflict':
        throw new DomainError('conflict', 'Taken.', { details: { field: 'name' } });
      case 'timeout': {
        const e = new Error('slow');
        e.name = 'TimeoutError';
        throw e;
      }
      case 'problem':
        throw new ProblemError('payload_too_large', 'Too big.', { limitBytes: 9 }, { 'x-extra': 'yes' });
      case 'undeclared':
        return { status: 201 as 200, body: { ok: true } };
      case 'badbody':
        return { status: 200, body: { ok: 'yes' as unknown as boolean } };
      case 'empty':
        return { status: 204, body: undefined };
      default:
        return { status: 200, body: { ok: true }, headers: { ...NO_STORE, 'content-type': 'application/vnd.sellpo+json' } };
    }
  },
});

const yaml = defineEndpoint({
  id: 'test.yaml',
  method: 'GET',
  path: '/test/doc.yaml',
  summary: 'An encoded body',
  tags: ['test'],
  access: 'public',
  responses: { 200: z.string() },
  run: () => ({ status: 200, body: 'a: 1\n', headers: { 'content-type': 'application/yaml' } }),
});

const metered = defineEndpoint({
  id: 'test.metered',
  method: 'POST',
  path: '/test/metered',
  summary: 'Counts against the budget',
  tags: ['test'],
  access: 'tenant',
  idempotent: false,
  body: z.object({ n: z.number() }),
  responses: { 200: z.object({ n: z.number() }) },
  run: ({ body }) => ({ status: 200, body: { n: body.n } }),
});

const pureCalc = defineEndpoint({ ...metered, id: 'test.pure', pure: true });
const unmetered = defineEndpoint({ ...metered, id: 'test.unmetered', metered: false });
const adminMetered = defineEndpoint({ ...adminOnly, id: 'test.adminMetered', metered: true });

const deprecatedThing = defineEndpoint({
  id: 'test.deprecated',
  method: 'GET',
  path: '/test/deprecated',
  summary: 'Going',
  tags: ['test'],
  access: 'public',
  deprecated: { since: '2027-01-15', sunset: '2027-07-01', changelog: 'old-thing-goes' },
  responses: { 200: z.object({ ok: z.boolean() }) },
  run: () => ({ status: 200, body: { ok: true } }),
});

describe('admission', () => {
  it('401 without credentials names the scheme only; with refused ones adds invalid_token; each failure is recorded with what it knows', async () => {
    const h = harness();
    const none = await h.call(whoAmI, { headers: { 'x-request-id': 'mine-1' } });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="sellpo"');
    expect(none.body).toMatchObject({ type: 'urn:sellpo:problem:unauthorized', status: 401, detail: 'Send credentials: Authorization: Bearer <api key or token>.' });
    const bad = await h.send(whoAmI, { headers: bearer('nobody'), sourceIp: '198.51.100.4' });
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer realm="sellpo", error="invalid_token"');
    expect(bad.body.detail).toBe('The credentials were not accepted.');
    // Another scheme is told to use Bearer, without repeating anything of the header (it may be the key itself).
    const basic = await h.send(whoAmI, { headers: { authorization: 'sp_live_secretpart' }, sourceIp: '198.51.100.5' });
    expect(basic.status).toBe(401);
    expect(basic.body.detail).toBe('Authorization must use the Bearer scheme: Authorization: Bearer <api key or token>.');
    expect(JSON.stringify(basic.body)).not.toContain('secretpart');
    expect(h.failures.pop()).toMatchObject({ reason: 'invalid_credentials', sourceIp: '198.51.100.5' });
    expect(h.failures).toEqual([
      { reason: 'missing_credentials', route: 'test.whoAmI', sourceIp: '127.0.0.1', requestId: none.body.instance, clientRequestId: 'mine-1' },
      { reason: 'invalid_credentials', route: 'test.whoAmI', sourceIp: '198.51.100.4', requestId: bad.body.instance, authorization: 'Bearer nobody' },
    ]);
  });

  it('answers 429 with Retry-After instead of 401 when recording the failure used up the allowance', async () => {
    const h = harness({ auth: { recordFailure: async () => ({ retryAfterSeconds: 7 }) } });
    for (const headers of [{}, bearer('nobody')]) {
      const res = await h.call(whoAmI, { headers });
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.body).toMatchObject({ type: 'urn:sellpo:problem:rate-limited', retryAfterSeconds: 7, detail: 'Too many failed authentication attempts from this address or with this key; retry later.' });
    }
  });

  it('refuses a throttled source unread: 429 after its hold, the refusal recorded, no credential looked up', async () => {
    const read: string[] = [];
    const held: Array<AbortSignal | undefined> = [];
    const failures: string[] = [];
    const h = harness({
      auth: {
        authenticate: async (c) => (read.push(c.sourceIp), owner),
        throttled: (ip) => (ip === '203.0.113.9' ? { retryAfterSeconds: 42, wait: async (signal) => void held.push(signal) } : null),
        recordFailure: async (f) => void failures.push(f.reason),
      },
    });
    const signal = new AbortController().signal;
    const res = await h.send(whoAmI, { headers: bearer('owner'), sourceIp: '203.0.113.9' }, { signal });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('42');
    expect(res.body.retryAfterSeconds).toBe(42);
    expect(held).toEqual([signal]);
    expect(failures).toEqual(['throttled']);
    expect(read).toEqual([]);
    const other = await h.send(whoAmI, { headers: bearer('owner'), sourceIp: '198.51.100.7' });
    expect(other.status).toBe(200);
    expect(read).toEqual(['198.51.100.7']);
  });

  it('an authenticator that records nothing, and a throttle without a hold, still answer 401 and 429 without an error', async () => {
    const h = harness({ auth: { recordFailure: undefined, throttled: (ip) => (ip === '203.0.113.9' ? { retryAfterSeconds: 5 } : null) } });
    expect((await h.call(whoAmI)).status).toBe(401);
    const throttled = await h.send(whoAmI, { sourceIp: '203.0.113.9' });
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('5');
    expect(h.logs).toEqual([]);
  });

  it('a failure that cannot be recorded is logged and the caller still gets its 401', async () => {
    const h = harness({ auth: { recordFailure: async () => Promise.reject(new Error('audit down')) } });
    const res = await h.call(whoAmI);
    expect(res.status).toBe(401);
    expect(h.logs.find((l) => l.message === 'could not record an authentication failure')).toMatchObject({ level: 'ERROR', requestId: res.body.instance });
  });

  it('403 for the wrong kind of credential, saying which kind the endpoint needs, recorded with the principal', async () => {
    const h = harness();
    const tenantOnAdmin = await h.call(adminOnly, { headers: bearer('owner') });
    expect(tenantOnAdmin.status).toBe(403);
    expect(tenantOnAdmin.body).toMatchObject({ type: 'urn:sellpo:problem:forbidden', detail: 'This endpoint is for platform administrators.' });
    const adminOnTenant = await h.call(whoAmI, { headers: bearer('admin') });
    expect(adminOnTenant.status).toBe(403);
    expect(adminOnTenant.body.detail).toBe('This endpoint needs a tenant credential.');
    expect(h.failures.map((f) => [f.reason, f.principal])).toEqual([['forbidden', owner], ['forbidden', admin]]);
    // A valid credential's header is never handed to the failure record (only a refused one's, for its prefix).
    expect(h.failures.filter((f) => 'authorization' in f)).toEqual([]);
    expect((await h.call(adminOnly, { headers: bearer('admin') })).status).toBe(200);
  });

  it('checks the role before the body: a member gets 403 naming the role it has, even for an invalid body', async () => {
    const h = harness();
    const res = await h.call(ownerOnly, { headers: bearer('member'), body: { name: '' } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ detail: 'Only an owner of the tenant may call this endpoint; this credential has the member role.', requiredRole: 'owner' });
    expect(h.failures).toEqual([expect.objectContaining({ reason: 'forbidden', principal: member })]);
    // The owner's invalid body is a 400; its valid one runs.
    expect((await h.call(ownerOnly, { headers: bearer('owner'), body: { name: '' } })).status).toBe(400);
    expect((await h.call(ownerOnly, { headers: bearer('owner'), body: { name: 'x' } })).status).toBe(200);
    // A member-role endpoint takes both roles (owner covers member).
    expect((await h.call(memberRole, { headers: bearer('member') })).status).toBe(200);
    expect((await h.call(memberRole, { headers: bearer('owner') })).status).toBe(200);
    expect(h.failures).toHaveLength(1);
  });

  it('the use case sees the request\'s headers and source address', async () => {
    const seen = defineEndpoint({
      id: 'test.seen', method: 'GET', path: '/test/seen', summary: 's', tags: ['test'], access: 'public',
      responses: { 200: z.object({ auth: z.string().nullable(), ip: z.string() }) },
      run: (_input, ctx) => ({ status: 200, body: { auth: ctx.headers.authorization ?? null, ip: ctx.sourceIp } }),
    });
    const res = await harness().send(seen, { headers: { authorization: 'Bearer x' }, sourceIp: '192.0.2.44' });
    expect(res.body).toEqual({ auth: 'Bearer x', ip: '192.0.2.44' });
  });

  it('the use case sees the authenticated principal and the invocation\'s signal', async () => {
    const h = harness();
    const controller = new AbortController();
    controller.abort();
    const res = await h.call(whoAmI, { headers: bearer('member') }, { signal: controller.signal });
    expect(res.body).toMatchObject({ tenantId: 't-1', role: 'member', aborted: true });
    expect((await h.call(whoAmI, { headers: bearer('member') })).body.aborted).toBe(false);
  });

  it('404 while the flag is off for the caller, asked with the tenant and member; the flag decides after the credentials', async () => {
    const h = harness();
    const off = await h.call(flaggedTenant, { headers: bearer('owner'), path: { item: 'a b' } });
    expect(off.status).toBe(404);
    expect(off.body).toMatchObject({ type: 'urn:sellpo:problem:route-not-found', detail: 'No route for GET /test/flagged/a%20b.' });
    expect(h.flagChecks).toEqual([{ flag: 'beta-thing', context: { tenantId: 't-1', userId: 'u-owner' } }]);
    // Without credentials the answer is 401, not 404: the flag is read for a known caller only.
    expect((await h.call(flaggedTenant, { path: { item: 'a' } })).status).toBe(401);
    expect(h.flagChecks).toHaveLength(1);
    const on = harness({ flagsOn: ['beta-thing', 'public-beta'] });
    expect((await on.call(flaggedTenant, { headers: bearer('owner'), path: { item: 'a' } })).status).toBe(200);
    expect((await on.call(flaggedPublic)).status).toBe(200);
    expect(on.flagChecks.at(-1)).toStrictEqual({ flag: 'public-beta', context: {} });
    expect((await h.call(flaggedPublic)).status).toBe(404);
  });

  it('only endpoints with credentials or a flag have anything to admit', () => {
    expect([whoAmI, adminOnly, flaggedPublic, failing].map(admits)).toEqual([true, true, true, false]);
    expect(admits({ ...failing, access: 'webhook' })).toBe(false);
  });
});

describe('step order and metering', () => {
  it('counts one call per admitted, valid request, with the tenant and the request\'s signal; a refused one costs nothing', async () => {
    const h = harness();
    const signal = new AbortController().signal;
    expect((await h.call(metered, { body: { n: 1 } })).status).toBe(401);
    expect((await h.call(metered, { headers: bearer('owner'), body: { n: 'one' } })).status).toBe(400);
    expect(h.consumed).toEqual([]);
    const ok = await h.call(metered, { headers: bearer('member'), body: { n: 3 } }, { signal });
    expect(ok).toMatchObject({ status: 200, body: { n: 3 } });
    expect(h.consumed).toEqual([{ tenantId: 't-1', signal, call: undefined }]);
  });

  it('a pure calculation says so to the quota; unmetered endpoints and non-tenants are not counted', async () => {
    const h = harness();
    await h.call(pureCalc, { headers: bearer('owner'), body: { n: 1 } });
    expect(h.consumed.map((c) => c.call)).toEqual([{ pure: true }]);
    expect((await h.call(unmetered, { headers: bearer('owner'), body: { n: 1 } })).status).toBe(200);
    expect((await h.call(adminMetered, { headers: bearer('admin') })).status).toBe(200);
    expect(h.consumed).toHaveLength(1);
    expect([metered, unmetered, adminOnly, adminMetered, failing].map(isMetered)).toEqual([true, false, false, true, false]);
  });

  it('a spent budget answers 429 with Retry-After and the use case does not run', async () => {
    let runs = 0;
    const counted = defineEndpoint({ ...metered, id: 'test.counted', run: ({ body }) => ((runs += 1), { status: 200, body: { n: body.n } }) });
    const h = harness({ consume: async () => Promise.reject(new DomainError('rate_limited', 'Daily budget spent.', { retryAfterSeconds: 3600 })) });
    const res = await h.call(counted, { headers: bearer('owner'), body: { n: 1 } });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('3600');
    expect(runs).toBe(0);
  });

  it('without a quota port metered calls run uncounted', async () => {
    const h = harness({ noQuota: true });
    expect((await h.call(metered, { headers: bearer('owner'), body: { n: 2 } })).body).toEqual({ n: 2 });
  });

  it('an endpoint without a body ignores one; an endpoint with one gets it parsed', async () => {
    const h = harness();
    const res = await h.send(failing, { rawPath: '/test/failing/ok', pathParameters: { kind: 'ok' }, headers: { 'content-type': 'text/plain' }, body: 'not json' });
    expect(res.status).toBe(200);
    expect((await h.call(metered, { headers: bearer('owner'), body: { n: 5 } })).body).toEqual({ n: 5 });
  });
});

describe('problems', () => {
  const fail = (kind: string, headers: Record<string, string> = {}) => {
    const h = harness();
    return h.call(failing, { path: { kind }, headers }).then((res) => ({ res, h }));
  };

  it('an unexpected error is a 500 whose detail hides it; the log keeps it under the request id', async () => {
    const { res, h } = await fail('crash', { 'x-request-id': 'c-1' });
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body).toEqual({
      type: 'urn:sellpo:problem:internal', title: 'Internal server error', status: 500,
      detail: 'An unexpected error occurred; quote the request id when reporting it.', instance: res.body.instance,
    });
    expect(res.body.instance).toMatch(UUID);
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    const logged = h.logs.find((l) => l.message === 'unhandled error');
    expect(logged).toMatchObject({ level: 'ERROR', requestId: res.body.instance, clientRequestId: 'c-1', route: 'test.failing' });
    expect(JSON.stringify(logged)).toContain('hunter2');
  });

  it('an outage is a 503 with a generic detail and Retry-After rounded up; its cause goes to the log as a warning', async () => {
    const { res, h } = await fail('outage');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.body).toMatchObject({ type: 'urn:sellpo:problem:unavailable', detail: 'The store is down.', retryAfterSeconds: 2.1 });
    const warned = h.logs.find((l) => l.message === 'dependency unavailable');
    expect(warned).toMatchObject({ level: 'WARN' });
    expect(JSON.stringify(warned)).toContain('ECONNREFUSED secret-host');
    expect(JSON.stringify(res.body)).not.toContain('secret-host');
  });

  it('Retry-After is never negative; domain details become problem fields; other domain errors log nothing', async () => {
    const { res } = await fail('negative');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('0');
    const { res: conflict, h } = await fail('conflict');
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ type: 'urn:sellpo:problem:conflict', title: 'Conflict', detail: 'Taken.', field: 'name' });
    expect(conflict.headers['retry-after']).toBeUndefined();
    expect(conflict.body).not.toHaveProperty('retryAfterSeconds');
    expect(h.logs).toEqual([]);
  });

  it('a timeout is a 504, logged as a warning', async () => {
    const { res, h } = await fail('timeout');
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ type: 'urn:sellpo:problem:timeout', detail: 'The request did not finish in time; quote the request id when asking about it.' });
    expect(h.logs.map((l) => [l.level, l.message])).toEqual([['WARN', 'request timed out']]);
  });

  it('a problem error answers with its own status, fields and headers', async () => {
    const { res } = await fail('problem');
    expect(res.status).toBe(413);
    expect(res.headers).toMatchObject({ 'content-type': 'application/problem+json', 'x-extra': 'yes' });
    expect(res.body).toMatchObject({ type: 'urn:sellpo:problem:payload-too-large', detail: 'Too big.', limitBytes: 9 });
  });

  it('a nested field is named by its dotted path', () => {
    const failed = z.object({ a: z.object({ b: z.string() }) }).safeParse({ a: { b: 1 } });
    expect(failed.success ? [] : toFieldErrors('body', failed.error).map((e) => [e.in, e.field, e.code])).toEqual([['body', 'a.b', 'invalid_type']]);
  });

  it('validation problems count their fields in the detail', () => {
    const one = validationProblem([{ in: 'body', field: 'a', message: 'm', code: 'c' }]);
    expect(one.message).toBe('1 invalid field; see errors.');
    expect(one.key).toBe('validation');
    expect(validationProblem([{ in: 'body', field: 'a', message: 'm', code: 'c' }, { in: 'query', field: 'b', message: 'm', code: 'c' }]).message).toBe('2 invalid fields; see errors.');
    expect(new ProblemError('invalid', 'x').name).toBe('ProblemError');
  });

  it('errorResult of a domain error without Retry-After sends only the content type', () => {
    const result = errorResult(new DomainError('not_found', 'Gone.'), 'req-1', () => {
      throw new Error('no log expected');
    });
    expect(result.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(result.body!)).toEqual({ type: 'urn:sellpo:problem:not-found', title: 'Not found', status: 404, detail: 'Gone.', instance: 'req-1' });
  });

  it('an unrouted request gets its problem, the request id echoed and an access line of its own', () => {
    const lines: string[] = [];
    const logger = harness().options.logger;
    const started = performance.now();
    const result = unroutedAnswer(new ProblemError('route_not_found', 'No route for GET /x.'), { requestIdHeader: 'caller-9', method: 'GET', path: '/x', sourceIp: '192.0.2.1', started }, { logger, accessLog: (l) => lines.push(l), service: 'svc' });
    expect(result.statusCode).toBe(404);
    expect(result.headers?.['x-request-id']).toBe('caller-9');
    const body = JSON.parse(result.body!);
    expect(body.instance).toMatch(UUID);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ service: 'svc', requestId: body.instance, clientRequestId: 'caller-9', method: 'GET', path: '/x', route: '-', status: 404, sourceIp: '192.0.2.1' });
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
    const bare = unroutedAnswer(new ProblemError('method_not_allowed', 'No.'), { requestIdHeader: 'bad id', method: 'PUT', path: '/y', sourceIp: '', started }, { logger, accessLog: null, service: 'svc' });
    expect(bare.headers?.['x-request-id']).toBe(JSON.parse(bare.body!).instance);
  });
});

describe('rendering', () => {
  it('JSON by default; the reply\'s own headers override and add', async () => {
    const h = harness();
    const res = await h.call(failing, { path: { kind: 'ok' } });
    expect(res.status).toBe(200);
    expect(res.headers).toMatchObject({ 'content-type': 'application/vnd.sellpo+json', 'cache-control': 'no-store' });
    expect(res.raw.body).toBe('{"ok":true}');
    const empty = await h.call(failing, { path: { kind: 'empty' } });
    expect(empty.status).toBe(204);
    expect(empty.raw.body).toBe('');
    expect(empty.headers['content-type']).toBe('application/json');
  });

  it('a string body with its own content type is sent as it is', async () => {
    const res = await harness().call(yaml);
    expect(res.raw.body).toBe('a: 1\n');
    expect(res.headers['content-type']).toBe('application/yaml');
  });

  it('with response validation on, an undeclared status or a body breaking its schema is a 500; off, they pass', async () => {
    const strict = harness();
    for (const kind of ['undeclared', 'badbody']) {
      const res = await strict.call(failing, { path: { kind } });
      expect(res.status).toBe(500);
    }
    const errors = strict.logs.filter((l) => l.message === 'unhandled error').map((l) => JSON.stringify(l));
    expect(errors[0]).toContain('test.failing answered 201, which it does not declare');
    expect(errors[1]).toContain('test.failing answered 200 with a body that breaks its schema');
    const lax = harness({ validateResponses: false });
    expect((await lax.call(failing, { path: { kind: 'undeclared' } })).status).toBe(201);
    expect((await lax.call(failing, { path: { kind: 'badbody' } })).body).toEqual({ ok: 'yes' });
  });

  it('a deprecated endpoint\'s answers carry Deprecation, Sunset and Link', async () => {
    const res = await harness().call(deprecatedThing);
    expect(res.headers).toMatchObject({
      deprecation: `@${Date.UTC(2027, 0, 15) / 1000}`,
      sunset: 'Thu, 01 Jul 2027 00:00:00 GMT',
      link: '</docs/changelog.html#old-thing-goes>; rel="deprecation"; type="text/html"',
    });
    expect((await harness().call(yaml)).headers.deprecation).toBeUndefined();
  });
});

describe('request id, access line, metrics and tracing', () => {
  it('echoes a safe caller id, else the server\'s; problems and logs carry the server\'s', async () => {
    const h = harness();
    const safe = 'A-z_0.9:x'.padEnd(128, '1');
    const mine = await h.call(failing, { path: { kind: 'conflict' }, headers: { 'x-request-id': safe } });
    expect(mine.headers['x-request-id']).toBe(safe);
    expect(mine.body.instance).toMatch(UUID);
    for (const unsafe of [`${safe}1`, 'has space', '', 'ünïcode']) {
      const res = await h.call(failing, { path: { kind: 'conflict' }, headers: { 'x-request-id': unsafe } });
      expect(res.headers['x-request-id']).toBe(res.body.instance);
    }
    expect(clientRequestIdFrom(undefined)).toBeUndefined();
  });

  it('writes one access line per request with the caller\'s and the server\'s ids, path, route, status and tenant', async () => {
    const h = harness();
    const ok = await h.send(whoAmI, { rawPath: '/test/who', headers: { ...bearer('member'), 'x-request-id': 'r-1' }, sourceIp: '192.0.2.8' });
    await h.call(failing, { path: { kind: 'crash' } });
    expect(h.access).toHaveLength(2);
    expect(h.access[0]).toEqual({
      level: 'INFO', message: 'request', timestamp: expect.any(String), service: 'sellpo-test', requestId: ok.body.requestId, clientRequestId: 'r-1',
      method: 'GET', path: '/test/who', route: 'test.whoAmI', status: 200, durationMs: expect.any(Number), sourceIp: '192.0.2.8', tenantId: 't-1',
    });
    expect(h.access[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(h.access[1]).toMatchObject({ path: '/test/failing/crash', route: 'test.failing', status: 500 });
    expect(h.access[1]).not.toHaveProperty('tenantId');
    expect(h.access[1]).not.toHaveProperty('clientRequestId');
    const quiet = harness({ accessLog: false });
    expect((await quiet.call(yaml)).status).toBe(200);
  });

  it('records each request\'s status once in the endpoint\'s metrics', async () => {
    const seen: Array<[string, number, number]> = [];
    const h = harness({ metrics: { forEndpoint: (e) => (status, ms) => void seen.push([e.id, status, ms]) } });
    await h.call(failing, { path: { kind: 'ok' } });
    await h.call(failing, { path: { kind: 'crash' } });
    expect(seen.map(([id, status]) => [id, status])).toEqual([['test.failing', 200], ['test.failing', 500]]);
    expect(seen.every(([, , ms]) => ms >= 0)).toBe(true);
  });

  it('runs the request in its trace and ends it with the outcome; logs and the access line join the trace', async () => {
    const ended: unknown[] = [];
    let inside = 0;
    const h = harness({
      tracing: {
        startRequest: (event, endpoint) => ({
          traceId: 'a'.repeat(32),
          spanId: `b${endpoint.id.length}`.padEnd(16, 'b'),
          run: (fn) => {
            inside += 1;
            return fn();
          },
          end: (outcome) => void ended.push({ ...outcome, path: event.rawPath }),
        }),
      },
    });
    const ok = await h.call(whoAmI, { headers: { ...bearer('owner'), 'x-request-id': 'r-9' } });
    await h.call(failing, { path: { kind: 'crash' } });
    expect(inside).toBe(2);
    expect(ended).toEqual([
      { status: 200, requestId: ok.body.requestId, tenantId: 't-1', path: '/test/who' },
      { status: 500, requestId: expect.stringMatching(UUID), tenantId: undefined, path: '/test/failing/crash' },
    ]);
    expect(h.access[0]).toMatchObject({ traceId: 'a'.repeat(32), spanId: 'b11'.padEnd(16, 'b') });
    expect(h.logs.find((l) => l.message === 'unhandled error')).toMatchObject({ traceId: 'a'.repeat(32), spanId: 'b12'.padEnd(16, 'b') });
  });

  it('a scope\'s logger carries the request, route, caller id and tenant; the invocation\'s clock is kept', () => {
    const printed: Record<string, unknown>[] = [];
    const h = harness();
    const print = (line: string) => void printed.push(JSON.parse(line));
    const logger = h.options.logger.createChild();
    (logger as unknown as { console: unknown }).console = { info: print, warn: print, error: print, debug: print, log: print, trace: print };
    const remaining = () => 1234;
    const s = new RequestScope('req-7', 'test.route', { sourceIp: '192.0.2.1', headers: {}, clientRequestId: 'c-7' }, { logger: h.options.logger, ports: h.options.ports }, new AbortController().signal, undefined, { getRemainingTimeInMillis: remaining });
    s.principal = owner;
    s.log.info('hello');
    expect(h.logs.at(-1)).toMatchObject({ message: 'hello', requestId: 'req-7', route: 'test.route', clientRequestId: 'c-7', tenantId: 't-1' });
    expect(s.log).toBe(s.log);
    expect(s.getRemainingTimeInMillis).toBe(remaining);
    const plain = new RequestScope('req-8', 'r', { sourceIp: '', headers: {} }, { logger: h.options.logger, ports: h.options.ports }, new AbortController().signal);
    plain.log.info('bare');
    expect(h.logs.at(-1)).not.toHaveProperty('clientRequestId');
    expect(h.logs.at(-1)).not.toHaveProperty('tenantId');
    expect(h.logs.at(-1)).not.toHaveProperty('traceId');
  });

  it('the access line escapes what the caller controls', () => {
    const line = formatAccessLine('svc', { requestId: 'r', method: 'GET', path: '/a"b\\c\n', route: 'x.y', status: 200, durationMs: 1.5, sourceIp: '::1', clientRequestId: 'c"', tenantId: 't"1', traceId: 'ab', spanId: 'cd' });
    expect(line.endsWith('}\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ path: '/a"b\\c\n', clientRequestId: 'c"', tenantId: 't"1', traceId: 'ab', spanId: 'cd', durationMs: 1.5 });
  });
});

describe('requireTenant', () => {
  it('returns the tenant, refuses other credentials, and a member where an owner is named', () => {
    expect(requireTenant({ principal: member })).toBe(member);
    expect(requireTenant({ principal: owner }, { owner: 'change its billing' })).toBe(owner);
    expect(() => requireTenant({ principal: admin })).toThrow(expect.objectContaining({ code: 'forbidden', message: 'This endpoint needs a tenant credential.' }));
    expect(() => requireTenant({ principal: member }, { owner: 'change its billing' })).toThrow(
      expect.objectContaining({ code: 'forbidden', message: 'Only an owner of the tenant may change its billing; this credential has the member role.', details: { requiredRole: 'owner' } }),
    );
  });
});
