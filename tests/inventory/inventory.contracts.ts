/**
 * The inventory use cases over a store, declared once and run on every engine (inventory-store.test.ts): stock,
 * bundles, the ledger, reservations, expiry and listings. Each test works in a tenant of its own.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../adapters/postgres/database.ts';
import { listListings, putListing } from '../../core/inventory/listings.ts';
import { confirmReservation, getReservation, releaseExpired, releaseReservation, reserve } from '../../core/inventory/reservations.ts';
import { adjustStock, createBundle, createSku, getStock, listStock, readLedger } from '../../core/inventory/stock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { unique } from '../contracts/key-value.contracts.ts';
import { expectLedgerReconciles, inventoryDeps } from './support.ts';

/** The DomainError a promise rejects with (fails the test when it resolves or throws something else). */
const refusal = async (work: Promise<unknown>): Promise<DomainError> => {
  const error = await work.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
};

export const inventoryContract = (database: () => Database) => {
  const setup = () => {
    const db = database();
    return { db, deps: inventoryDeps(db), tenant: unique('tenant') };
  };

  describe('SKUs and the ledger', () => {
    it('a new SKU starts with its opening stock as a receipt in its ledger', async () => {
      const { db, deps, tenant } = setup();
      const view = await createSku(deps, tenant, 'member-1', { sku: 'A-1', name: '의자', onHand: 12, safetyStock: 2 });
      expect(view).toMatchObject({ sku: 'A-1', kind: 'sku', onHand: 12, reserved: 0, available: 12, safetyStock: 2, components: null, channels: [] });
      const ledger = await readLedger(deps, tenant, 'A-1', { limit: 10 });
      expect(ledger.items).toEqual([
        expect.objectContaining({ seq: 1, onHandDelta: 12, reservedDelta: 0, reason: 'receipt', actor: 'member-1', reference: 'opening stock', onHandAfter: 12, reservedAfter: 0 }),
      ]);
      expect((await refusal(createSku(deps, tenant, 'member-1', { sku: 'A-1', name: 'again' }))).code).toBe('conflict');
      await createSku(deps, tenant, 'member-1', { sku: 'EMPTY', name: 'no stock' });
      expect((await readLedger(deps, tenant, 'EMPTY', { limit: 10 })).items).toEqual([]);
      await expectLedgerReconciles(db, tenant);
    });

    it('adjustments move onHand, append to the ledger and never go below what is reserved', async () => {
      const { db, deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 5 });
      const { entry, stock } = await adjustStock(deps, tenant, 'm2', 'A', { delta: 7, reason: 'receipt', reference: 'PO-1' });
      expect(entry).toMatchObject({ seq: 2, onHandDelta: 7, reason: 'receipt', actor: 'm2', reference: 'PO-1', onHandAfter: 12 });
      expect(stock.onHand).toBe(12);
      await reserve(deps, tenant, 'm', { reference: 'o-1', lines: [{ sku: 'A', quantity: 10 }] });
      const below = await refusal(adjustStock(deps, tenant, 'm', 'A', { delta: -3, reason: 'adjustment' }));
      expect(below.code).toBe('conflict');
      expect(below.details).toMatchObject({ onHand: 12, reserved: 10, delta: -3 });
      expect((await adjustStock(deps, tenant, 'm', 'A', { delta: -2, reason: 'adjustment' })).stock).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
      expect((await refusal(adjustStock(deps, tenant, 'm', 'A', { delta: 0, reason: 'adjustment' }))).code).toBe('invalid');
      expect((await refusal(adjustStock(deps, tenant, 'm', 'NOPE', { delta: 1, reason: 'receipt' }))).code).toBe('not_found');
      // Counts stay within what the database holds: a receipt past a billion units is refused, not a 500.
      await adjustStock(deps, tenant, 'm', 'A', { delta: 999_999_990, reason: 'receipt' });
      const over = await refusal(adjustStock(deps, tenant, 'm', 'A', { delta: 1_000, reason: 'receipt' }));
      expect([over.code, over.details?.field]).toEqual(['invalid', 'delta']);
      await adjustStock(deps, tenant, 'm', 'A', { delta: -999_999_990, reason: 'adjustment' });
      await expectLedgerReconciles(db, tenant);
    });

    it('the ledger is append-only in the database itself', async () => {
      const { db, deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 5 });
      await expect(db.query(`UPDATE inventory_ledger SET on_hand_delta = 50 WHERE tenant_id = $1`, [tenant])).rejects.toThrow(/append-only/);
      await expect(db.query(`DELETE FROM inventory_ledger WHERE tenant_id = $1`, [tenant])).rejects.toThrow(/append-only/);
      await expectLedgerReconciles(db, tenant);
    });

    it('pages the ledger newest first and the SKUs by code, refusing a made-up cursor', async () => {
      const { deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 1 });
      for (let i = 0; i < 4; i++) await adjustStock(deps, tenant, 'm', 'B', { delta: 1, reason: 'receipt', reference: `r${i}` });
      const first = await readLedger(deps, tenant, 'B', { limit: 3 });
      expect(first.items.map((e) => e.seq)).toEqual([5, 4, 3]);
      const second = await readLedger(deps, tenant, 'B', { limit: 3, cursor: first.nextCursor! });
      expect(second.items.map((e) => e.seq)).toEqual([2, 1]);
      expect(second.nextCursor).toBeNull();
      expect((await refusal(readLedger(deps, tenant, 'B', { limit: 3, cursor: 'abc' }))).code).toBe('invalid');

      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a' });
      await createSku(deps, tenant, 'm', { sku: 'C', name: 'c' });
      const p1 = await listStock(deps, tenant, { limit: 2 });
      expect(p1.items.map((i) => i.sku)).toEqual(['A', 'B']);
      const p2 = await listStock(deps, tenant, { limit: 2, cursor: p1.nextCursor! });
      expect(p2.items.map((i) => i.sku)).toEqual(['C']);
      expect(p2.nextCursor).toBeNull();
    });
  });

  describe('bundles', () => {
    it('availability is min over components of floor(available / quantity)', async () => {
      const { deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 7 });
      await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 10 });
      const set = await createBundle(deps, tenant, { sku: 'SET', name: 'set', components: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }] });
      // floor(7/2) = 3, floor(10/3) = 3
      expect(set).toMatchObject({ kind: 'bundle', onHand: null, reserved: null, available: 3, components: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }] });
      await reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'B', quantity: 5 }] });
      // B available 5: floor(5/3) = 1
      expect((await getStock(deps, tenant, 'SET')).available).toBe(1);
    });

    it('refuses nested bundles, itself, twice-listed and unknown components, and adjustments of a bundle', async () => {
      const { deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 7 });
      await createBundle(deps, tenant, { sku: 'SET', name: 'set', components: [{ sku: 'A', quantity: 1 }] });
      const nested = await refusal(createBundle(deps, tenant, { sku: 'SET2', name: 'x', components: [{ sku: 'SET', quantity: 1 }, { sku: 'A', quantity: 1 }] }));
      expect([nested.code, nested.details]).toEqual(['invalid', { nested: ['SET'] }]);
      expect((await refusal(createBundle(deps, tenant, { sku: 'SELF', name: 'x', components: [{ sku: 'SELF', quantity: 1 }] }))).code).toBe('invalid');
      expect((await refusal(createBundle(deps, tenant, { sku: 'T', name: 'x', components: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 2 }] }))).code).toBe('invalid');
      const unknown = await refusal(createBundle(deps, tenant, { sku: 'U', name: 'x', components: [{ sku: 'GHOST', quantity: 1 }] }));
      expect([unknown.code, unknown.details]).toEqual(['invalid', { missing: ['GHOST'] }]);
      expect((await refusal(createBundle(deps, tenant, { sku: 'A', name: 'x', components: [{ sku: 'SET', quantity: 1 }] }))).code).toBe('invalid');
      expect((await refusal(createBundle(deps, tenant, { sku: 'SET', name: 'x', components: [{ sku: 'A', quantity: 1 }] }))).code).toBe('conflict');
      expect((await refusal(adjustStock(deps, tenant, 'm', 'SET', { delta: 1, reason: 'receipt' }))).code).toBe('invalid');
      expect((await getStock(deps, tenant, 'A')).onHand).toBe(7);
    });
  });

  describe('reservations', () => {
    it('hold all lines or none, naming each short SKU with what it has', async () => {
      const { db, deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 3 });
      await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 10 });
      await createSku(deps, tenant, 'm', { sku: 'C', name: 'c', onHand: 1 });
      const short = await refusal(reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'A', quantity: 4 }, { sku: 'B', quantity: 2 }, { sku: 'C', quantity: 2 }] }));
      expect(short.code).toBe('conflict');
      expect(short.details).toEqual({ shortages: [{ sku: 'A', requested: 4, available: 3 }, { sku: 'C', requested: 2, available: 1 }] });
      // Nothing held, and the reference is still free.
      for (const sku of ['A', 'B', 'C']) expect((await getStock(deps, tenant, sku)).reserved).toBe(0);
      const { reservation, created } = await reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 2 }] });
      expect(created).toBe(true);
      expect(reservation).toMatchObject({ reference: 'o1', state: 'held', holds: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 2 }] });
      expect(await getStock(deps, tenant, 'A')).toMatchObject({ onHand: 3, reserved: 3, available: 0 });
      const unknown = await refusal(reserve(deps, tenant, 'm', { reference: 'o2', lines: [{ sku: 'A', quantity: 1 }, { sku: 'GHOST', quantity: 1 }] }));
      expect([unknown.code, unknown.details]).toEqual(['not_found', { unknown: ['GHOST'] }]);
      await expectLedgerReconciles(db, tenant);
    });

    it('a bundle line holds its components, summed with other lines of the same SKU', async () => {
      const { db, deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 5 });
      await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 5 });
      await createBundle(deps, tenant, { sku: 'SET', name: 'set', components: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }] });
      // 2 sets (A 4, B 2) + 1 A = A 5, B 2.
      const { reservation } = await reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'SET', quantity: 2 }, { sku: 'A', quantity: 1 }] });
      expect(reservation.holds).toEqual([{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 2 }]);
      const short = await refusal(reserve(deps, tenant, 'm', { reference: 'o2', lines: [{ sku: 'SET', quantity: 1 }] }));
      expect(short.details).toEqual({ shortages: [{ sku: 'A', requested: 2, available: 0 }] });
      expect((await getStock(deps, tenant, 'SET')).available).toBe(0);
      await expectLedgerReconciles(db, tenant);
    });

    it('the same reference is the same reservation; with other lines it is refused', async () => {
      const { db, deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 5 });
      await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 5 });
      const first = await reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }] });
      const again = await reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 2 }] });
      expect(again.created).toBe(false);
      expect(again.reservation).toEqual(first.reservation);
      expect((await getStock(deps, tenant, 'A')).reserved).toBe(2);
      expect((await refusal(reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'A', quantity: 3 }] }))).code).toBe('conflict');
      await expectLedgerReconciles(db, tenant);
    });

    it('confirm turns the hold into a sale; release gives it back; each answers the same twice and refuses the other', async () => {
      const { db, deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 10 });
      await reserve(deps, tenant, 'm', { reference: 'sold', lines: [{ sku: 'A', quantity: 3 }] });
      await reserve(deps, tenant, 'm', { reference: 'kept', lines: [{ sku: 'A', quantity: 2 }] });
      const confirmed = await confirmReservation(deps, tenant, 'm2', 'sold');
      expect(confirmed).toMatchObject({ state: 'confirmed', releaseCause: null });
      expect(await getStock(deps, tenant, 'A')).toMatchObject({ onHand: 7, reserved: 2, available: 5 });
      expect((await confirmReservation(deps, tenant, 'm2', 'sold')).state).toBe('confirmed');
      expect((await getStock(deps, tenant, 'A')).onHand).toBe(7);
      expect((await refusal(releaseReservation(deps, tenant, 'm', 'sold'))).code).toBe('conflict');

      expect(await releaseReservation(deps, tenant, 'm', 'kept')).toMatchObject({ state: 'released', releaseCause: 'released' });
      expect((await releaseReservation(deps, tenant, 'm', 'kept')).state).toBe('released');
      expect(await getStock(deps, tenant, 'A')).toMatchObject({ onHand: 7, reserved: 0, available: 7 });
      expect((await refusal(confirmReservation(deps, tenant, 'm', 'kept'))).code).toBe('conflict');
      expect((await refusal(confirmReservation(deps, tenant, 'm', 'never'))).code).toBe('not_found');

      const ledger = (await readLedger(deps, tenant, 'A', { limit: 10 })).items.reverse();
      expect(ledger.map((e) => [e.reason, e.onHandDelta, e.reservedDelta, e.reference, e.actor])).toEqual([
        ['receipt', 10, 0, 'opening stock', 'm'],
        ['reservation', 0, 3, 'sold', 'm'],
        ['reservation', 0, 2, 'kept', 'm'],
        ['sale', -3, -3, 'sold', 'm2'],
        ['release', 0, -2, 'kept', 'm'],
      ]);
      await expectLedgerReconciles(db, tenant);
    });

    it('expired holds are released by the purge (and a late confirm is refused)', async () => {
      const { db, deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 10 });
      await reserve(deps, tenant, 'm', { reference: 'short', lines: [{ sku: 'A', quantity: 4 }], ttlSeconds: 60 });
      await reserve(deps, tenant, 'm', { reference: 'long', lines: [{ sku: 'A', quantity: 1 }], ttlSeconds: 3600 });
      await reserve(deps, tenant, 'm', { reference: 'late', lines: [{ sku: 'A', quantity: 2 }], ttlSeconds: 60 });
      expect((await refusal(reserve(deps, tenant, 'm', { reference: 'too-long', lines: [{ sku: 'A', quantity: 1 }], ttlSeconds: 86_401 }))).code).toBe('invalid');
      deps.clock.advance(59_000);
      expect(await releaseExpired(deps)).toBe(0);
      deps.clock.advance(1_000);
      // The late one is confirmed before the purge runs: refused, and released on the spot.
      const late = await refusal(confirmReservation(deps, tenant, 'm', 'late'));
      expect([late.code, late.details?.releaseCause]).toEqual(['conflict', 'expired']);
      // Other tenants' expired holds may be released by the same run: count ours.
      await releaseExpired(deps);
      expect(await getReservation(deps, tenant, 'short')).toMatchObject({ state: 'released', releaseCause: 'expired' });
      expect((await getReservation(deps, tenant, 'long')).state).toBe('held');
      expect(await getStock(deps, tenant, 'A')).toMatchObject({ onHand: 10, reserved: 1 });
      const releases = (await readLedger(deps, tenant, 'A', { limit: 10 })).items.filter((e) => e.reason === 'release');
      expect(releases.map((e) => [e.reference, e.actor, e.reservedDelta]).sort()).toEqual([['late', 'system', -2], ['short', 'system', -4]]);
      await expectLedgerReconciles(db, tenant);
    });

    it('one tenant never sees or touches another\'s stock or reservations', async () => {
      const { deps, tenant: a } = setup();
      const b = unique('tenant');
      await createSku(deps, a, 'm', { sku: 'A', name: 'a', onHand: 10 });
      await reserve(deps, a, 'm', { reference: 'o1', lines: [{ sku: 'A', quantity: 1 }] });
      expect((await refusal(getStock(deps, b, 'A'))).code).toBe('not_found');
      expect((await refusal(readLedger(deps, b, 'A', { limit: 5 }))).code).toBe('not_found');
      expect((await refusal(adjustStock(deps, b, 'm', 'A', { delta: -1, reason: 'adjustment' }))).code).toBe('not_found');
      expect((await refusal(reserve(deps, b, 'm', { reference: 'o2', lines: [{ sku: 'A', quantity: 1 }] }))).code).toBe('not_found');
      expect((await refusal(confirmReservation(deps, b, 'm', 'o1'))).code).toBe('not_found');
      expect((await refusal(releaseReservation(deps, b, 'm', 'o1'))).code).toBe('not_found');
      expect((await refusal(putListing(deps, b, { sku: 'A', channel: 'coupang_wing', externalId: '1' }))).code).toBe('not_found');
      expect((await listStock(deps, b, { limit: 10 })).items).toEqual([]);
      // The same codes in another tenant are its own.
      await createSku(deps, b, 'm', { sku: 'A', name: 'b', onHand: 1 });
      expect((await reserve(deps, b, 'm', { reference: 'o1', lines: [{ sku: 'A', quantity: 1 }] })).created).toBe(true);
      expect(await getStock(deps, a, 'A')).toMatchObject({ onHand: 10, reserved: 1 });
    });

    it('onHand equals the sum of its ledger after any sequence of operations', async () => {
      const { db, deps } = setup();
      const op = fc.oneof(
        fc.record({ kind: fc.constant('adjust' as const), sku: fc.constantFrom('A', 'B', 'C', 'SET'), delta: fc.integer({ min: -6, max: 8 }) }),
        fc.record({ kind: fc.constant('reserve' as const), ref: fc.integer({ min: 0, max: 6 }), lines: fc.array(fc.record({ sku: fc.constantFrom('A', 'B', 'C', 'SET'), quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3 }) }),
        fc.record({ kind: fc.constantFrom('confirm' as const, 'release' as const), ref: fc.integer({ min: 0, max: 6 }) }),
        fc.record({ kind: fc.constant('expire' as const), ms: fc.integer({ min: 0, max: 400_000 }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
          const tenant = unique('prop');
          await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 6 });
          await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 3 });
          await createSku(deps, tenant, 'm', { sku: 'C', name: 'c' });
          await createBundle(deps, tenant, { sku: 'SET', name: 'set', components: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }] });
          for (const o of ops) {
            // Refusals (short stock, wrong state, a bundle adjusted) are part of the sequence: they must change nothing.
            const ignoreRefusal = (e: unknown) => { if (!(e instanceof DomainError)) throw e; };
            if (o.kind === 'adjust') await adjustStock(deps, tenant, 'm', o.sku, { delta: o.delta, reason: o.delta > 0 ? 'receipt' : 'adjustment' }).catch(ignoreRefusal);
            else if (o.kind === 'reserve') await reserve(deps, tenant, 'm', { reference: `r${o.ref}`, lines: o.lines, ttlSeconds: 300 }).catch(ignoreRefusal);
            else if (o.kind === 'confirm') await confirmReservation(deps, tenant, 'm', `r${o.ref}`).catch(ignoreRefusal);
            else if (o.kind === 'release') await releaseReservation(deps, tenant, 'm', `r${o.ref}`).catch(ignoreRefusal);
            else if (o.kind === 'expire') {
              deps.clock.advance(o.ms);
              await releaseExpired(deps);
            }
          }
          await expectLedgerReconciles(db, tenant);
        }),
        { numRuns: 25 },
      );
    }, 120_000);
  });

  describe('listings', () => {
    it('map one listing to one SKU or bundle, with its sellable quantity', async () => {
      const { deps, tenant } = setup();
      await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 20, safetyStock: 3 });
      await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 9, safetyStock: 1 });
      await createBundle(deps, tenant, { sku: 'SET', name: 'set', components: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }] });
      await reserve(deps, tenant, 'm', { reference: 'o1', lines: [{ sku: 'A', quantity: 2 }] });
      // A shares 20 - 2 - 3 = 15; at 80 % after 1 buffer: floor(14 * 0.8) = 11.
      const a = await putListing(deps, tenant, { sku: 'A', channel: 'coupang_wing', externalId: '70000000001', bufferUnits: 1, allocationPercent: 80 });
      expect([a.created, a.listing.sellable]).toEqual([true, 11]);
      // SET: min(floor(15/2) = 7, floor(8/1) = 8) = 7; buffer 1, 50 % -> 3.
      const set = await putListing(deps, tenant, { sku: 'SET', channel: 'naver_smart_store', externalId: '8123456789:51234567', bufferUnits: 1, allocationPercent: 50 });
      expect(set.listing.sellable).toBe(3);
      const again = await putListing(deps, tenant, { sku: 'A', channel: 'coupang_wing', externalId: '70000000001' });
      expect([again.created, again.listing.bufferUnits, again.listing.allocationPercent, again.listing.sellable]).toEqual([false, 0, 100, 15]);
      const taken = await refusal(putListing(deps, tenant, { sku: 'B', channel: 'coupang_wing', externalId: '70000000001' }));
      expect([taken.code, taken.details?.sku]).toEqual(['conflict', 'A']);
      // The same external id on another channel is another listing.
      expect((await putListing(deps, tenant, { sku: 'B', channel: 'coupang_rocket_growth', externalId: '70000000001' })).created).toBe(true);
      expect((await refusal(putListing(deps, tenant, { sku: 'A', channel: 'naver_smart_store', externalId: 'abc' }))).code).toBe('invalid');
      expect((await refusal(putListing(deps, tenant, { sku: 'A', channel: 'coupang_wing', externalId: '1:2' }))).code).toBe('invalid');
      expect((await refusal(putListing(deps, tenant, { sku: 'NOPE', channel: 'coupang_wing', externalId: '5' }))).code).toBe('not_found');
      expect((await listListings(deps, tenant)).map((l) => [l.channel, l.externalId, l.sku, l.sellable])).toEqual([
        ['coupang_rocket_growth', '70000000001', 'B', 8],
        ['coupang_wing', '70000000001', 'A', 15],
        ['naver_smart_store', '8123456789:51234567', 'SET', 3],
      ]);
      expect((await listListings(deps, tenant, { sku: 'SET' })).length).toBe(1);
      expect((await getStock(deps, tenant, 'A')).channels).toEqual([{ channel: 'coupang_wing', externalId: '70000000001', pushedQuantity: null, pushedAt: null }]);
    });
  });
};
