/**
 * The Wing order feed (against the Coupang sandbox over HTTP) through the order poller into the stock on the
 * embedded database: orders, a cancel and a return emitted in the sandbox are applied once each, also when the
 * poller is killed at random steps of the store or the feed and replayed until caught up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coupangWing } from '../../adapters/coupang/wing.ts';
import { WING_ORDER_FEED_DEFAULTS, wingOrderFeed } from '../../adapters/coupang/wing-orders.ts';
import { putListing } from '../../core/inventory/listings.ts';
import { pollOrders } from '../../core/inventory/orders.ts';
import type { OrderFeed } from '../../core/inventory/ports.ts';
import { createSku } from '../../core/inventory/stock.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.ts';
import { coupangSandboxProviders } from '../../sandbox/coupang/index.ts';
import { manualClock } from '../contracts/key-value.contracts.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { memoryRateCounter, memoryResponseCache } from '../naver/helpers.ts';
import { control, creds, memoryConnections } from '../coupang/helpers.ts';
import { Killed, killable, seeded } from './orders.contracts.ts';
import { expectLedgerReconciles, inventoryDeps } from './support.ts';

const VENDOR = creds.wing.vendorId;
const ITEM = '900000000000000123';
const TENANT = 'tenant-wing-orders';
/** 2026-10-05 10:00 in Korea. */
const T0 = Date.parse('2026-10-05T01:00:00Z');
const min = (n: number) => T0 + n * 60_000;

describe('Wing orders through the poller', () => {
  let sandbox: RunningSandbox;
  let base: string;
  let db: TestDatabase;
  beforeAll(async () => {
    sandbox = await startSandbox(coupangSandboxProviders());
    base = sandbox.urls.coupang!;
    db = await withPglite();
  });
  afterAll(async () => {
    await sandbox?.close();
    await db?.close();
  });

  it('applies each order, cancel and return once, through a poller killed at random and replayed', async () => {
    await control(base, 'reset', {});
    await control(base, 'limits', { wingPerSecond: 1000 });
    await control(base, 'wing-items', { vendorId: VENDOR, vendorItemId: ITEM, amountInStock: 50 });
    const emit = (body: Record<string, unknown>) => control(base, 'wing-events', { vendorId: VENDOR, vendorItemId: ITEM, ...body });
    const order = async (at: number, quantity: number) => (await emit({ kind: 'order', quantity, at: new Date(min(at)).toISOString() })).shipmentBoxId as string;

    const clock = manualClock(T0);
    const wing = coupangWing(
      { baseUrl: base, timeoutMs: 2000, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 40 }, ratePerSecond: 500, rocketGrowthPerMinute: 600, rateMaxWaitMs: 10_000, slowdownMs: 1000 },
      { rateCounter: memoryRateCounter(), cache: memoryResponseCache(), clock: { now: () => new Date() } },
    );
    const real = wingOrderFeed({ wing, connections: memoryConnections({ [TENANT]: { ...creds.wing } }) }, { ...WING_ORDER_FEED_DEFAULTS, clock });
    const rng = seeded(7);
    let feedKills = 0;
    const feed: OrderFeed = {
      next: async (...args) => {
        if (rng() < 0.1) {
          feedKills++;
          throw new Killed('feed');
        }
        return real.next(...args);
      },
    };
    const deps = inventoryDeps(db, { clock, orderFeeds: { coupang_wing: feed } });
    await createSku(deps, TENANT, 'm', { sku: 'A', name: 'a', onHand: 50 });
    await putListing(deps, TENANT, { sku: 'A', channel: 'coupang_wing', externalId: ITEM });
    // The first poll makes the cursor at T0: the feed starts there.
    let first;
    do first = await pollOrders(deps, TENANT, 'coupang_wing', { holder: 'first' });
    while (first.failure);

    const a = await order(3, 3);
    const b = await order(12, 2);
    await emit({ kind: 'cancel', shipmentBoxId: a, quantity: 1, at: new Date(min(14)).toISOString() });
    await emit({ kind: 'return', shipmentBoxId: b, quantity: 1, at: new Date(min(20)).toISOString() });
    clock.advance(35.5 * 60_000);

    let storeKills = 0;
    const catchUp = async () => {
      for (let round = 0; round < 300; round++) {
        // A new process each round; a lease of 0 ms lapses at once, as a killed process's lease would.
        const store = killable(deps.store, () => rng() < 0.03);
        try {
          const r = await pollOrders({ ...deps, store }, TENANT, 'coupang_wing', { holder: `p${round}`, leaseMs: 0, maxPages: 2 });
          if (r.caughtUp && !r.failure) return;
        } catch (error) {
          if (!(error instanceof Killed)) throw error;
          storeKills++;
        }
      }
      throw new Error('never caught up');
    };
    const onHand = async () => Number((await db.query<{ on_hand: number }>(`SELECT on_hand FROM inventory_items WHERE tenant_id = $1 AND sku = 'A'`, [TENANT])).rows[0]!.on_hand);

    await catchUp();
    // 50 - 3 + 1 - 2 + 1.
    expect(await onHand()).toBe(47);
    await order(34, 4);
    clock.advance(15 * 60_000);
    await catchUp();
    expect(await onHand()).toBe(43);
    expect([feedKills > 0, storeKills > 0]).toEqual([true, true]);
    const kinds = await db.query<{ kind: string; n: string }>(`SELECT kind, count(*) AS n FROM inventory_channel_orders WHERE tenant_id = $1 GROUP BY kind ORDER BY kind`, [TENANT]);
    expect(kinds.rows.map((r) => [r.kind, Number(r.n)])).toEqual([['cancel', 1], ['return', 1], ['sale', 3]]);
    await expectLedgerReconciles(db, TENANT);
  }, 120_000);
});
