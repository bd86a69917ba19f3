/**
 * Dependency outages under a running runtime: the database really goes away (its connections are cut and
 * refused, or the embedded engine is closed), and every endpoint answers 503 problem+json with Retry-After;
 * pure calculations keep answering within the documented grace and are counted once the store is back.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { pgDatabase } from '../../adapters/postgres/pg.ts';
import { endpoints } from '../../handlers/registry.ts';
import { postgresUnavailable, TEST_POSTGRES_URL, withPglite, withPostgres, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';

const tenant = { kind: 'tenant', tenantId: 'tnt_outage', actorId: 'mem_1', role: 'owner', via: 'jwt' } as const;
const auth = { authorization: 'Bearer k' };
const body = {
  saleDate: '2025-06-02',
  category: 'kitchen',
  purchase: { unitPriceFen: 2350, quantity: 100 },
  exchange: { cnyKrw: 190, usdKrw: 1380, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 4000, unitWeightGrams: 300 },
  customs: { importType: 'bulk' },
  selling: { channel: 'naver_smart_store', salePriceKrw: 19_900 },
};
const KST_DAY = { sizeMs: 86_400_000, utcOffsetMs: 9 * 3_600_000 };

/** A loopback TCP relay in front of PostgreSQL that can be cut (connections dropped, new ones refused) and restored. */
const relay = async (target: { host: string; port: number }) => {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target);
        sockets.add(client).add(upstream);
        const drop = () => (client.destroy(), upstream.destroy(), sockets.delete(client), sockets.delete(upstream));
        client.on('error', drop).on('close', drop).pipe(upstream);
        upstream.on('error', drop).on('close', drop).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
    for (const s of sockets) s.destroy();
    sockets.clear();
    await closed;
  };
  await start();
  return { get port() { return port; }, cut, restore: start };
};

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close().catch(() => {});
});

const expectOutage = (res: { status: number; headers: Record<string, string>; body: any; raw: { body?: string } }) => {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.headers['retry-after']).toBe('5');
  expect(res.body).toMatchObject({ type: 'urn:sellpo:problem:unavailable', status: 503, retryAfterSeconds: 5 });
  expect(res.raw.body).not.toMatch(/ECONNREFUSED|terminated|pool|postgres|pglite/i);
};

const runtimeOver = async (database: TestDatabase | ReturnType<typeof pgDatabase>, grace: number): Promise<TestRuntime> => {
  const rt = await testRuntime({
    meter: true,
    database,
    env: { METER_OUTAGE_GRACE_CALLS: String(grace), HEALTH_TIMEOUT_MS: '2000', HEALTH_CACHE_MS: '0' },
    overrides: { auth: memoryAuthenticator(new Map([['k', tenant]])) },
  });
  opened.push(rt);
  return rt;
};

const skipPostgres = await postgresUnavailable();

describe('a database outage', () => {
  it.skipIf(skipPostgres)('PostgreSQL cut under the runtime: 503 with Retry-After, margin within the grace, owed calls counted on return', async () => {
    const schemaDb = await withPostgres();
    opened.push(schemaDb);
    const url = new URL(TEST_POSTGRES_URL);
    const link = await relay({ host: url.hostname, port: Number(url.port || 5432) });
    opened.push({ close: () => link.cut() });
    const db = pgDatabase({
      engine: 'postgres',
      host: '127.0.0.1',
      port: link.port,
      user: decodeURIComponent(url.username) || 'postgres',
      database: url.pathname.slice(1),
      max: 2,
      statementTimeoutMs: 10_000,
      connectTimeoutMs: 2_000,
      schema: schemaDb.schema,
    });
    opened.push(db);
    const rt = await runtimeOver(db, 2);

    expect((await rt.call('analysis.margin', { headers: auth, body })).status).toBe(200);
    expect((await rt.call('platform.listApiKeys', { headers: auth })).status).toBe(200);
    expect((await rt.call('platform.health')).status).toBe(200);

    await link.cut();
    // Two pure calls within the grace, then 503 like everything else.
    expect((await rt.call('analysis.margin', { headers: auth, body })).status).toBe(200);
    expect((await rt.call('analysis.marginCompare', { headers: auth, body: { ...body, quantities: [10], channels: [body.selling] } })).status).toBe(200);
    expectOutage(await rt.call('analysis.margin', { headers: auth, body }));
    expectOutage(await rt.call('platform.listApiKeys', { headers: auth }));
    const health = await rt.call('platform.health');
    expect(health.status).toBe(503);
    expect(health.body).toEqual({ status: 'failing', checkedAt: expect.any(String) });
    const warnings = rt.captured.logs.filter((l) => l.message === 'API call answered unmetered: the meter store is unavailable');
    expect(warnings.map((w) => [w.tenantId, w.owed])).toEqual([['tnt_outage', 1], ['tnt_outage', 2]]);

    await link.restore();
    expect((await rt.call('analysis.margin', { headers: auth, body })).status).toBe(200);
    // 1 before the outage + 2 owed + 1 now.
    expect((await rt.ports.rateCounter.peek(`billing:api-calls:${tenant.tenantId}`, KST_DAY)).count).toBe(4);
    expect((await rt.call('platform.health')).status).toBe(200);
  }, 120_000);

  it('the embedded database closed under the runtime: every endpoint 503, pure calls within the grace', async () => {
    const db = await withPglite();
    opened.push(db);
    const rt = await runtimeOver(db, 1);
    expect((await rt.call('analysis.margin', { headers: auth, body })).status).toBe(200);

    await db.close();
    expect((await rt.call('analysis.margin', { headers: auth, body })).status).toBe(200);
    expectOutage(await rt.call('analysis.margin', { headers: auth, body }));
    expectOutage(await rt.call('platform.listApiKeys', { headers: auth }));
    expectOutage(await rt.call('billing.listPayments', { headers: auth }));
    const health = await rt.call('platform.health');
    expect(health.status).toBe(503);
    expect(health.raw.body).not.toMatch(/database|pool|pglite/i);
  }, 120_000);

  it('never answers 500 on an endpoint that needs the database while it is down', async () => {
    const db = await withPglite();
    opened.push(db);
    const rt = await runtimeOver(db, 0);
    await db.close();
    for (const def of endpoints.filter((e) => e.access === 'tenant' && e.method === 'GET' && !e.path.includes('{'))) {
      const res = await rt.call(def.id, { headers: auth });
      expect.soft(res.status, def.id).not.toBe(500);
    }
  }, 120_000);
});
