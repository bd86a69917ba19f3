/**
 * The oversell guard under real concurrency: PostgreSQL with a pool of several connections (the embedded database
 * has one connection, so its "concurrent" calls run one at a time and prove nothing here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmReservation, releaseExpired, releaseReservation, reserve } from '../../core/inventory/reservations.ts';
import { createBundle, createSku, getStock } from '../../core/inventory/stock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { unique } from '../contracts/key-value.contracts.ts';
import { postgresUnavailable, withPostgres, type TestDatabase } from '../helpers/database.ts';
import { expectLedgerReconciles, inventoryDeps } from './support.ts';

const skip = await postgresUnavailable();

describe.skipIf(skip !== null)(`reservations racing on PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await withPostgres({ max: 12 });
  });
  afterAll(async () => {
    await db?.close();
  });

  /** Runs every call at once; counts successes and the refusals (any other error fails the test). */
  const race = async (calls: (() => Promise<unknown>)[]) => {
    const outcomes = await Promise.allSettled(calls.map((c) => c()));
    for (const o of outcomes) if (o.status === 'rejected' && !(o.reason instanceof DomainError && o.reason.code === 'conflict')) throw o.reason;
    return { won: outcomes.filter((o) => o.status === 'fulfilled').length, refused: outcomes.filter((o) => o.status === 'rejected').length };
  };

  it('50 reservations against a stock of 10 hold exactly 10 units', async () => {
    const deps = inventoryDeps(db);
    const tenant = unique('race');
    await createSku(deps, tenant, 'm', { sku: 'HOT', name: 'hot', onHand: 10 });
    const { won, refused } = await race(Array.from({ length: 50 }, (_, i) => () => reserve(deps, tenant, 'm', { reference: `o${i}`, lines: [{ sku: 'HOT', quantity: 1 }] })));
    expect([won, refused]).toEqual([10, 40]);
    expect(await getStock(deps, tenant, 'HOT')).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
    await expectLedgerReconciles(db, tenant);
  });

  it('through two bundles sharing a component and the component itself: exactly 10 units of it, never negative', async () => {
    const deps = inventoryDeps(db);
    const tenant = unique('race');
    await createSku(deps, tenant, 'm', { sku: 'A', name: 'shared', onHand: 10 });
    await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 100 });
    await createSku(deps, tenant, 'm', { sku: 'C', name: 'c', onHand: 100 });
    await createBundle(deps, tenant, { sku: 'X', name: 'A+B', components: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }] });
    await createBundle(deps, tenant, { sku: 'Y', name: 'A+C', components: [{ sku: 'C', quantity: 2 }, { sku: 'A', quantity: 1 }] });
    // Lines in both orders, so a reservation locking in the order asked would deadlock against another.
    const lines = [[{ sku: 'X', quantity: 1 }], [{ sku: 'Y', quantity: 1 }], [{ sku: 'A', quantity: 1 }], [{ sku: 'C', quantity: 1 }, { sku: 'X', quantity: 1 }]];
    const calls = Array.from({ length: 50 }, (_, i) => () => reserve(deps, tenant, 'm', { reference: `o${i}`, lines: lines[i % lines.length]! }));
    const { won } = await race(calls);
    expect(won).toBe(10);
    const a = await getStock(deps, tenant, 'A');
    expect(a).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
    expect((await getStock(deps, tenant, 'X')).available).toBe(0);
    await expectLedgerReconciles(db, tenant);
  });

  it('the same reference sent 20 times at once is one reservation', async () => {
    const deps = inventoryDeps(db);
    const tenant = unique('race');
    await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 10 });
    const results = await Promise.all(Array.from({ length: 20 }, () => reserve(deps, tenant, 'm', { reference: 'same', lines: [{ sku: 'A', quantity: 3 }] })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.reservation.id)).size).toBe(1);
    expect((await getStock(deps, tenant, 'A')).reserved).toBe(3);
    await expectLedgerReconciles(db, tenant);
  });

  it('confirm, release and the expiry purge racing on one reservation: exactly one ends it', async () => {
    const deps = inventoryDeps(db);
    for (let round = 0; round < 5; round++) {
      const tenant = unique('race');
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 5 });
      await reserve(deps, tenant, 'm', { reference: 'o', lines: [{ sku: 'A', quantity: 2 }], ttlSeconds: 60 });
      await reserve(deps, tenant, 'm', { reference: 'p', lines: [{ sku: 'A', quantity: 1 }], ttlSeconds: 3600 });
      await Promise.allSettled([
        confirmReservation(deps, tenant, 'm', 'o'), releaseReservation(deps, tenant, 'm', 'o'), confirmReservation(deps, tenant, 'm', 'o'),
        releaseReservation(deps, tenant, 'm', 'o'), (async () => { deps.clock.advance(30_000); await releaseExpired(deps); })(),
      ]);
      const a = await getStock(deps, tenant, 'A');
      // Either sold (onHand 3) or given back (onHand 5); the other hold stays.
      expect([3, 5]).toContain(a.onHand);
      expect(a.reserved).toBe(1);
      await expectLedgerReconciles(db, tenant);
    }
  });
});
