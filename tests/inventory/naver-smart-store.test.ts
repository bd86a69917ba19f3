/**
 * The sync as wired, through POST /v1/inventory/sync, with a real naver_commerce connection: the tenant connects
 * the Naver Commerce sandbox's application (verified there), lists options and a product without options, and
 * the sync pushes each listing's sellable quantity to the sandbox and reads it back; a sale on Smart Store shows
 * as drift; a secret reissued at Naver makes the channel `rejected` and the connection rejected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';
import { app, startCommerce, type Commerce } from '../naver-commerce/support.ts';

describe('inventory sync to Smart Store through the tenant\'s Naver Commerce connection (sandbox)', () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  let commerce: Commerce;

  beforeAll(async () => {
    db = await withPglite();
    commerce = await startCommerce();
    rt = await testRuntime({ database: db, env: { NAVER_COMMERCE_BASE_URL: commerce.baseUrl } });
  });
  afterAll(async () => {
    await rt?.close();
    await commerce?.close();
    await db?.close();
  });

  it('pushes each listing\'s sellable quantity, reads it back, reports a Smart Store sale as drift, and stops at refused credentials', async () => {
    const t = await seedTenant(rt.ports);
    const as = bearer(t.secret);
    const connected = await rt.call('platform.createConnection', { headers: as, body: { channel: 'naver_commerce', ...app } });
    expect(connected.status).toBe(201);
    for (const body of [
      { sku: 'CHAIR-B', name: '캠핑의자 블랙', onHand: 12 },
      { sku: 'CHAIR-W', name: '캠핑의자 화이트', onHand: 9, safetyStock: 1 },
      { sku: 'TABLE', name: '캠핑테이블', onHand: 3 },
    ]) expect((await rt.call('inventory.createSku', { headers: as, body })).status).toBe(201);
    for (const body of [
      { sku: 'CHAIR-B', channel: 'naver_smart_store', externalId: '1001:10011' },
      { sku: 'CHAIR-W', channel: 'naver_smart_store', externalId: '1001:10012', allocationPercent: 50 },
      { sku: 'TABLE', channel: 'naver_smart_store', externalId: '1002', bufferUnits: 1 },
    ]) expect((await rt.call('inventory.putListing', { headers: as, body })).status).toBe(201);

    const first = await rt.call('inventory.sync', { headers: as, body: { wait: true } });
    expect(first.status).toBe(200);
    // CHAIR-B 12; CHAIR-W floor((9 - 1) x 50 %) = 4; TABLE 3 - 1 buffer = 2.
    expect(first.body.result).toMatchObject({ listings: 3, pushed: 3, unchanged: 0, drift: [], failures: [] });
    const chair = (await commerce.control('products/1001')).originProduct.detailAttribute.optionInfo.optionCombinations;
    expect(chair.map((o: any) => [o.id, o.stockQuantity, o.price, o.usable])).toEqual([[10011, 12, 0, true], [10012, 4, 1000, true], [10013, 0, 0, false]]);
    expect((await commerce.control('products/1002')).originProduct.stockQuantity).toBe(2);
    // The two options of product 1001 went to Naver in one option-stock call.
    expect((await commerce.control('calls'))['PUT /external/v1/products/origin-products/1001/option-stock']).toBe(1);
    const listed = (await rt.call('inventory.listListings', { headers: as })).body.items;
    expect(listed.map((l: any) => [l.externalId, l.sellable, l.pushedQuantity, l.channelQuantity, l.lastError])).toEqual([
      ['1001:10011', 12, 12, 12, null], ['1001:10012', 4, 4, 4, null], ['1002', 2, 2, 2, null],
    ]);

    // A buyer takes 2 blacks on Smart Store before our order feed has told us: the channel shows 10, we say 12.
    expect((await commerce.control('orders', { kind: 'sale', originProductNo: 1001, optionCombinationId: 10011, quantity: 2 })).productOrderId).toBeTruthy();
    const second = await rt.call('inventory.sync', { headers: as, body: { channels: ['naver_smart_store'], wait: true } });
    expect(second.body.result).toMatchObject({ pushed: 0, unchanged: 3, failures: [] });
    expect(second.body.result.drift).toEqual([{ channel: 'naver_smart_store', externalId: '1001:10011', sku: 'CHAIR-B', channelQuantity: 10, ourQuantity: 12, corrected: false }]);

    // The secret is reissued at Naver: the next sync that signs in is refused, and the connection is marked rejected.
    await commerce.control('apps', { clientId: app.clientId, clientSecret: '$2a$04$AnotherSecretForTheApp' });
    await rt.call('inventory.adjustStock', { headers: as, path: { sku: 'TABLE' }, body: { delta: 5, reason: 'receipt' } });
    const refused = await rt.call('inventory.sync', { headers: as, body: { wait: true } });
    expect(refused.body.result.failures).toEqual([expect.objectContaining({ channel: 'naver_smart_store', kind: 'rejected', externalId: null })]);
    const connections = (await rt.call('platform.listConnections', { headers: as })).body.items;
    expect(connections).toEqual([expect.objectContaining({ channel: 'naver_commerce', status: 'rejected', rejectedCode: 'GW.AUTHN' })]);
    expect(JSON.stringify(rt.captured.logs)).not.toContain(app.clientSecret);
  });
});

describe('Smart Store orders applied through POST /v1/inventory/channel-orders/poll as wired (sandbox, one clock moved by the test)', () => {
  let db: TestDatabase;
  let rt: TestRuntime;
  let commerce: Commerce;
  // Runs with real time (the shared rate slots need time to pass) and jumps when the test moves it.
  let offset = 0;
  const nowMs = () => Date.now() + offset;
  const SEC = 1000;

  beforeAll(async () => {
    db = await withPglite();
    commerce = await startCommerce({ now: nowMs });
    rt = await testRuntime({ database: db, env: { NAVER_COMMERCE_BASE_URL: commerce.baseUrl }, overrides: { clock: { now: () => new Date(nowMs()) } } });
  });
  afterAll(async () => {
    await rt?.close();
    await commerce?.close();
    await db?.close();
  });

  it('turns Smart Store sales, a cancel and a return into ledger entries once, however often the feed is read', async () => {
    const t = await seedTenant(rt.ports);
    const as = bearer(t.secret);
    expect((await rt.call('platform.createConnection', { headers: as, body: { channel: 'naver_commerce', ...app } })).status).toBe(201);
    expect((await rt.call('inventory.createSku', { headers: as, body: { sku: 'CHAIR-B', name: '캠핑의자 블랙', onHand: 12 } })).status).toBe(201);
    expect((await rt.call('inventory.putListing', { headers: as, body: { sku: 'CHAIR-B', channel: 'naver_smart_store', externalId: '1001:10011' } })).status).toBe(201);
    const poll = async () => (await rt.call('inventory.pollChannelOrders', { headers: as, body: { channels: ['naver_smart_store'] } })).body.channels[0];
    expect(await poll()).toMatchObject({ recorded: 0, failure: null }); // the feed starts now

    offset += 60 * SEC;
    const order = async (body: Record<string, unknown>, ago: number) => (await commerce.control('orders', { ...body, at: new Date(nowMs() - ago * SEC).toISOString() })).productOrderId as string;
    const p1 = await order({ kind: 'sale', originProductNo: 1001, optionCombinationId: 10011, quantity: 2 }, 30);
    const p2 = await order({ kind: 'sale', originProductNo: 1001, optionCombinationId: 10011, quantity: 1 }, 20);
    await order({ kind: 'cancel', productOrderId: p2 }, 10);
    const p3 = await order({ kind: 'sale', originProductNo: 1001, optionCombinationId: 10011, quantity: 1 }, 8);
    await order({ kind: 'return', productOrderId: p3 }, 6);

    expect(await poll()).toMatchObject({ recorded: 5, applied: 5, oversold: [], ignored: [], caughtUp: true, failure: null });
    // 12 - 2 - 1 + 1 - 1 + 1
    expect((await rt.call('inventory.getSku', { headers: as, path: { sku: 'CHAIR-B' } })).body).toMatchObject({ onHand: 10, reserved: 0 });
    const ledger = (await rt.call('inventory.listLedger', { headers: as, path: { sku: 'CHAIR-B' }, query: { limit: '10' } })).body.items;
    expect(ledger.map((e: any) => [e.reason, e.onHandDelta, e.actor])).toEqual([
      ['return', 1, 'channel:naver_smart_store'],
      ['sale', -1, 'channel:naver_smart_store'],
      ['cancel', 1, 'channel:naver_smart_store'],
      ['sale', -1, 'channel:naver_smart_store'],
      ['sale', -2, 'channel:naver_smart_store'],
      ['receipt', 12, expect.any(String)],
    ]);
    expect(ledger[4].reference).not.toBe(p1); // the order id, not the product order id
    expect(ledger[4].reference).toMatch(/^\d+$/);

    // A minute on, the next window re-reads the same changes (its overlap): nothing is applied twice.
    offset += 60 * SEC;
    expect(await poll()).toMatchObject({ recorded: 0, applied: 0, failure: null });
    expect((await rt.call('inventory.getSku', { headers: as, path: { sku: 'CHAIR-B' } })).body.onHand).toBe(10);
    expect(new Set([p1, p2, p3]).size).toBe(3);
  });
});
