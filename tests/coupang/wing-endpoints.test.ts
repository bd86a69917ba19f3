/**
 * The Wing endpoints: first over an in-memory TenantConnections (its calls recorded), then end to end over the real
 * connection store: a connection verified against the sandbox, used, refused later by Coupang (the key revoked),
 * then marked rejected and stopped before Coupang.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/index.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';
import { auth, control, coupangEnv, coupangRuntime, creds, memoryConnections, otherAuth, startMarketsSandbox } from './helpers.ts';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startMarketsSandbox();
});
afterAll(() => sandbox?.close());
beforeEach(() => control(sandbox.urls.coupang!, 'reset', {}));

const WING_ENV = { COUPANG_WING_RATE_PER_SECOND: '10' };

describe('over an in-memory connection store', () => {
  // tenant-1 holds the sandbox's Wing account; tenant-2 has no connection.
  const connections = memoryConnections({ 'tenant-1': { ...creds.wing } });
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await coupangRuntime(sandbox, { env: WING_ENV, overrides: { connections } });
  });
  afterAll(() => rt?.close());

  it('lists seller products page by page to the end, and reads one with its items', async () => {
    const ids: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const res = await rt.call('coupang.listSellerProducts', { query: { limit: '100', ...(nextToken ? { nextToken } : {}) }, headers: auth });
      expect(res.status).toBe(200);
      ids.push(...res.body.items.map((p: { sellerProductId: string }) => p.sellerProductId));
      nextToken = res.body.nextToken ?? undefined;
      pages++;
    } while (nextToken && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(230);

    const one = await rt.call('coupang.getSellerProduct', { path: { sellerProductId: ids[5]! }, headers: auth });
    expect(one.status).toBe(200);
    expect(one.body.sellerProductId).toBe(ids[5]);
    expect(one.body.items[0].vendorItemId).toMatch(/^\d{11}$/);
    const missing = await rt.call('coupang.getSellerProduct', { path: { sellerProductId: '12345' }, headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe(`seller product 12345 was not found in the Wing account`);
    expect((await rt.call('coupang.getSellerProduct', { path: { sellerProductId: '12x' }, headers: auth })).status).toBe(400);
  });

  it('lists orders over days (paged inside) and over minutes, ids as 18-digit strings, no receiver data', async () => {
    const res = await rt.call('coupang.listOrders', { query: { from: '2026-10-01', to: '2026-10-31', status: 'ACCEPT' }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mode: 'daily', status: 'ACCEPT', nextToken: null });
    expect(res.body.orders.length).toBeGreaterThan(10);
    for (const o of res.body.orders) {
      expect(o.shipmentBoxId).toMatch(/^6\d{17}$/);
      expect(o).not.toHaveProperty('receiver');
    }
    const window = await rt.call('coupang.listOrders', { query: { from: '2026-10-05T00:00', to: '2026-10-05T23:59', status: 'ACCEPT' }, headers: auth });
    expect(window.status).toBe(200);
    expect(window.body.mode).toBe('timeFrame');
    const far = await rt.call('coupang.listOrders', { query: { from: '2026-10-01', to: '2026-11-05', status: 'ACCEPT' }, headers: auth });
    expect(far.status).toBe(400);
    expect(far.body.detail).toMatch(/36 days; Coupang serves at most 31/);
    const bad = await rt.call('coupang.listOrders', { query: { from: 'yesterday', to: '2026-10-05', status: 'PAID' }, headers: auth });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['from', 'status']);
  });

  it('without a connection: 404 saying so, and Coupang is never called', async () => {
    const before = (await control(sandbox.urls.coupang!, 'stats')).requests;
    for (const [id, spec] of [
      ['coupang.listSellerProducts', {}],
      ['coupang.getSellerProduct', { path: { sellerProductId: '13000000000' } }],
      ['coupang.listOrders', { query: { from: '2026-10-01', to: '2026-10-02', status: 'ACCEPT' } }],
    ] as const) {
      const res = await rt.call(id, { ...spec, headers: otherAuth });
      expect(res.status, id).toBe(404);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.detail).toMatch(/no Coupang Wing connection/);
    }
    expect((await control(sandbox.urls.coupang!, 'stats')).requests).toBe(before);
  });
});

describe('credentials refused by Coupang', () => {
  it('answers 502 saying the connection must be renewed, and marks it rejected', async () => {
    const connections = memoryConnections({ 'tenant-1': { ...creds.wing, secretKey: 'no-longer-valid-secret' } });
    const rt = await coupangRuntime(sandbox, { env: WING_ENV, overrides: { connections } });
    try {
      const res = await rt.call('coupang.listSellerProducts', { headers: auth });
      expect(res.status).toBe(502);
      expect(res.body.detail).toMatch(/credentials were refused \(401: Invalid signature\); renew the connection/);
      expect(res.body).toMatchObject({ connectionStatus: 'rejected', connectionId: 'conn-tenant-1' });
      expect(JSON.stringify(res.body)).not.toContain('no-longer-valid-secret');
      expect(connections.rejected).toEqual([{ tenantId: 'tenant-1', connectionId: 'conn-tenant-1', code: 'HTTP_401' }]);
      expect(JSON.stringify(rt.captured.logs)).not.toContain('no-longer-valid-secret');
    } finally {
      await rt.close();
    }
  });
});

describe('end to end over the connection store', () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  beforeAll(async () => {
    db = await withPglite();
    rt = await testRuntime({ database: db, env: coupangEnv(sandbox, WING_ENV) });
  });
  afterAll(async () => {
    await rt?.close();
    await db?.close();
  });

  it('a connection verified at the sandbox serves the Wing endpoints until Coupang refuses its key', { timeout: 60_000 }, async () => {
    const tenant = await seedTenant(rt.ports);
    const owner = bearer(tenant.secret);
    const none = await rt.call('coupang.listSellerProducts', { headers: owner });
    expect(none.status).toBe(404);

    const created = await rt.call('platform.createConnection', { body: { channel: 'coupang_wing', ...creds.wing }, headers: owner });
    expect(created.status).toBe(201);
    const page = await rt.call('coupang.listSellerProducts', { query: { limit: '5' }, headers: owner });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(5);

    // The seller revokes the key in Wing: Coupang now refuses it.
    await control(sandbox.urls.coupang!, 'revoke', { accessKey: creds.wing.accessKey });
    const refused = await rt.call('coupang.listOrders', { query: { from: '2026-10-01', to: '2026-10-02', status: 'ACCEPT' }, headers: owner });
    expect(refused.status).toBe(502);
    const listed = await rt.call('platform.listConnections', { headers: owner });
    expect(listed.body.items[0]).toMatchObject({ channel: 'coupang_wing', status: 'rejected' });
    const calls = (await control(sandbox.urls.coupang!, 'stats')).requests;
    const again = await rt.call('coupang.listSellerProducts', { headers: owner });
    expect(again.status).toBe(502);
    expect((await control(sandbox.urls.coupang!, 'stats')).requests).toBe(calls);
  });
});
