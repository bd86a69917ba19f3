/** The sync over a fake channel: what is pushed, what is reported. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putListing, listListings } from '../../core/inventory/listings.ts';
import { confirmReservation, releaseExpired, releaseReservation, reserve } from '../../core/inventory/reservations.ts';
import { adjustStock, createBundle, createSku, getStock } from '../../core/inventory/stock.ts';
import { syncChannels } from '../../core/inventory/sync.ts';
import { unique } from '../contracts/key-value.contracts.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { fakeChannel } from './fake-channel.ts';
import { inventoryDeps } from './support.ts';

describe('inventory sync', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await withPglite();
  });
  afterAll(async () => {
    await db?.close();
  });

  const seeded = async () => {
    const wing = fakeChannel({ '700001': 3, '700002': 0 });
    const naver = fakeChannel({ '81:1': 5 });
    const deps = inventoryDeps(db, { channels: { coupang_wing: wing, naver_smart_store: naver } });
    const tenant = unique('sync');
    await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 20, safetyStock: 2 });
    await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 4 });
    await createBundle(deps, tenant, { sku: 'SET', name: 'set', components: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }] });
    await putListing(deps, tenant, { sku: 'A', channel: 'coupang_wing', externalId: '700001', bufferUnits: 3, allocationPercent: 50 });
    await putListing(deps, tenant, { sku: 'SET', channel: 'coupang_wing', externalId: '700002' });
    await putListing(deps, tenant, { sku: 'A', channel: 'naver_smart_store', externalId: '81:1' });
    return { deps, tenant, wing, naver };
  };

  it('pushes each listing\'s sellable quantity, then only what changed, and reads every listing back', async () => {
    const { deps, tenant, wing, naver } = await seeded();
    // A shares 20 - 2 = 18: Wing 700001 floor((18 - 3) * 50 %) = 7; Naver 18.
    // SET: min(floor(18 / 2) = 9, floor(4 / 1) = 4) = 4.
    const first = await syncChannels(deps, tenant);
    expect(first).toMatchObject({ listings: 3, pushed: 3, unchanged: 0, drift: [], failures: [] });
    expect(wing.pushes).toEqual([{ externalId: '700001', quantity: 7 }, { externalId: '700002', quantity: 4 }]);
    expect(naver.pushes).toEqual([{ externalId: '81:1', quantity: 18 }]);
    expect((await getStock(deps, tenant, 'A')).channels.map((c) => [c.channel, c.pushedQuantity])).toEqual([['coupang_wing', 7], ['naver_smart_store', 18]]);

    // Nothing changed: nothing pushed, everything read back.
    const second = await syncChannels(deps, tenant);
    expect(second).toMatchObject({ pushed: 0, unchanged: 3, drift: [] });
    expect(wing.pushes).toHaveLength(2);
    expect(wing.reads.at(-1)).toEqual(['700001', '700002']);

    // Two units of B reserved: SET falls to 2; A's listings stay as they were.
    await reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'B', quantity: 2 }] });
    const third = await syncChannels(deps, tenant);
    expect(third).toMatchObject({ pushed: 1, unchanged: 2 });
    expect(wing.pushes.at(-1)).toEqual({ externalId: '700002', quantity: 2 });
  });

  it('use cases tell the push scheduler after each committed change of what channels may sell, with the SKUs changed, and only then', async () => {
    const told: [string, string[] | undefined][] = [];
    const deps = { ...inventoryDeps(db), changes: { stockChanged: (t: string, skus?: readonly string[]) => void told.push([t, skus && [...skus]]) } };
    const tenant = unique('told');
    const mine = () => told.filter(([t]) => t === tenant).map(([, skus]) => skus);
    await createSku(deps, tenant, 'm', { sku: 'Z', name: 'none yet' });
    expect(mine()).toEqual([]);
    await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 5 });
    await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 5 });
    expect(mine()).toEqual([['A'], ['B']]);
    await adjustStock(deps, tenant, 'm', 'A', { delta: 1, reason: 'receipt' });
    await createBundle(deps, tenant, { sku: 'SET', name: 'set', components: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 2 }] });
    await putListing(deps, tenant, { sku: 'SET', channel: 'coupang_wing', externalId: '1' });
    expect(mine().slice(2)).toEqual([['A'], ['SET']]);
    told.length = 0;
    // A bundle line holds its components: those are the SKUs that changed.
    await reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'SET', quantity: 1 }] });
    await reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'SET', quantity: 1 }] }); // the same one: nothing changed
    await reserve(deps, tenant, 'm', { reference: 'o9', lines: [{ sku: 'A', quantity: 99 }] }).catch(() => {}); // refused
    expect(mine()).toEqual([['A', 'B']]);
    await confirmReservation(deps, tenant, 'm', 'o1'); // onHand and reserved fall together: sellable unchanged
    expect(mine()).toHaveLength(1);
    await reserve(deps, tenant, 'm', { reference: 'o2', lines: [{ sku: 'A', quantity: 1 }] });
    await releaseReservation(deps, tenant, 'm', 'o2');
    await releaseReservation(deps, tenant, 'm', 'o2');
    expect(mine().slice(1)).toEqual([['A'], ['A']]);
    await reserve(deps, tenant, 'm', { reference: 'o3', lines: [{ sku: 'B', quantity: 1 }], ttlSeconds: 10 });
    deps.clock.advance(10_000);
    await releaseExpired(deps);
    expect(mine().slice(3)).toEqual([['B'], ['B']]);
  });

  it('reports drift: the channel says X, we say Y', async () => {
    const { deps, tenant, naver } = await seeded();
    await syncChannels(deps, tenant);
    naver.shown.set('81:1', 15); // three sold on Smart Store, not yet here
    const result = await syncChannels(deps, tenant);
    // Less than ours is left alone: the channel's own sales would be sold twice if pushed back.
    expect(result.drift).toEqual([{ channel: 'naver_smart_store', externalId: '81:1', sku: 'A', channelQuantity: 15, ourQuantity: 18, corrected: false }]);
    expect(result.pushed).toBe(0);
    expect((await listListings(deps, tenant, { sku: 'A' })).find((l) => l.channel === 'naver_smart_store')).toMatchObject({ channelQuantity: 15, pushedQuantity: 18 });
  });

  it('pushes ours over a writable channel that offers more than we can sell, and reports it corrected', async () => {
    const { deps, tenant, wing, naver } = await seeded();
    await syncChannels(deps, tenant);
    // Someone set Wing's stock by hand: 50 where we can sell 7 (A: (18 - 3) x 50 %).
    wing.shown.set('700001', 50);
    const pushesBefore = wing.pushes.length;
    const result = await syncChannels(deps, tenant);
    expect(result.drift).toEqual([{ channel: 'coupang_wing', externalId: '700001', sku: 'A', channelQuantity: 50, ourQuantity: 7, corrected: true }]);
    expect(result).toMatchObject({ listings: 3, pushed: 1, unchanged: 2, failures: [] });
    expect(wing.pushes.slice(pushesBefore)).toEqual([{ externalId: '700001', quantity: 7 }]);
    expect(wing.shown.get('700001')).toBe(7);
    expect(naver.pushes).toHaveLength(1);
    // The next sync finds nothing to correct.
    expect(await syncChannels(deps, tenant)).toMatchObject({ pushed: 0, drift: [] });
  });

  it('a listing pushed in this sync whose read-back lags is reported, not pushed twice', async () => {
    const { deps, tenant, wing } = await seeded();
    // The channel's read lags its write: it shows 50 whatever was pushed.
    const read = wing.read;
    wing.read = async (tenantId, externalIds, signal) => new Map([...(await read(tenantId, externalIds, signal))].map(([id, q]) => [id, id === '700001' ? 50 : q]));
    const result = await syncChannels(deps, tenant);
    expect(wing.pushes.filter((p) => p.externalId === '700001')).toEqual([{ externalId: '700001', quantity: 7 }]);
    expect(result).toMatchObject({ listings: 3, pushed: 3, unchanged: 0 });
    expect(result.drift).toEqual([{ channel: 'coupang_wing', externalId: '700001', sku: 'A', channelQuantity: 50, ourQuantity: 7, corrected: false }]);
  });

  it('a correction the channel fails is reported as a failure and the drift as not corrected', async () => {
    const { deps, tenant, wing } = await seeded();
    await syncChannels(deps, tenant);
    wing.shown.set('700001', 50);
    wing.failPush.add('700001');
    const result = await syncChannels(deps, tenant);
    expect(result.drift).toEqual([{ channel: 'coupang_wing', externalId: '700001', sku: 'A', channelQuantity: 50, ourQuantity: 7, corrected: false }]);
    expect(result.failures).toMatchObject([{ channel: 'coupang_wing', externalId: '700001', kind: 'failed' }]);
    expect(result.pushed).toBe(0);
    // The listing keeps what the channel was seen to show, not the quantity from before.
    expect((await listListings(deps, tenant, { sku: 'A' })).find((l) => l.channel === 'coupang_wing')).toMatchObject({ channelQuantity: 50 });
  });

  it('a failed push is reported, leaves the listing to be pushed again, and blocks neither other listings nor sales', async () => {
    const { deps, tenant, wing } = await seeded();
    wing.failPush.add('700001');
    const result = await syncChannels(deps, tenant);
    expect(result.failures).toEqual([{ channel: 'coupang_wing', externalId: '700001', sku: 'A', kind: 'failed', message: 'the channel answered 500 for 700001' }]);
    expect(result.pushed).toBe(2);
    const listing = (await listListings(deps, tenant, { sku: 'A' })).find((l) => l.channel === 'coupang_wing')!;
    expect([listing.pushedQuantity, listing.lastError]).toEqual([null, 'the channel answered 500 for 700001']);
    // Sales go on while the channel fails.
    await adjustStock(deps, tenant, 'm', 'A', { delta: -2, reason: 'sale', reference: 'offline-1' });
    wing.failPush.clear();
    const retry = await syncChannels(deps, tenant);
    // A shares 18 - 2 = 16: floor((16 - 3) * 50 %) = 6.
    expect(wing.pushes.filter((p) => p.externalId === '700001')).toEqual([{ externalId: '700001', quantity: 6 }]);
    expect(retry.failures).toEqual([]);
    expect((await listListings(deps, tenant, { sku: 'A' })).find((l) => l.channel === 'coupang_wing')!.lastError).toBeNull();
  });

  it('a rejected or missing connection stops that channel only, reported once', async () => {
    const { deps, tenant, wing, naver } = await seeded();
    wing.connection = 'rejected';
    const result = await syncChannels(deps, tenant);
    expect(result.failures).toEqual([{ channel: 'coupang_wing', externalId: null, sku: null, kind: 'rejected', message: expect.stringContaining('renew') }]);
    expect(naver.pushes).toHaveLength(1);
    wing.connection = 'none';
    expect((await syncChannels(deps, tenant)).failures.map((f) => f.kind)).toEqual(['no_connection']);
    // A channel this server cannot reach at all (no adapter), and a sync limited to one channel.
    await putListing(deps, tenant, { sku: 'B', channel: 'coupang_rocket_growth', externalId: '700003' });
    expect((await syncChannels(deps, tenant)).failures.map((f) => [f.channel, f.kind]).sort()).toEqual([['coupang_rocket_growth', 'no_connection'], ['coupang_wing', 'no_connection']]);
    const only = await syncChannels(deps, tenant, { channels: ['naver_smart_store'] });
    expect([only.listings, only.failures]).toEqual([1, []]);
  });

  it('a listing the channel does not know is reported as a failure, not as drift', async () => {
    const { deps, tenant, wing } = await seeded();
    await putListing(deps, tenant, { sku: 'B', channel: 'coupang_wing', externalId: '799999' });
    wing.read = async (_t, ids) => new Map(ids.filter((id) => id !== '799999').map((id) => [id, wing.shown.get(id) ?? 0]));
    const result = await syncChannels(deps, tenant);
    expect(result.failures).toEqual([{ channel: 'coupang_wing', externalId: '799999', sku: 'B', kind: 'failed', message: 'the channel does not know this listing' }]);
    expect(result.drift).toEqual([]);
  });
});
