/**
 * Channel orders in, exactly once (core/inventory/orders.ts), declared once and run on every engine
 * (orders.test.ts): replays and overlapping pages, bundles, cancels and returns, oversells, the cursor moving only
 * with its page's effects, leases, missing and refused connections, and the chaos test (a poller killed at random
 * steps, replayed until caught up).
 */
import { describe, expect, it } from 'vitest';
import type { Database } from '../../adapters/postgres/database.ts';
import type { ChannelOrderEvent } from '../../core/inventory/model.ts';
import type { InventoryDeps, InventoryStore, InventoryUnit } from '../../core/inventory/ports.ts';
import { putListing } from '../../core/inventory/listings.ts';
import { applyOrderPage, pollOrders } from '../../core/inventory/orders.ts';
import { reserve } from '../../core/inventory/reservations.ts';
import { createBundle, createSku, getStock, readLedger } from '../../core/inventory/stock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { gate, dropGate } from '../helpers/barrier.ts';
import { unique } from '../contracts/key-value.contracts.ts';
import { fakeOrderFeed, orderEvent, type FakeOrderFeed } from './fake-channel.ts';
import { expectLedgerReconciles, inventoryDeps } from './support.ts';

const WING = 'coupang_wing' as const;

/** A small seeded generator (mulberry32), so a failing chaos round can be replayed from its seed. */
export const seeded = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export class Killed extends Error {}

/**
 * The store with a process death injected: each call (in or out of a transaction, and each commit) may throw
 * before or after it runs, as `kill(step)` decides. A throw inside the transaction rolls it back; one after the
 * commit leaves it committed, as a process dying right after COMMIT does.
 */
export const killable = (store: InventoryStore, kill: (step: string) => boolean): InventoryStore => {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        const value = Reflect.get(t, prop) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'transaction') {
          return async (work: (unit: InventoryUnit) => Promise<unknown>, options?: { signal?: AbortSignal }) => {
            if (kill('begin')) throw new Killed('before begin');
            const out = await store.transaction((unit) => work(wrap(unit)), options);
            if (kill('after commit')) throw new Killed('after commit');
            return out;
          };
        }
        return async (...args: unknown[]) => {
          if (kill(`before ${String(prop)}`)) throw new Killed(`before ${String(prop)}`);
          const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(t, args);
          if (kill(`after ${String(prop)}`)) throw new Killed(`after ${String(prop)}`);
          return out;
        };
      },
    });
  return wrap(store);
};

/** onHand of each SKU, read directly. */
const onHandOf = async (db: Database, tenant: string): Promise<Record<string, number>> =>
  Object.fromEntries((await db.query<{ sku: string; on_hand: number }>(`SELECT sku, on_hand FROM inventory_items WHERE tenant_id = $1 AND kind = 'sku' ORDER BY sku`, [tenant])).rows.map((r) => [r.sku, Number(r.on_hand)]));

const eventRows = async (db: Database, tenant: string) =>
  (await db.query<{ key: string; outcome: string }>(`SELECT key, outcome FROM inventory_channel_orders WHERE tenant_id = $1 ORDER BY key`, [tenant])).rows;

export const ordersContract = (database: () => Database) => {
  /** A (20), B (10), KIT = 2 A + 1 B; Wing listing 100 sells A, 200 sells KIT. */
  const setup = async (feed: FakeOrderFeed = fakeOrderFeed()) => {
    const db = database();
    const told: string[] = [];
    const deps: InventoryDeps & { clock: ReturnType<typeof inventoryDeps>['clock'] } = {
      ...inventoryDeps(db, { orderFeeds: { [WING]: feed } }),
      changes: { stockChanged: (t, skus) => void told.push(`${t}:${[...(skus ?? ['*'])].sort().join(',')}`) },
    };
    const tenant = unique('orders');
    await createSku(deps, tenant, 'm', { sku: 'A', name: 'a', onHand: 20 });
    await createSku(deps, tenant, 'm', { sku: 'B', name: 'b', onHand: 10 });
    await createBundle(deps, tenant, { sku: 'KIT', name: '2A+B', components: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }] });
    await putListing(deps, tenant, { sku: 'A', channel: WING, externalId: '100' });
    await putListing(deps, tenant, { sku: 'KIT', channel: WING, externalId: '200' });
    told.length = 0;
    return { db, deps, tenant, feed, told };
  };

  describe('applying channel orders', () => {
    it('applies each event once through overlapping pages and replays; bundles draw components; cancels and returns restock', async () => {
      const feed = fakeOrderFeed([
        orderEvent('e1', 'sale', '100', 2, 'o1'),
        orderEvent('e2', 'sale', '200', 3, 'o2'),
        orderEvent('e3', 'sale', '100', 1, 'o3'),
        orderEvent('e4', 'cancel', '100', 2, 'o1'),
        orderEvent('e5', 'return', '200', 1, 'o2'),
        orderEvent('e6', 'sale', '999', 1, 'o4'),
      ], { pageSize: 2, overlap: 1 });
      const { db, deps, tenant, told } = await setup(feed);
      const result = await pollOrders(deps, tenant, WING, { holder: 'p1' });
      // Pages: [e1 e2], [e2 e3 e4], [e4 e5 e6]: 6 new events, 2 replays.
      expect(result).toMatchObject({ skipped: null, pages: 3, recorded: 6, applied: 5, caughtUp: true, failure: null, oversold: [] });
      expect(result.ignored).toEqual([expect.objectContaining({ key: 'e6', outcome: 'ignored', externalId: '999', sku: null })]);
      // A: 20 - 2 - 3x2 - 1 + 2 + 1x2 = 15; B: 10 - 3x1 + 1x1 = 8.
      expect(await onHandOf(db, tenant)).toEqual({ A: 15, B: 8 });
      const ledgerA = (await readLedger(deps, tenant, 'A', { limit: 10 })).items.reverse().slice(1);
      expect(ledgerA.map((e) => [e.reason, e.onHandDelta, e.reference, e.actor])).toEqual([
        ['sale', -2, 'o1', 'channel:coupang_wing'], ['sale', -6, 'o2', 'channel:coupang_wing'], ['sale', -1, 'o3', 'channel:coupang_wing'],
        ['cancel', 2, 'o1', 'channel:coupang_wing'], ['return', 2, 'o2', 'channel:coupang_wing'],
      ]);
      expect((await readLedger(deps, tenant, 'B', { limit: 10 })).items.map((e) => [e.reason, e.onHandDelta])).toEqual([['return', 1], ['sale', -3], ['receipt', 10]]);
      // Each page that changed stock told the push scheduler which plain SKUs: [e1 e2] A and B (the kit draws
      // both), [e2 e3 e4] A only (e2 is a replay), [e4 e5 e6] A and B through the returned kit.
      expect(told).toEqual([`${tenant}:A,B`, `${tenant}:A`, `${tenant}:A,B`]);

      // Polled again: only the overlap comes back, and it changes nothing.
      const again = await pollOrders(deps, tenant, WING, { holder: 'p2' });
      expect(again).toMatchObject({ pages: 1, recorded: 0, applied: 0, caughtUp: true });
      // The whole log replayed as one page (a cursor handed back by a provider that starts over): nothing changes.
      const replay = await applyOrderPage(deps, tenant, WING, { from: '6', to: '6', events: feed.log }, { holder: 'p2', until: deps.clock.now() });
      expect(replay).toMatchObject({ recorded: 0, duplicates: 6, applied: 0 });
      expect(await onHandOf(db, tenant)).toEqual({ A: 15, B: 8 });
      expect((await eventRows(db, tenant)).map((r) => [r.key, r.outcome])).toEqual([
        ['e1', 'applied'], ['e2', 'applied'], ['e3', 'applied'], ['e4', 'applied'], ['e5', 'applied'], ['e6', 'ignored'],
      ]);
      expect((await deps.store.orderCursor(tenant, WING))).toMatchObject({ cursor: '6', leasedBy: null, lastError: null, blocked: null });
      await expectLedgerReconciles(db, tenant);
    });

    it('a quantity that is not a positive whole number, or that no SKU could hold, is ignored and reported, not retried', async () => {
      // KIT draws 2 A a unit: 600,000,000 kits would be 1,200,000,000 A, more than a SKU may hold.
      const { db, deps, tenant } = await setup(fakeOrderFeed([
        orderEvent('zero', 'sale', '100', 0), orderEvent('half', 'sale', '100', 1.5), orderEvent('huge', 'sale', '200', 600_000_000), orderEvent('ok', 'sale', '100', 1),
      ]));
      const r = await pollOrders(deps, tenant, WING, { holder: 'p' });
      expect([r.recorded, r.applied, r.ignored.map((e) => e.key)]).toEqual([4, 1, ['zero', 'half', 'huge']]);
      expect(r.ignored[2]!.note).toContain('at most 500000000');
      expect(await onHandOf(db, tenant)).toEqual({ A: 19, B: 10 });
    });

    it('the same key twice in one page is applied once', async () => {
      const { db, deps, tenant } = await setup(fakeOrderFeed([orderEvent('k', 'sale', '100', 4), orderEvent('k', 'sale', '100', 4)]));
      expect(await pollOrders(deps, tenant, WING, { holder: 'p' })).toMatchObject({ recorded: 1, applied: 1 });
      expect((await onHandOf(db, tenant)).A).toBe(16);
    });

    it('an oversold sale draws only the free stock, is reported, and its cancel puts back only what it drew', async () => {
      const { db, deps, tenant } = await setup(fakeOrderFeed([
        orderEvent('s', 'sale', '200', 4, 'big'),
        orderEvent('c', 'cancel', '200', 4, 'big'),
      ], { pageSize: 1 }));
      // A: 20 on hand, 15 reserved, so 5 free; B: 10 free.
      await reserve(deps, tenant, 'm', { reference: 'local', lines: [{ sku: 'A', quantity: 15 }] });
      const first = await pollOrders(deps, tenant, WING, { holder: 'p', maxPages: 1 });
      // 4 kits need 8 A (5 free: short 3) and 4 B.
      expect(first.oversold).toEqual([expect.objectContaining({ key: 's', outcome: 'oversold', sku: 'KIT', shortfall: [{ sku: 'A', units: 3 }] })]);
      expect(await getStock(deps, tenant, 'A')).toMatchObject({ onHand: 15, reserved: 15 });
      expect((await getStock(deps, tenant, 'B')).onHand).toBe(6);
      const attention = await deps.store.orderEventsNeedingAttention(tenant, { limit: 10 });
      expect(attention.items.map((e) => [e.key, e.outcome])).toEqual([['s', 'oversold']]);

      const second = await pollOrders(deps, tenant, WING, { holder: 'p' });
      expect(second).toMatchObject({ applied: 1, caughtUp: true });
      // The cancel brings 8 A and 4 B; 3 A were never drawn, so 5 A go back.
      expect(await onHandOf(db, tenant)).toEqual({ A: 20, B: 10 });
      const cancel = (await deps.store.orderEventsOf(tenant, WING, 'big', '200')).find((e) => e.key === 'c')!;
      expect([cancel.outcome, cancel.shortfall]).toEqual(['applied', [{ sku: 'A', units: 3 }]]);
      await expectLedgerReconciles(db, tenant);
    });

    it('the cursor never moves without its page: a failure after some events are applied leaves nothing applied', async () => {
      const { db, deps, tenant } = await setup(fakeOrderFeed([orderEvent('a', 'sale', '100', 1), orderEvent('b', 'sale', '200', 1), orderEvent('c', 'sale', '100', 1)]));
      for (const step of ['after applyChange#3', 'before advanceOrderCursor#1', 'after advanceOrderCursor#1']) {
        const counts = new Map<string, number>();
        const broken = killable(deps.store, (s) => {
          counts.set(s, (counts.get(s) ?? 0) + 1);
          return `${s}#${counts.get(s)}` === step;
        });
        await expect(pollOrders({ ...deps, store: broken }, tenant, WING, { holder: 'p' }), step).rejects.toBeInstanceOf(Killed);
        expect(await onHandOf(db, tenant), step).toEqual({ A: 20, B: 10 });
        expect(await eventRows(db, tenant), step).toEqual([]);
        const cursor = await deps.store.orderCursor(tenant, WING);
        // The failed poll gave its lease back and said why.
        expect([cursor?.cursor, cursor?.leasedBy, cursor?.lastError], step).toEqual([null, null, step.split('#')[0]]);
      }
      expect(await pollOrders(deps, tenant, WING, { holder: 'p' })).toMatchObject({ recorded: 3, applied: 3 });
      // A: 20 - 1 - 2 - 1 = 16; B: 10 - 1 = 9.
      expect(await onHandOf(db, tenant)).toEqual({ A: 16, B: 9 });
      await expectLedgerReconciles(db, tenant);
    });

    it('a page whose cursor another process moved is refused whole', async () => {
      const { db, deps, tenant } = await setup();
      await pollOrders(deps, tenant, WING, { holder: 'p' });
      const stale = applyOrderPage(deps, tenant, WING, { from: null, to: '1', events: [orderEvent('x', 'sale', '100', 1)] }, { holder: 'p', until: deps.clock.now() });
      expect((await stale.catch((e: unknown) => e)) instanceof DomainError).toBe(true);
      expect(await eventRows(db, tenant)).toEqual([]);
    });
  });

  describe('polling', () => {
    it('a poll in progress holds the channel: another process skips it until the lease ends or lapses', async () => {
      const name = unique('lease');
      const feed = fakeOrderFeed([orderEvent('a', 'sale', '100', 1)]);
      const { db, deps, tenant } = await setup(feed);
      feed.before = (call) => (call === 1 ? gate(name).pass() : undefined);
      try {
        const first = pollOrders(deps, tenant, WING, { holder: 'one' });
        await gate(name).arrived(1);
        expect(await pollOrders(deps, tenant, WING, { holder: 'two' })).toMatchObject({ skipped: 'leased', pages: 0 });
        gate(name).release();
        expect(await first).toMatchObject({ recorded: 1 });
        expect(await pollOrders(deps, tenant, WING, { holder: 'two' })).toMatchObject({ skipped: null, recorded: 0 });
      } finally {
        dropGate(name);
      }
      // A holder that died keeps its lease until it lapses.
      await deps.store.leaseOrderCursor(tenant, WING, 'dead', deps.clock.now(), new Date(deps.clock.now().getTime() + 60_000));
      expect((await pollOrders(deps, tenant, WING, { holder: 'three' })).skipped).toBe('leased');
      deps.clock.advance(60_000);
      expect((await pollOrders(deps, tenant, WING, { holder: 'three' })).skipped).toBeNull();
      expect((await onHandOf(db, tenant)).A).toBe(19);
    });

    it('a refused or missing connection stops the channel until the connection changes, and is recorded', async () => {
      const feed = fakeOrderFeed([orderEvent('a', 'sale', '100', 1)]);
      const { db, deps, tenant } = await setup(feed);
      let marker = 'active:c1';
      const options = { holder: 'p', connectionMarker: async () => marker };
      feed.connection = 'rejected';
      marker = 'rejected:c1';
      expect((await pollOrders(deps, tenant, WING, options)).failure).toMatchObject({ kind: 'rejected' });
      expect(await deps.store.orderCursor(tenant, WING)).toMatchObject({ blocked: 'rejected', blockedMarker: 'rejected:c1', lastError: expect.stringContaining('refused') });
      const calls = feed.calls;
      for (let i = 0; i < 3; i++) {
        deps.clock.advance(15_000);
        expect((await pollOrders(deps, tenant, WING, options)).skipped).toBe('blocked');
      }
      expect(feed.calls).toBe(calls);
      // Renewed: the marker changes and the next poll reads again.
      feed.connection = 'ok';
      marker = 'active:c2';
      expect(await pollOrders(deps, tenant, WING, options)).toMatchObject({ skipped: null, recorded: 1, failure: null });
      expect(await deps.store.orderCursor(tenant, WING)).toMatchObject({ blocked: null, lastError: null });

      // Without a marker, a missing connection is tried again only after the retry time.
      feed.connection = 'none';
      expect((await pollOrders(deps, tenant, WING, { holder: 'p', blockedRetryMs: 60_000 })).failure).toMatchObject({ kind: 'no_connection' });
      deps.clock.advance(59_999);
      expect((await pollOrders(deps, tenant, WING, { holder: 'p', blockedRetryMs: 60_000 })).skipped).toBe('blocked');
      deps.clock.advance(1);
      feed.connection = 'ok';
      expect((await pollOrders(deps, tenant, WING, { holder: 'p', blockedRetryMs: 60_000 })).skipped).toBeNull();
      // Any other feed failure is retried by the next poll and kept as lastError meanwhile.
      feed.before = () => {
        throw new Error('wing answered 503');
      };
      expect((await pollOrders(deps, tenant, WING, { holder: 'p' })).failure).toEqual({ kind: 'failed', message: 'wing answered 503' });
      expect(await deps.store.orderCursor(tenant, WING)).toMatchObject({ blocked: null, lastError: 'wing answered 503' });
      expect((await onHandOf(db, tenant)).A).toBe(19);
    });
  });

  describe('chaos: a poller killed at random steps, replayed until caught up', () => {
    it('applies every order exactly once and the ledger explains every SKU', async () => {
      let aborts = 0;
      for (const seed of [1, 2, 3, 4]) {
        const rng = seeded(seed);
        const kinds: ChannelOrderEvent['kind'][] = ['sale', 'sale', 'sale', 'cancel', 'return'];
        const log: ChannelOrderEvent[] = [];
        for (let i = 0; i < 40; i++) {
          // Now and then the channel reports an earlier event again.
          if (log.length && rng() < 0.15) log.push({ ...log[Math.floor(rng() * log.length)]! });
          else log.push(orderEvent(`k${i}`, kinds[Math.floor(rng() * kinds.length)]!, rng() < 0.5 ? '100' : '200', 1 + Math.floor(rng() * 3)));
        }
        const feed = fakeOrderFeed(log, { pageSize: 1 + Math.floor(rng() * 5), overlap: Math.floor(rng() * 3) });
        const { db, deps, tenant } = await setup(feed);
        // Enough stock that no sale is short: the expected counts are then plain sums.
        await deps.store.transaction(async (u) => {
          await u.lockItems(tenant, ['A', 'B']);
          await u.applyChange({ tenantId: tenant, sku: 'A', onHandDelta: 1000, reservedDelta: 0, reason: 'receipt', actor: 'm', reference: 'chaos', at: deps.clock.now() });
          await u.applyChange({ tenantId: tenant, sku: 'B', onHandDelta: 1000, reservedDelta: 0, reason: 'receipt', actor: 'm', reference: 'chaos', at: deps.clock.now() });
        });
        feed.before = () => {
          if (rng() < 0.1) throw new Killed('feed');
        };
        let kills = 0;
        let done = false;
        for (let round = 0; round < 400 && !done; round++) {
          // Each round is a new process; the one killed before it may still hold the lease until it lapses.
          deps.clock.advance(121_000);
          // A step either throws (the process dies there) or aborts the poll's signal (a shutdown: the statement in
          // flight is cancelled and every later one refused).
          const controller = new AbortController();
          const store = killable(deps.store, (step) => {
            const r = rng();
            if (r < 0.025 && !controller.signal.aborted) controller.abort(new Killed(`aborted at ${step}`));
            return r >= 0.025 && r < 0.05;
          });
          try {
            const r = await pollOrders({ ...deps, store }, tenant, WING, { holder: `p${round}`, maxPages: 1 + Math.floor(rng() * 4), signal: controller.signal });
            if (r.failure) kills++;
            done = r.caughtUp && r.failure === null;
          } catch (error) {
            if (!(error instanceof Killed)) throw error;
            if (error.message.startsWith('aborted')) aborts++;
            kills++;
          }
        }
        expect(done, `seed ${seed}: caught up`).toBe(true);
        expect(kills, `seed ${seed}: the poller was killed along the way`).toBeGreaterThan(0);

        const firstOf = new Map<string, ChannelOrderEvent>();
        for (const e of log) if (!firstOf.has(e.key)) firstOf.set(e.key, e);
        const expected = { A: 1020, B: 1010 };
        let entries = 0;
        for (const e of firstOf.values()) {
          const sign = e.kind === 'sale' ? -1 : 1;
          if (e.externalId === '100') {
            expected.A += sign * e.quantity;
            entries += 1;
          } else {
            expected.A += sign * 2 * e.quantity;
            expected.B += sign * e.quantity;
            entries += 2;
          }
        }
        expect(await onHandOf(db, tenant), `seed ${seed}`).toEqual(expected);
        expect((await eventRows(db, tenant)).map((r) => r.key).sort(), `seed ${seed}: each key recorded once`).toEqual([...firstOf.keys()].sort());
        const byChannel = await db.query<{ n: string }>(`SELECT count(*) AS n FROM inventory_ledger WHERE tenant_id = $1 AND actor = 'channel:coupang_wing'`, [tenant]);
        expect(Number(byChannel.rows[0]!.n), `seed ${seed}: one ledger entry per event and SKU`).toBe(entries);
        expect((await deps.store.orderCursor(tenant, WING))?.cursor).toBe(String(log.length));
        await expectLedgerReconciles(db, tenant);
      }
      // Some polls were stopped by their signal mid-way, not only by throws.
      expect(aborts).toBeGreaterThan(0);
    }, 120_000);
  });
};
