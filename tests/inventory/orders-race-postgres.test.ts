/**
 * Channel order pollers racing on PostgreSQL with a pool of several connections (the embedded database has one
 * connection, so its concurrent calls run one at a time): each event is applied once whoever reads it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelOrderEvent } from '../../core/inventory/model.ts';
import { putListing } from '../../core/inventory/listings.ts';
import { pollOrders } from '../../core/inventory/orders.ts';
import { createBundle, createSku } from '../../core/inventory/stock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { unique } from '../contracts/key-value.contracts.ts';
import { postgresUnavailable, withPostgres, type TestDatabase } from '../helpers/database.ts';
import { fakeOrderFeed, orderEvent } from './fake-channel.ts';
import { seeded } from './orders.contracts.ts';
import { expectLedgerReconciles, inventoryDeps } from './support.ts';

const skip = await postgresUnavailable();
const WING = 'coupang_wing' as const;

describe.skipIf(skip !== null)(`order pollers racing on PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await withPostgres({ max: 12 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('four pollers whose leases never hold each other off read the same pages at once: every event is applied once', async () => {
    const rng = seeded(42);
    const log: ChannelOrderEvent[] = [];
    for (let i = 0; i < 60; i++) log.push(orderEvent(`k${i}`, rng() < 0.8 ? 'sale' : 'cancel', rng() < 0.5 ? '100' : '200', 1 + Math.floor(rng() * 3)));
    const feed = fakeOrderFeed(log, { pageSize: 4, overlap: 2 });
    const deps = inventoryDeps(db, { orderFeeds: { [WING]: feed } });
    const tenant = unique('race');
    await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 1000 });
    await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 1000 });
    await createBundle(deps, tenant, { sku: 'KIT', name: '2A+B', components: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }] });
    await putListing(deps, tenant, { sku: 'A', channel: WING, externalId: '100' });
    await putListing(deps, tenant, { sku: 'KIT', channel: WING, externalId: '200' });

    let refused = 0;
    // A lease of 0 ms lapses at once, so every poller polls as if the others had died: only the keys and the
    // cursor's compare-and-set keep them apart.
    const poller = async (holder: string) => {
      for (let round = 0; round < 200; round++) {
        try {
          const r = await pollOrders(deps, tenant, WING, { holder, leaseMs: 0, maxPages: 3 });
          if (r.caughtUp) return;
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
          refused++;
        }
      }
      throw new Error(`${holder} never caught up`);
    };
    await Promise.all(['p1', 'p2', 'p3', 'p4'].map(poller));

    const expected = { A: 1000, B: 1000 };
    for (const e of log) {
      const sign = e.kind === 'sale' ? -1 : 1;
      if (e.externalId === '100') expected.A += sign * e.quantity;
      else {
        expected.A += sign * 2 * e.quantity;
        expected.B += sign * e.quantity;
      }
    }
    const rows = await db.query<{ sku: string; on_hand: number }>(`SELECT sku, on_hand FROM inventory_items WHERE tenant_id = $1 AND kind = 'sku' ORDER BY sku`, [tenant]);
    expect(Object.fromEntries(rows.rows.map((r) => [r.sku, Number(r.on_hand)]))).toEqual(expected);
    const events = await db.query<{ n: string }>(`SELECT count(*) AS n FROM inventory_channel_orders WHERE tenant_id = $1`, [tenant]);
    expect(Number(events.rows[0]!.n)).toBe(60);
    // The pollers did collide (a page refused because another moved the cursor first).
    expect(refused).toBeGreaterThan(0);
    await expectLedgerReconciles(db, tenant);
  }, 120_000);
});
