/**
 * The inventory context's Coupang channels against the Coupang sandbox over HTTP, through the Wing client and a
 * tenant's Wing connection: Wing stock pushed and read back (18-digit vendorItemIds kept exact), a 429 retried, a
 * refused key marking the connection rejected without retries, Rocket Growth read only and paged, and the Wing
 * order feed's windows, overlap, paging and quantities with orders, cancels and returns emitted in the sandbox.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { coupangWing } from '../../adapters/coupang/wing.ts';
import { encodeCursor, kstMinute, WING_ORDER_FEED_DEFAULTS, wingOrderFeed } from '../../adapters/coupang/wing-orders.ts';
import { rocketGrowthStock, wingStock } from '../../adapters/coupang/wing-stock.ts';
import type { OrderSheetQuery } from '../../core/coupang/model.ts';
import type { WingApi } from '../../core/coupang/ports.ts';
import type { ChannelOrderEvent } from '../../core/inventory/model.ts';
import type { OrderFeed } from '../../core/inventory/ports.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { rocketGrowthCatalogue } from '../../sandbox/coupang/stock.ts';
import { manualClock } from '../contracts/key-value.contracts.ts';
import { memoryRateCounter, memoryResponseCache } from '../naver/helpers.ts';
import { control, creds, independentSignature, memoryConnections, signedDateOf, useCoupangSandbox } from '../coupang/helpers.ts';

const VENDOR = creds.wing.vendorId;
/** 18 digits: past 2^53, so a double would change it (900000000000000123 reads back as ...120). */
const BIG = '900000000000000123';
const TENANT = 'tenant-wing';

const coupang = useCoupangSandbox();
let base: string;
beforeAll(() => {
  base = coupang.base();
});

/** 8 calls a second: under the sandbox's 10 per vendor, as in production. */
const wingClient = (ratePerSecond = 8): WingApi =>
  coupangWing(
    { baseUrl: base, timeoutMs: 2000, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 40 }, ratePerSecond, rocketGrowthPerMinute: 600, rateMaxWaitMs: 10_000, slowdownMs: 1000 },
    { rateCounter: memoryRateCounter(), cache: memoryResponseCache(), clock: { now: () => new Date() } },
  );
const setup = (ratePerSecond?: number) => {
  const connections = memoryConnections({ [TENANT]: { ...creds.wing } });
  return { connections, deps: { wing: wingClient(ratePerSecond), connections } };
};
const failure = async (p: Promise<unknown>): Promise<DomainError> => {
  const error = await p.then(() => null, (e: unknown) => e);
  if (error instanceof DomainError) return error;
  throw new Error(`expected a DomainError, got ${String(error)}`);
};
const item = (vendorItemId: string, body: Record<string, unknown> = {}) => control(base, 'wing-items', { vendorId: VENDOR, vendorItemId, amountInStock: 0, ...body });
const stockOf = async (vendorItemId: string) => (await fetch(`${base}/__sandbox/wing-stock?vendorId=${VENDOR}&vendorItemId=${vendorItemId}`).then((r) => r.json())) as { amountInStock: number | null; rocketGrowth: number | null };

describe('Wing stock', () => {
  it('pushes a quantity and reads the same back, 18-digit and catalogue vendorItemIds alike', async () => {
    const { deps } = setup();
    const channel = wingStock(deps);
    await item(BIG, { amountInStock: 5 });
    const catalogue = '80000000010'; // product 1, item 0 of the sandbox's catalogue
    await channel.push(TENANT, BIG, 37);
    await channel.push(TENANT, catalogue, 0);
    const stats = await control(base, 'stats');
    expect(stats.byPath[`/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items/${BIG}/quantities/37`]).toBe(1);
    expect((await stockOf(BIG)).amountInStock).toBe(37);
    const seen = await channel.read(TENANT, [BIG, catalogue, '80000009999', 'not-an-id']);
    // Unknown items (and ids that cannot be vendorItemIds) are absent, as the port says.
    expect(Object.fromEntries(seen)).toEqual({ [BIG]: 37, [catalogue]: 0 });
  });

  it('a vendor item Wing does not know fails that push alone (invalid), never as a missing connection', async () => {
    const { deps } = setup();
    const error = await failure(wingStock(deps).push(TENANT, '80000009999', 3));
    expect(error.code).toBe('invalid');
    expect(error.message).toContain('has no vendor item 80000009999');
  });

  it('a 429 is retried and the push lands; the quantity is set once', async () => {
    const { deps } = setup();
    await item(BIG);
    await control(base, 'faults', { failNext: { count: 2, kind: 'rate' } });
    await wingStock(deps).push(TENANT, BIG, 12);
    const stats = await control(base, 'stats');
    expect(stats.byStatus['429']).toBe(2);
    expect(stats.byStatus['200']).toBe(1);
    expect((await stockOf(BIG)).amountInStock).toBe(12);
  });

  it('pushes take the vendor rate slots: 25 in a row at 8 a second draw no 429 from a gateway allowing 10', async () => {
    const { deps } = setup(8);
    const channel = wingStock(deps);
    const ids = Array.from({ length: 25 }, (_, i) => String(900_000_000_000_001_000n + BigInt(i)));
    for (const id of ids) await item(id);
    for (const [i, id] of ids.entries()) await channel.push(TENANT, id, i);
    const limits = (await fetch(`${base}/__sandbox/limits`).then((r) => r.json())) as { vendors: Record<string, unknown> };
    expect(limits.vendors[VENDOR]).toMatchObject({ rejected429: 0, blocked: false });
    expect(Object.fromEntries(await channel.read(TENANT, ids))).toEqual(Object.fromEntries(ids.map((id, i) => [id, i])));
  });

  it('refused keys: upstream_failed with rejected, the connection marked once, no retry, later calls stop before Coupang', async () => {
    const { deps, connections } = setup();
    await item(BIG);
    await control(base, 'revoke', { accessKey: creds.wing.accessKey });
    const channel = wingStock(deps);
    const first = await failure(channel.push(TENANT, BIG, 4));
    expect(first).toMatchObject({ code: 'upstream_failed', details: { rejected: true, connectionStatus: 'rejected' } });
    expect(connections.rejected).toEqual([{ tenantId: TENANT, connectionId: `conn-${TENANT}`, code: 'HTTP_401' }]);
    expect((await control(base, 'stats')).requests).toBe(1);
    const again = await failure(channel.read(TENANT, [BIG]));
    expect(again).toMatchObject({ code: 'upstream_failed', details: { rejected: true } });
    expect((await control(base, 'stats')).requests).toBe(1);
    expect(connections.rejected).toHaveLength(1);
  });

  it('the sandbox checks the signature of a PUT over its method: one signed as a GET is refused 401', async () => {
    await item(BIG);
    const path = `/v2/providers/seller_api/apis/api/v1/marketplace/vendor-items/${BIG}/quantities/5`;
    const signedDate = signedDateOf(new Date());
    const as = (method: string) =>
      `CEA algorithm=HmacSHA256, access-key=${creds.wing.accessKey}, signed-date=${signedDate}, signature=${independentSignature(creds.wing.secretKey, signedDate, method, path, '')}`;
    expect((await fetch(`${base}${path}`, { method: 'PUT', headers: { authorization: as('GET') } })).status).toBe(401);
    expect((await stockOf(BIG)).amountInStock).toBe(0);
    expect((await fetch(`${base}${path}`, { method: 'PUT', headers: { authorization: as('PUT') } })).status).toBe(200);
    expect((await stockOf(BIG)).amountInStock).toBe(5);
  });

  it('no connection: not_found', async () => {
    const { deps } = setup();
    expect((await failure(wingStock(deps).push('tenant-without', BIG, 1))).code).toBe('not_found');
    expect((await failure(wingStock(deps).read('tenant-without', [BIG]))).code).toBe('not_found');
  });
});

describe('Rocket Growth stock', () => {
  it('reads the warehouse stock, one call per listing for a few, the paged summary once for many; never pushes', async () => {
    const { deps } = setup();
    const clock = manualClock();
    const channel = rocketGrowthStock(deps, { snapshotMs: 60_000, clock });
    expect(channel.readOnly).toBe(true);
    const catalogue = rocketGrowthCatalogue(VENDOR);
    await item(BIG, { rocketGrowth: 9 });
    await control(base, 'wing-items', { vendorId: VENDOR, vendorItemId: catalogue[0]!.vendorItemId, rocketGrowth: 41 });

    const few = await channel.read(TENANT, [catalogue[0]!.vendorItemId, BIG, '80000009999']);
    expect([...few]).toEqual([[catalogue[0]!.vendorItemId, 41], [BIG, 9]]);
    const path = `/v2/providers/rg_open_api/apis/api/v1/vendors/${VENDOR}/rg/inventory/summaries`;
    expect((await control(base, 'stats')).byPath[path]).toBe(3);

    const wanted = [...catalogue.slice(1, 30).map((i) => i.vendorItemId), BIG];
    const many = await channel.read(TENANT, wanted);
    expect(many.size).toBe(30);
    for (const i of catalogue.slice(1, 30)) expect(many.get(i.vendorItemId)).toBe(i.quantity);
    expect(many.get(BIG)).toBe(9);
    // 20 a page: the whole summary of the catalogue and the one registered item.
    const pages = Math.ceil((catalogue.length + 1) / 20);
    expect((await control(base, 'stats')).byPath[path]).toBe(3 + pages);
    // The next batch of the same sync is answered from that read.
    await channel.read(TENANT, catalogue.slice(30, 40).map((i) => i.vendorItemId));
    expect((await control(base, 'stats')).byPath[path]).toBe(3 + pages);
    clock.advance(60_000);
    await channel.read(TENANT, catalogue.slice(30, 40).map((i) => i.vendorItemId));
    expect((await control(base, 'stats')).byPath[path]).toBe(3 + 2 * pages);

    const push = await failure(channel.push(TENANT, BIG, 3));
    expect(push.code).toBe('invalid');
    expect(push.message).toContain('read only');
    expect((await stockOf(BIG)).rocketGrowth).toBe(9);
  });
});

describe('Wing order feed', () => {
  /** 2026-10-05 10:00 in Korea. */
  const T0 = Date.parse('2026-10-05T01:00:00Z');
  const min = (n: number) => T0 + n * 60_000;
  const emit = (body: Record<string, unknown>) => control(base, 'wing-events', { vendorId: VENDOR, vendorItemId: BIG, ...body });
  const order = async (atMinute: number, quantity: number) => (await emit({ kind: 'order', quantity, at: new Date(min(atMinute)).toISOString() })).shipmentBoxId as string;

  // Many windows of 7 calls each: the sandbox's per-vendor rate is raised so these tests take little time.
  beforeEach(() => control(base, 'limits', { wingPerSecond: 1000 }));

  /** The Wing client, recording the order-sheet windows asked for. */
  const recording = () => {
    const { deps, connections } = setup(500);
    const windows: string[] = [];
    const wing: WingApi = {
      ...deps.wing,
      orderSheets: (account, query: OrderSheetQuery, options) => {
        if (query.mode === 'timeFrame' && query.status === 'ACCEPT') windows.push(`${query.from}..${query.to}`);
        return deps.wing.orderSheets(account, query, options);
      },
    };
    return { deps: { wing, connections }, windows };
  };

  /** Calls next until `more` is false, as a poller would, collecting every event and the final cursor. */
  const drain = async (feed: OrderFeed, cursor: string | null, since: Date) => {
    const events: ChannelOrderEvent[] = [];
    for (let i = 0; i < 50; i++) {
      const page = await feed.next(TENANT, cursor, since);
      events.push(...page.events.filter((e) => e.externalId === BIG));
      cursor = page.cursor;
      if (!page.more) break;
    }
    return { events, cursor: cursor! };
  };
  /** What applying each key once does to a stock: sales take, cancels and returns give back. */
  const applyOnce = (start: number, events: ChannelOrderEvent[]) => {
    const byKey = new Map(events.map((e) => [e.key, e]));
    return [...byKey.values()].reduce((n, e) => n + (e.kind === 'sale' ? -e.quantity : e.quantity), start);
  };

  it('reads 10-minute windows with a 2-minute overlap up to now minus the settle margin; sales, cancels and returns by key', async () => {
    await item(BIG, { amountInStock: 50 });
    const a = await order(3, 3);
    const b = await order(12, 2);
    const cancel = await emit({ kind: 'cancel', shipmentBoxId: a, quantity: 1, at: new Date(min(14)).toISOString() });
    const ret = await emit({ kind: 'return', shipmentBoxId: b, quantity: 1, at: new Date(min(20)).toISOString() });
    const late = await order(34, 4); // at 34:00, after now (35:30) minus the 1-minute margin floored to 34:00
    const clock = manualClock(min(35.5));
    const { deps, windows } = recording();
    const feed = wingOrderFeed(deps, { ...WING_ORDER_FEED_DEFAULTS, clock });

    const first = await drain(feed, null, new Date(T0));
    expect(windows).toEqual([kstMinute(min(0)) + '..' + kstMinute(min(10)), `${kstMinute(min(8))}..${kstMinute(min(18))}`, `${kstMinute(min(16))}..${kstMinute(min(26))}`, `${kstMinute(min(24))}..${kstMinute(min(34))}`]);
    expect(windows[0]).toBe('2026-10-05T10:00..2026-10-05T10:10');
    const keys = first.events.map((e) => `${e.key}=${e.quantity}`);
    // A was read after its cancel: shippingCount 2 + cancelCount 1 = the 3 sold.
    expect(keys.sort()).toEqual([`${a}:${BIG}:sale=3`, `${b}:${BIG}:sale=2`, `${cancel.receiptId}:${BIG}:cancel=1`, `${ret.receiptId}:${BIG}:return=1`].sort());
    expect(first.events.find((e) => e.kind === 'sale')).toMatchObject({ externalId: BIG, orderId: expect.stringMatching(/^9\d+$/) });
    expect(a).toMatch(/^\d{18}$/);

    clock.advance(15 * 60_000);
    const windowsBefore = windows.length;
    const second = await drain(feed, first.cursor, new Date(T0));
    expect(windows.slice(windowsBefore)).toEqual([`${kstMinute(min(32))}..${kstMinute(min(42))}`, `${kstMinute(min(40))}..${kstMinute(min(49))}`]);
    expect(second.events.map((e) => e.key)).toContain(`${late}:${BIG}:sale`);
    // 50 - 3 + 1 - 2 + 1 - 4, whatever was seen twice (the overlap, the return sweep) counting once.
    expect(applyOnce(50, [...first.events, ...second.events])).toBe(43);
  });

  it('a sale and its cancel end at the same stock whichever the feed sees first', async () => {
    await item(BIG, { amountInStock: 10 });
    const clock = manualClock(min(12));
    const { deps } = recording();
    const feed = wingOrderFeed(deps, { ...WING_ORDER_FEED_DEFAULTS, clock });
    // Sale first: the window with the order is read before the cancel exists.
    const x = await order(2, 3);
    const before = await drain(feed, null, new Date(T0));
    expect(before.events.map((e) => `${e.kind}=${e.quantity}`)).toEqual(['sale=3']);
    await emit({ kind: 'cancel', shipmentBoxId: x, quantity: 1, at: new Date(min(13)).toISOString() });
    clock.advance(10 * 60_000);
    const after = await drain(feed, before.cursor, new Date(T0));
    expect(applyOnce(10, [...before.events, ...after.events])).toBe(8);

    // Cancel first: another order, cancelled before its window is read.
    await control(base, 'reset', {});
    await control(base, 'limits', { wingPerSecond: 1000 });
    await item(BIG, { amountInStock: 10 });
    const y = await order(2, 3);
    await emit({ kind: 'cancel', shipmentBoxId: y, quantity: 1, at: new Date(min(4)).toISOString() });
    clock.advance(-10 * 60_000);
    const late = await drain(wingOrderFeed(deps, { ...WING_ORDER_FEED_DEFAULTS, clock }), null, new Date(T0));
    expect(late.events.map((e) => `${e.kind}=${e.quantity}`).sort()).toEqual(['cancel=1', 'sale=3']);
    expect(applyOnce(10, late.events)).toBe(8);
  });

  it('pages the cancels of a busy window; a cursor that is not one is refused', async () => {
    await item(BIG, { amountInStock: 500 });
    for (let i = 0; i < 55; i++) {
      const box = await order(1 + (i % 8), 1);
      await emit({ kind: 'cancel', shipmentBoxId: box, quantity: 1, at: new Date(min(9)).toISOString() });
    }
    const clock = manualClock(min(12));
    const { deps } = recording();
    const page = await wingOrderFeed(deps, { ...WING_ORDER_FEED_DEFAULTS, clock }).next(TENANT, null, new Date(T0));
    const mine = page.events.filter((e) => e.externalId === BIG);
    expect(mine.filter((e) => e.kind === 'cancel')).toHaveLength(55);
    expect(mine.filter((e) => e.kind === 'sale').every((e) => e.quantity === 1)).toBe(true);
    expect(applyOnce(500, mine)).toBe(500);
    // Oldest first.
    expect(page.events.map((e) => e.at.getTime())).toEqual([...page.events.map((e) => e.at.getTime())].sort((p, q) => p - q));
    expect((await failure(wingOrderFeed(deps, { ...WING_ORDER_FEED_DEFAULTS, clock }).next(TENANT, 'nonsense', new Date(T0)))).code).toBe('invalid');
    expect(encodeCursor({ start: T0, end: T0, swept: 0 })).toMatch(/^wing1\./);
  });
});
