/**
 * A sync through POST /v1/inventory/sync as wired, with a tenant's Wing connection verified at the Coupang sandbox:
 * Wing listings are pushed and read back, Rocket Growth listings are only read (their difference is drift), and a
 * key revoked in Wing turns into `rejected` with the connection marked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.ts';
import { coupangSandboxProviders } from '../../sandbox/coupang/index.ts';
import { coupangEnv, control, creds } from '../coupang/helpers.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';

const WING_ITEM = '900000000000000777';
const RG_ITEM = '900000000000000888';

describe('inventory sync with a Coupang Wing connection (sandbox)', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  let rt: TestRuntime;
  let headers: Record<string, string>;
  let tenantId: string;
  let base: string;
  const wingStock = async (id: string) => (await fetch(`${base}/__sandbox/wing-stock?vendorId=${creds.wing.vendorId}&vendorItemId=${id}`).then((r) => r.json())) as { amountInStock: number; rocketGrowth: number | null };

  beforeAll(async () => {
    db = await withPglite();
    sandbox = await startSandbox(coupangSandboxProviders());
    base = sandbox.urls.coupang!;
    rt = await testRuntime({ database: db, env: coupangEnv(sandbox, { COUPANG_WING_RATE_PER_SECOND: '8' }) });
    const t = await seedTenant(rt.ports);
    headers = bearer(t.secret);
    tenantId = t.tenant.id;
    expect((await rt.call('platform.createConnection', { headers, body: { channel: 'coupang_wing', ...creds.wing } })).status).toBe(201);
    await control(base, 'wing-items', { vendorId: creds.wing.vendorId, vendorItemId: WING_ITEM, amountInStock: 3 });
    await control(base, 'wing-items', { vendorId: creds.wing.vendorId, vendorItemId: RG_ITEM, rocketGrowth: 7 });
    expect((await rt.call('inventory.createSku', { headers, body: { sku: 'CHAIR', name: '캠핑의자', onHand: 12, safetyStock: 1 } })).status).toBe(201);
    for (const [channel, externalId] of [['coupang_wing', WING_ITEM], ['coupang_rocket_growth', RG_ITEM]]) {
      expect((await rt.call('inventory.putListing', { headers, body: { sku: 'CHAIR', channel, externalId } })).status).toBe(201);
    }
  });
  afterAll(async () => {
    await rt?.close();
    await sandbox?.close();
    await db?.close();
  });

  it('pushes the Wing listing and reads it back; Rocket Growth is read only and its difference is drift', async () => {
    // CHAIR shares 12 - 1 = 11.
    const first = await rt.call('inventory.sync', { headers, body: { wait: true } });
    expect(first.status).toBe(200);
    expect(first.body.result).toMatchObject({ listings: 2, pushed: 1, unchanged: 1, failures: [] });
    expect(first.body.result.drift).toEqual([{ channel: 'coupang_rocket_growth', externalId: RG_ITEM, sku: 'CHAIR', channelQuantity: 7, ourQuantity: 11, corrected: false }]);
    expect((await wingStock(WING_ITEM)).amountInStock).toBe(11);
    expect((await wingStock(RG_ITEM)).rocketGrowth).toBe(7);

    const listings = await rt.call('inventory.listListings', { headers, query: { sku: 'CHAIR' } });
    expect(listings.body.items ?? listings.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ channel: 'coupang_wing', externalId: WING_ITEM, pushedQuantity: 11, channelQuantity: 11, lastError: null })]),
    );

    // A sale on Wing (the sandbox lowers its stock): drift until the next change is pushed.
    await control(base, 'wing-events', { vendorId: creds.wing.vendorId, kind: 'order', vendorItemId: WING_ITEM, quantity: 2 });
    const second = await rt.call('inventory.sync', { headers, body: { channels: ['coupang_wing'], wait: true } });
    expect(second.body.result).toMatchObject({ listings: 1, pushed: 0, unchanged: 1, drift: [{ channel: 'coupang_wing', externalId: WING_ITEM, channelQuantity: 9, ourQuantity: 11 }] });
    expect((await rt.call('inventory.adjustStock', { headers, path: { sku: 'CHAIR' }, body: { delta: -2, reason: 'sale', reference: 'wing order' } })).status).toBe(201);
    const third = await rt.call('inventory.sync', { headers, body: { channels: ['coupang_wing'], wait: true } });
    expect(third.body.result).toMatchObject({ pushed: 1, drift: [], failures: [] });
    expect((await wingStock(WING_ITEM)).amountInStock).toBe(9);
  });

  it('the wired Wing order feed reports an order placed a few minutes ago as a sale of its listing', async () => {
    const placed = await control(base, 'wing-events', { vendorId: creds.wing.vendorId, kind: 'order', vendorItemId: WING_ITEM, quantity: 3, at: new Date(Date.now() - 5 * 60_000).toISOString() });
    const feed = rt.ports.inventory.orderFeeds!.coupang_wing!;
    const since = new Date(Date.now() - 30 * 60_000);
    const events = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page = await feed.next(tenantId, cursor, since);
      events.push(...page.events);
      cursor = page.cursor;
      if (!page.more) break;
    }
    // Seen again in the overlap of the next window: the same key, applied once downstream.
    const unique = [...new Map(events.filter((e) => e.externalId === WING_ITEM).map((e) => [e.key, e])).values()];
    expect(unique).toEqual([expect.objectContaining({ key: `${placed.shipmentBoxId}:${WING_ITEM}:sale`, kind: 'sale', quantity: 3, orderId: placed.orderId })]);
  });

  it('a key revoked in Wing: the run reports rejected once per channel and the connection is marked rejected', async () => {
    const before = (await wingStock(WING_ITEM)).amountInStock;
    await control(base, 'revoke', { accessKey: creds.wing.accessKey });
    expect((await rt.call('inventory.adjustStock', { headers, path: { sku: 'CHAIR' }, body: { delta: 1, reason: 'receipt' } })).status).toBe(201);
    const run = await rt.call('inventory.sync', { headers, body: { wait: true } });
    expect(run.body.result.pushed).toBe(0);
    expect(run.body.result.failures.map((f: { channel: string; kind: string }) => `${f.channel}:${f.kind}`).sort()).toEqual(['coupang_rocket_growth:rejected', 'coupang_wing:rejected']);
    const connections = await rt.call('platform.listConnections', { headers });
    expect(connections.body.items ?? connections.body.connections).toEqual([expect.objectContaining({ channel: 'coupang_wing', status: 'rejected', rejectedCode: 'HTTP_401' })]);
    expect((await wingStock(WING_ITEM)).amountInStock).toBe(before);
  });
});

describe('Wing orders applied through POST /v1/inventory/channel-orders/poll (sandbox, a clock the test moves)', () => {
  let db: TestDatabase;
  let sandbox: RunningSandbox;
  let rt: TestRuntime;
  let headers: Record<string, string>;
  let base: string;
  // Real time plus what the test adds: the sandbox checks signed dates within 5 minutes of its own clock, so the
  // test moves it a few minutes only.
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset), advance: (ms: number) => void (offset += ms) };

  beforeAll(async () => {
    db = await withPglite();
    sandbox = await startSandbox(coupangSandboxProviders());
    base = sandbox.urls.coupang!;
    rt = await testRuntime({ database: db, env: coupangEnv(sandbox, { COUPANG_WING_RATE_PER_SECOND: '8' }), overrides: { clock } });
    const t = await seedTenant(rt.ports);
    headers = bearer(t.secret);
    expect((await rt.call('platform.createConnection', { headers, body: { channel: 'coupang_wing', ...creds.wing } })).status).toBe(201);
    await control(base, 'wing-items', { vendorId: creds.wing.vendorId, vendorItemId: WING_ITEM, amountInStock: 0 });
    expect((await rt.call('inventory.createSku', { headers, body: { sku: 'LAMP', name: '랜턴', onHand: 20 } })).status).toBe(201);
    expect((await rt.call('inventory.putListing', { headers, body: { sku: 'LAMP', channel: 'coupang_wing', externalId: WING_ITEM } })).status).toBe(201);
  });
  afterAll(async () => {
    await rt?.close();
    await sandbox?.close();
    await db?.close();
  });

  const poll = async () => {
    const res = await rt.call('inventory.pollChannelOrders', { headers, body: { channels: ['coupang_wing'] } });
    expect(res.status).toBe(200);
    return res.body.channels[0];
  };

  it('a sale and its cancel become ledger entries once, however often the windows overlap', async () => {
    expect((await poll())).toMatchObject({ failure: null }); // the first poll starts the feed now
    const at = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000).toISOString();
    const placed = await control(base, 'wing-events', { vendorId: creds.wing.vendorId, kind: 'order', vendorItemId: WING_ITEM, quantity: 3, at: at(20) });
    await control(base, 'wing-events', { vendorId: creds.wing.vendorId, kind: 'cancel', shipmentBoxId: placed.shipmentBoxId, vendorItemId: WING_ITEM, quantity: 1, at: at(30) });
    clock.advance(3 * 60_000);
    expect((await poll()).failure).toBeNull();
    // 20 - 3 (the sale, counted gross though the sheet now says 2) + 1 (the cancel).
    expect((await rt.call('inventory.getSku', { headers, path: { sku: 'LAMP' } })).body.onHand).toBe(18);
    clock.advance(60_000);
    await poll(); // re-reads 2 minutes behind its cursor: both seen again, neither applied again
    expect((await rt.call('inventory.getSku', { headers, path: { sku: 'LAMP' } })).body.onHand).toBe(18);
    const ledger = await rt.call('inventory.listLedger', { headers, path: { sku: 'LAMP' }, query: { limit: '10' } });
    expect(ledger.body.items.map((e: { reason: string; onHandDelta: number; reference: string | null }) => [e.reason, e.onHandDelta, e.reference])).toEqual([
      ['cancel', 1, placed.orderId],
      ['sale', -3, placed.orderId],
      ['receipt', 20, 'opening stock'],
    ]);
  });
});
