/**
 * Pushes after a stock change (core/inventory/push.ts) over fake channels, and the freshness goal: an order
 * reaches the other channels' quantity within 60 s at the providers' rates (fake clock, channels paced to Naver
 * Commerce's 20 calls/s per application with one call per product, and Wing's 10 calls/s per vendor).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { pushScheduler } from '../../adapters/contexts/inventory/push-scheduler.ts';
import type { InventoryDeps, InventoryStore } from '../../core/inventory/ports.ts';
import { putListing } from '../../core/inventory/listings.ts';
import { pushChanges } from '../../core/inventory/push.ts';
import { reserve } from '../../core/inventory/reservations.ts';
import { adjustStock, createBundle, createSku } from '../../core/inventory/stock.ts';
import { syncChannels } from '../../core/inventory/sync.ts';
import { unique } from '../contracts/key-value.contracts.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { fakeChannel, type FakeChannel } from './fake-channel.ts';
import { inventoryDeps } from './support.ts';

describe('pushes after a stock change', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await withPglite();
  });
  afterAll(async () => {
    await db?.close();
  });
  afterEach(() => vi.useRealTimers());

  it('pushes only the listings the changed SKUs move (bundles containing them too), only changed quantities, through pushMany, without reading back', async () => {
    const naver = fakeChannel({}, { batchByProduct: true });
    const wing = fakeChannel();
    const deps = inventoryDeps(db, { channels: { naver_smart_store: naver, coupang_wing: wing } });
    const tenant = unique('push');
    await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 10 });
    await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 10 });
    await createSku(deps, tenant, 'm', { sku: 'C', name: 'c', onHand: 10 });
    await createBundle(deps, tenant, { sku: 'AB', name: 'a+b', components: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }] });
    await putListing(deps, tenant, { sku: 'A', channel: 'naver_smart_store', externalId: '81:1' });
    await putListing(deps, tenant, { sku: 'AB', channel: 'naver_smart_store', externalId: '81:2' });
    await putListing(deps, tenant, { sku: 'C', channel: 'naver_smart_store', externalId: '82:1' });
    await putListing(deps, tenant, { sku: 'A', channel: 'coupang_wing', externalId: '7001' });
    await putListing(deps, tenant, { sku: 'B', channel: 'coupang_wing', externalId: '7002' });
    await syncChannels(deps, tenant);
    naver.calls.length = wing.calls.length = naver.pushes.length = wing.pushes.length = 0;

    await reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
    const outcome = await pushChanges(deps, tenant, { skus: ['A'] });
    // A: 10 - 3 = 7 on every listing of A; AB: min(7, 10) = 7. C and B are not affected and not even compared.
    expect(outcome).toEqual({ pushed: 3, unchanged: 0, failed: [], stopped: [] });
    expect(naver.calls.map((c) => [c.kind, c.externalIds])).toEqual([['pushMany', ['81:1', '81:2']]]);
    expect(wing.calls.map((c) => [c.kind, c.externalIds])).toEqual([['push', ['7001']]]);
    expect([naver.shown.get('81:1'), naver.shown.get('81:2'), wing.shown.get('7001')]).toEqual([7, 7, 7]);

    // Pushed again with nothing changed: nothing is sent.
    expect(await pushChanges(deps, tenant, { skus: ['A'] })).toEqual({ pushed: 0, unchanged: 3, failed: [], stopped: [] });
    // B changes: the bundle's listing is unchanged (A still limits it to 7), B's own listing moves.
    await adjustStock(deps, tenant, 'm', 'B', { delta: -1, reason: 'sale' });
    expect(await pushChanges(deps, tenant, { skus: ['B'] })).toMatchObject({ pushed: 1, unchanged: 1 });
    expect(wing.pushes.at(-1)).toEqual({ externalId: '7002', quantity: 9 });
  });

  it('reports a failed listing (with its SKU, to retry) and a refused connection, leaving out skipped channels', async () => {
    const naver = fakeChannel({}, { batchByProduct: true });
    const wing = fakeChannel();
    const deps = inventoryDeps(db, { channels: { naver_smart_store: naver, coupang_wing: wing } });
    const tenant = unique('push-fail');
    await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 10 });
    await putListing(deps, tenant, { sku: 'A', channel: 'naver_smart_store', externalId: '81:1' });
    await putListing(deps, tenant, { sku: 'A', channel: 'naver_smart_store', externalId: '81:2' });
    await putListing(deps, tenant, { sku: 'A', channel: 'coupang_wing', externalId: '7001' });
    naver.failPush.add('81:2');
    wing.connection = 'rejected';
    const outcome = await pushChanges(deps, tenant, { skus: ['A'] });
    expect(outcome).toMatchObject({
      pushed: 1,
      failed: [{ channel: 'naver_smart_store', externalId: '81:2', sku: 'A', kind: 'failed', message: 'the channel answered 500 for 81:2' }],
      stopped: [{ channel: 'coupang_wing', kind: 'rejected' }],
    });
    wing.calls.length = 0;
    expect(await pushChanges(deps, tenant, { skus: ['A'], skip: new Set(['coupang_wing']) })).toMatchObject({ failed: [{ externalId: '81:2' }], stopped: [] });
    expect(wing.calls).toEqual([]);
  });

  /** Counts store calls in flight, so a test under a fake clock knows when the code is parked on a timer. */
  const counted = (deps: InventoryDeps) => {
    let inFlight = 0;
    const store = new Proxy(deps.store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          inFlight++;
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).finally(() => inFlight--);
        };
      },
    }) as InventoryStore;
    /** Resolves once no store call is in flight and nothing is left but timers. */
    const quiet = async (): Promise<void> => {
      for (;;) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (inFlight === 0) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (inFlight === 0) return;
        }
      }
    };
    return { deps: { ...deps, store }, quiet };
  };

  it('an order reaches the other channels within 60 s at the providers\' rates, a later one with the next run', async () => {
    const PRODUCTS = 30;
    const OPTIONS = 10;
    const naver = fakeChannel({}, { batchByProduct: true, perSecond: 20 });
    const wing = fakeChannel({}, { perSecond: 10 });
    const base = inventoryDeps(db, { channels: { naver_smart_store: naver, coupang_wing: wing } });
    const tenant = unique('fresh');
    const skus: string[] = [];
    for (let p = 0; p < PRODUCTS; p++) {
      for (let o = 0; o < OPTIONS; o++) {
        const sku = `S${p}-${o}`;
        skus.push(sku);
        await createSku(base, tenant, 'm', { sku, name: sku, onHand: 10 });
        await putListing(base, tenant, { sku, channel: 'naver_smart_store', externalId: `${1000 + p}:${o + 1}` });
        await putListing(base, tenant, { sku, channel: 'coupang_wing', externalId: `${70000 + p * OPTIONS + o}` });
      }
    }
    // What the channels were last told, as after a sync: 10 everywhere.
    for (const l of await base.store.listings(tenant)) {
      await base.store.recordPush(tenant, l.channel, l.externalId, 10, new Date());
      (l.channel === 'coupang_wing' ? wing : naver).shown.set(l.externalId, 10);
    }

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
    const { deps, quiet } = counted(base);
    const scheduler = pushScheduler({ delayMs: 2000, push: (t, changed, skip) => pushChanges(deps, t, { skus: changed, skip }), onError: () => {} });
    const withChanges = { ...deps, changes: scheduler };
    /** Runs fake time forward, timer by timer, letting the database answer between them, up to `until` ms. */
    const drive = async (until: number): Promise<void> => {
      for (;;) {
        await quiet();
        if (Date.now() >= until || vi.getTimerCount() === 0) return;
        await vi.advanceTimersToNextTimerAsync();
      }
    };
    // t = 0: a burst of 300 orders seen on Wing, one unit of each SKU, applied as sales.
    for (const sku of skus) await adjustStock(withChanges, tenant, 'system', sku, { delta: -1, reason: 'sale', reference: `wing-${sku}` });
    // t = 5 s, while the first push runs: one more order, of S0-0.
    setTimeout(() => void adjustStock(withChanges, tenant, 'system', 'S0-0', { delta: -1, reason: 'sale', reference: 'wing-late' }), 5000);
    // The budget: everything must be on the channels 60 s after the first order.
    await drive(60_000);
    let idle = false;
    void scheduler.idle().then(() => (idle = true));
    await quiet();
    expect(idle, 'nothing left to push at 60 s').toBe(true);
    await scheduler.close();

    const lastAt = (fake: FakeChannel, id: string) => Math.max(...fake.calls.filter((c) => c.externalIds.includes(id)).map((c) => c.at));
    // The burst is one push after the 2 s delay. Naver: 30 products, one call each at 20/s: 2000, 2050, ...,
    // 2000 + 29 x 50 = 3450 ms. Wing: 300 calls at 10/s: 2000 + 299 x 100 = 31,900 ms.
    const burst = naver.calls.concat(wing.calls).filter((c) => c.at < 33_000);
    expect(naver.calls.filter((c) => c.at < 33_000).map((c) => c.at)).toEqual(Array.from({ length: PRODUCTS }, (_, i) => 2000 + i * 50));
    expect(Math.max(...burst.map((c) => c.at))).toBe(31_900);
    expect(burst.filter((c) => c.kind === 'push')).toHaveLength(300);
    for (const sku of skus.slice(1)) expect(naver.shown.get(`${1000 + Number(sku.slice(1).split('-')[0])}:${Number(sku.split('-')[1]) + 1}`)).toBe(9);
    // The order at 5 s waits for the run in progress (ends 31.9 s), then the delay: pushed at 33.9 s, 28.9 s
    // after the order, still inside the 60 s budget.
    expect([lastAt(naver, '1000:1'), lastAt(wing, '70000')]).toEqual([33_900, 33_900]);
    expect([naver.shown.get('1000:1'), wing.shown.get('70000')]).toEqual([8, 8]);
    // Pushes never read back.
    expect(naver.calls.concat(wing.calls).filter((c) => c.kind === 'read')).toEqual([]);
  }, 240_000);
});
