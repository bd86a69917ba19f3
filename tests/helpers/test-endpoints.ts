import * as z from 'zod';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { gate } from './barrier.ts';

/** Endpoints that exist only in tests, to exercise the toolkit's behaviour on every kind of input. */
export const echo = defineEndpoint({
  id: 'test.echo',
  method: 'POST',
  path: '/test/items/{itemId}',
  summary: 'Echo validated input',
  tags: ['test'],
  access: 'public',
  params: z.object({ itemId: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes') }),
  query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10), tag: z.array(z.string()).or(z.string()).optional() }),
  body: z.object({ name: z.string().min(1), price: z.number().int().nonnegative(), tags: z.array(z.string()).max(3).optional() }),
  responses: { 201: z.object({ itemId: z.string(), limit: z.number(), tag: z.unknown(), name: z.string(), price: z.number() }) },
  run: async ({ params, query, body }) => ({
    status: 201,
    body: { itemId: params.itemId, limit: query.limit, tag: query.tag ?? null, name: body.name, price: body.price },
  }),
});

export const fail = defineEndpoint({
  id: 'test.fail',
  method: 'GET',
  path: '/test/fail/{kind}',
  summary: 'Fail in a chosen way',
  tags: ['test'],
  access: 'public',
  params: z.object({ kind: z.enum(['crash', 'conflict', 'rate', 'limit', 'badresponse']) }),
  responses: { 200: z.object({ ok: z.boolean() }) },
  run: async ({ params }) => {
    switch (params.kind) {
      case 'crash':
        throw new Error('database password is hunter2');
      case 'conflict':
        throw new DomainError('conflict', 'That name is taken.', { details: { field: 'name' } });
      case 'rate':
        throw new DomainError('rate_limited', 'Daily budget spent.', { retryAfterSeconds: 90.2 });
      case 'limit':
        throw new DomainError('limit_exceeded', 'Tracked keywords limit reached.', { details: { limit: 'trackedKeywords', plan: 'pro' } });
      default:
        return { status: 200, body: { ok: 'yes' as unknown as boolean } };
    }
  },
});

/** Logs through the per-request logger across awaits, to catch keys leaking between concurrent requests. */
export const slowLog = defineEndpoint({
  id: 'test.slowLog',
  method: 'GET',
  path: '/test/slow',
  summary: 'Log, wait, log',
  tags: ['test'],
  access: 'public',
  query: z.object({ ms: z.coerce.number().int().min(0).max(5000).default(20) }),
  responses: { 200: z.object({ requestId: z.string() }) },
  run: async ({ query }, ctx) => {
    ctx.log.info('first');
    await new Promise((r) => setTimeout(r, query.ms));
    ctx.log.info('second');
    return { status: 200, body: { requestId: ctx.requestId } };
  },
});

/**
 * Holds each request at the named barrier (`tests/helpers/barrier.ts`) until the test releases it: the test knows
 * when requests are in flight (it awaits their arrival) instead of sleeping and assuming.
 */
export const held = defineEndpoint({
  id: 'test.held',
  method: 'GET',
  path: '/test/held',
  summary: 'Arrive at a barrier, wait for its release',
  tags: ['test'],
  access: 'public',
  query: z.object({ gate: z.string().min(1) }),
  responses: { 200: z.object({ requestId: z.string() }) },
  run: async ({ query }, ctx) => {
    await gate(query.gate).pass();
    return { status: 200, body: { requestId: ctx.requestId } };
  },
});

export const tenantOnly = defineEndpoint({
  id: 'test.tenantOnly',
  method: 'GET',
  path: '/test/tenant',
  summary: 'Who am I',
  tags: ['test'],
  access: 'tenant',
  responses: { 200: z.object({ tenantId: z.string() }) },
  run: async (_input, ctx) => ({ status: 200, body: { tenantId: ctx.principal.kind === 'tenant' ? ctx.principal.tenantId : '' } }),
});

export const adminOnly = defineEndpoint({
  id: 'test.adminOnly',
  method: 'GET',
  path: '/test/admin',
  summary: 'Admins only',
  tags: ['test'],
  access: 'admin',
  responses: { 200: z.object({ ok: z.literal(true) }) },
  run: async () => ({ status: 200, body: { ok: true as const } }),
});

export const flagged = defineEndpoint({
  id: 'test.flagged',
  method: 'GET',
  path: '/test/flagged',
  summary: 'Behind a flag',
  tags: ['test'],
  access: 'public',
  flag: 'test-flag',
  responses: { 200: z.object({ ok: z.literal(true) }) },
  run: async () => ({ status: 200, body: { ok: true as const } }),
});

export const testEndpoints = [echo, fail, slowLog, held, tenantOnly, adminOnly, flagged];
