/** Idempotency-Key through the handler toolkit, over the real stores. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineEndpoint } from '../../handlers/kit/endpoint.ts';
import { DomainError } from '../../core/shared/errors.ts';
import type { Principal } from '../../core/platform/principal.ts';
import type { IdempotencyStore } from '../../core/platform/idempotency.ts';
import { systemClock } from '../../core/shared/clock.ts';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { postgresIdempotencyStore } from '../../adapters/postgres/key-value.ts';
import { dynamoIdempotencyStore } from '../../adapters/dynamodb/key-value.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { postgresUnavailable, withPglite, withPostgres, type TestDatabase } from '../helpers/database.ts';
import { startDynalite, type TestDynamo } from '../helpers/dynamodb.ts';
import { dropGate, gate } from '../helpers/barrier.ts';

let runs = 0;
const order = defineEndpoint({
  id: 'test.createOrder',
  method: 'POST',
  path: '/v1/test/orders',
  summary: 'test-only: creates an order, held at a barrier when asked',
  tags: ['test'],
  access: 'tenant',
  body: z.object({ sku: z.string(), quantity: z.number().int(), fail: z.enum(['500', '409']).optional(), gate: z.string().optional() }),
  responses: { 201: z.object({ id: z.string(), run: z.number() }) },
  run: async ({ body }, ctx) => {
    const run = ++runs;
    // In flight until the test releases it (tests/helpers/barrier.ts).
    if (body.gate) await gate(body.gate).pass();
    if (body.fail === '500') throw new Error('database went away');
    if (body.fail === '409') throw new DomainError('conflict', 'that SKU is already on order');
    return { status: 201, body: { id: `order-${run}`, run }, headers: { location: `/v1/test/orders/order-${run}`, 'x-tenant': ctx.principal.kind === 'tenant' ? ctx.principal.tenantId : '' } };
  },
});
const quote = defineEndpoint({
  id: 'test.quote',
  method: 'POST',
  path: '/v1/test/quote',
  summary: 'test-only: a pure calculation that opts out',
  tags: ['test'],
  access: 'tenant',
  idempotent: false,
  body: z.object({ price: z.number() }),
  responses: { 200: z.object({ total: z.number(), run: z.number() }) },
  run: async ({ body }) => ({ status: 200, body: { total: body.price * 2, run: ++runs } }),
});

const tenant = (id: string): Principal => ({ kind: 'tenant', tenantId: id, actorId: `${id}-owner`, role: 'owner', via: 'api_key' });
const auth = memoryAuthenticator(new Map([['key-a', tenant('tenant-a')], ['key-b', tenant('tenant-b')]]));
const post = (rt: TestRuntime, key: string | undefined, body: unknown, token = 'key-a', id = 'test.createOrder') =>
  rt.call(id, { headers: { authorization: `Bearer ${token}`, ...(key === undefined ? {} : { 'idempotency-key': key }) }, body });

const runtimeOn = (store: IdempotencyStore) =>
  testRuntime({ endpoints: [order, quote], overrides: { auth, idempotency: { store, ttlSeconds: 86_400, lockSeconds: 120 } } });

/**
 * 50 identical POSTs at once with one key: the use case runs once, held at a barrier until the 49 others have
 * answered: each of them 409 (in flight) with Retry-After; then the first answers 201 and later ones replay it.
 */
const fiftyAtOnce = async (rt: TestRuntime) => {
  const before = runs;
  const key = `burst-${Date.now()}-${Math.random()}`;
  const held = gate(key);
  let answered = 0;
  let othersAnswered!: () => void;
  const others = new Promise<void>((resolve) => (othersAnswered = resolve));
  const calls = Array.from({ length: 50 }, () =>
    post(rt, key, { sku: 'CHAIR-1', quantity: 2, gate: key }).then((a) => {
      if (++answered === 49) othersAnswered();
      return a;
    }),
  );
  await held.arrived(1);
  await others;
  expect(held.count).toBe(1);
  held.release();
  const answers = await Promise.all(calls);
  dropGate(key);
  expect(runs - before).toBe(1);
  const created = answers.filter((a) => a.status === 201);
  expect(created).toHaveLength(1);
  const waiting = answers.filter((a) => a.status === 409);
  expect(waiting).toHaveLength(49);
  expect(waiting.every((a) => a.headers['retry-after'] === '1')).toBe(true);
  const after = await post(rt, key, { sku: 'CHAIR-1', quantity: 2, gate: key });
  expect(after.status).toBe(201);
  expect(after.body).toEqual(created[0]!.body);
  expect(runs - before).toBe(1);
};

describe('Idempotency-Key on PGlite', () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  beforeAll(async () => {
    db = await withPglite();
    rt = await runtimeOn(postgresIdempotencyStore(db, systemClock));
  });
  afterAll(async () => { await rt?.close(); await db?.close(); });

  it('50 concurrent identical POSTs with one key run the handler once', () => fiftyAtOnce(rt));

  it('replays the first status, headers and body, marked as a replay', async () => {
    const first = await post(rt, 'k-replay', { sku: 'A', quantity: 1 });
    expect(first.status).toBe(201);
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    const again = await post(rt, 'k-replay', { sku: 'A', quantity: 1 });
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers).toMatchObject({ location: first.headers.location, 'content-type': 'application/json', 'idempotency-replayed': 'true' });
    expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
  });

  it('answers 422 when the key comes back with a different body, and 409 while the first still runs', async () => {
    await post(rt, 'k-mismatch', { sku: 'A', quantity: 1 });
    const other = await post(rt, 'k-mismatch', { sku: 'A', quantity: 2 });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ type: 'urn:sellpo:problem:unprocessable', idempotencyKey: 'k-mismatch' });
    const held = gate('k-running');
    const first = post(rt, 'k-running', { sku: 'B', quantity: 1, gate: 'k-running' });
    await held.arrived(1);
    const b = await post(rt, 'k-running', { sku: 'B', quantity: 1, gate: 'k-running' });
    held.release();
    const a = await first;
    dropGate('k-running');
    expect(a.status).toBe(201);
    expect(b.status).toBe(409);
    expect(b.headers['retry-after']).toBe('1');
  });

  it('releases the key when the use case fails with a 5xx, and stores 4xx answers', async () => {
    const before = runs;
    expect((await post(rt, 'k-500', { sku: 'C', quantity: 1, fail: '500' })).status).toBe(500);
    expect((await post(rt, 'k-500', { sku: 'C', quantity: 1, fail: '500' })).status).toBe(500);
    expect(runs - before).toBe(2);
    const conflict = await post(rt, 'k-409', { sku: 'C', quantity: 1, fail: '409' });
    expect(conflict.status).toBe(409);
    const replay = await post(rt, 'k-409', { sku: 'C', quantity: 1, fail: '409' });
    expect(replay).toMatchObject({ status: 409, body: conflict.body });
    expect(replay.headers['idempotency-replayed']).toBe('true');
    expect(runs - before).toBe(3);
  });

  it('scopes keys by tenant; requests without a key, invalid ones and opted-out endpoints behave as before', async () => {
    const before = runs;
    const a = await post(rt, 'k-shared', { sku: 'D', quantity: 1 }, 'key-a');
    const b = await post(rt, 'k-shared', { sku: 'D', quantity: 1 }, 'key-b');
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.headers['x-tenant']).toBe('tenant-b');
    await post(rt, undefined, { sku: 'D', quantity: 1 });
    await post(rt, undefined, { sku: 'D', quantity: 1 });
    await post(rt, 'k-quote', { price: 10 }, 'key-a', 'test.quote');
    await post(rt, 'k-quote', { price: 10 }, 'key-a', 'test.quote');
    expect(runs - before).toBe(6);
    const bad = await post(rt, 'has space', { sku: 'D', quantity: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ in: 'header', field: 'idempotency-key' })]);
    // A request that fails validation does not use up its key.
    expect((await post(rt, 'k-invalid-first', { sku: 'D' })).status).toBe(400);
    expect((await post(rt, 'k-invalid-first', { sku: 'D', quantity: 1 })).status).toBe(201);
  });
});

describe.skipIf((await postgresUnavailable()) !== null)('Idempotency-Key on PostgreSQL', () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  beforeAll(async () => {
    db = await withPostgres({ max: 10 });
    rt = await runtimeOn(postgresIdempotencyStore(db, systemClock));
  });
  afterAll(async () => { await rt?.close(); await db?.close(); });
  it('50 concurrent identical POSTs with one key run the handler once', () => fiftyAtOnce(rt));
});

describe('Idempotency-Key on DynamoDB (dynalite)', () => {
  let dynamo: TestDynamo;
  let rt: TestRuntime;
  beforeAll(async () => {
    dynamo = await startDynalite();
    rt = await runtimeOn(dynamoIdempotencyStore(dynamo.client, dynamo.prefix, systemClock));
  });
  afterAll(async () => { await rt?.close(); await dynamo?.close(); });
  it('50 concurrent identical POSTs with one key run the handler once', () => fiftyAtOnce(rt));
});
