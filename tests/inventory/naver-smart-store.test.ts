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

    const first = await rt.call('inventory.sync', { headers: as, body: {} });
    expect(first.status).toBe(200);
    // CHAIR-B 12; CHAIR-W floor((9 - 1) x 50 %) = 4; TABLE 3 - 1 buffer = 2.
    expect(first.body).toMatchObject({ listings: 3, pushed: 3, unchanged: 0, drift: [], failures: [] });
    const chair = (await commerce.control('products/1001')).originProduct.detailAttribute.optionInfo.optionCombinations;
    expect(chair.map((o: any) => [o.id, o.stockQuantity, o.price, o.usable])).toEqual([[10011, 12, 0, true], [10012, 4, 1000, true], [10013, 0, 0, false]]);
    expect((await commerce.control('products/1002')).originProduct.stockQuantity).toBe(2);
    const listed = (await rt.call('inventory.listListings', { headers: as })).body.items;
    expect(listed.map((l: any) => [l.externalId, l.sellable, l.pushedQuantity, l.channelQuantity, l.lastError])).toEqual([
      ['1001:10011', 12, 12, 12, null], ['1001:10012', 4, 4, 4, null], ['1002', 2, 2, 2, null],
    ]);

    // A buyer takes 2 blacks on Smart Store before our order feed has told us: the channel shows 10, we say 12.
    expect((await commerce.control('orders', { kind: 'sale', originProductNo: 1001, optionCombinationId: 10011, quantity: 2 })).productOrderId).toBeTruthy();
    const second = await rt.call('inventory.sync', { headers: as, body: { channels: ['naver_smart_store'] } });
    expect(second.body).toMatchObject({ pushed: 0, unchanged: 3, failures: [] });
    expect(second.body.drift).toEqual([{ channel: 'naver_smart_store', externalId: '1001:10011', sku: 'CHAIR-B', channelQuantity: 10, ourQuantity: 12 }]);

    // The secret is reissued at Naver: the next sync that signs in is refused, and the connection is marked rejected.
    await commerce.control('apps', { clientId: app.clientId, clientSecret: '$2a$04$AnotherSecretForTheApp' });
    await rt.call('inventory.adjustStock', { headers: as, path: { sku: 'TABLE' }, body: { delta: 5, reason: 'receipt' } });
    const refused = await rt.call('inventory.sync', { headers: as, body: {} });
    expect(refused.body.failures).toEqual([expect.objectContaining({ channel: 'naver_smart_store', kind: 'rejected', externalId: null })]);
    const connections = (await rt.call('platform.listConnections', { headers: as })).body.items;
    expect(connections).toEqual([expect.objectContaining({ channel: 'naver_commerce', status: 'rejected', rejectedCode: 'GW.AUTHN' })]);
    expect(JSON.stringify(rt.captured.logs)).not.toContain(app.clientSecret);
  });
});
