/**
 * The Wing client against the sandbox: paging to the end, exact 18-digit ids, the revenue example from Coupang's
 * documentation, error mapping, and the rate: no 429 at the configured rate, slowing down on X-CAG-Warnings, a
 * 429 problem (never a 502) once Coupang blocks the vendor.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { coupangWing, type WingOptions } from '../../adapters/coupang/wing.ts';
import type { ProviderDeps } from '../../adapters/providers/deps.ts';
import type { Page, WingAccount } from '../../core/coupang/model.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { daysBetween, ordersOfDay } from '../../sandbox/coupang/data.ts';
import { memoryRateCounter, memoryResponseCache } from '../naver/helpers.ts';
import { control, creds, useCoupangSandbox } from './helpers.ts';

const coupang = useCoupangSandbox();
let base: string;
beforeAll(() => {
  base = coupang.base();
});

const warnings: Array<{ message: string; attributes: Record<string, unknown> }> = [];
const deps = (): ProviderDeps => ({
  rateCounter: memoryRateCounter(),
  cache: memoryResponseCache(),
  clock: { now: () => new Date() },
  warn: (message, attributes) => void warnings.push({ message, attributes }),
});
const wingClient = (over: Partial<WingOptions> = {}) =>
  coupangWing({ baseUrl: base, timeoutMs: 2000, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 40 }, ratePerSecond: 10, rocketGrowthPerMinute: 50, rateMaxWaitMs: 10_000, slowdownMs: 2000, ...over }, deps());
const account: WingAccount = { ...creds.wing };
const failure = async (p: Promise<unknown>): Promise<DomainError> => {
  const error = await p.then(() => null, (e: unknown) => e);
  if (error instanceof DomainError) return error;
  throw new Error(`expected a DomainError, got ${String(error)}`);
};
const allPages = async <T>(page: (token?: string) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> => {
  const items: T[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const p = await page(token);
    pages++;
    items.push(...p.items);
    token = p.nextToken ?? undefined;
  } while (token && pages < 100);
  return { items, pages };
};

describe('paging to the end', () => {
  it('seller products by nextToken: every product once, ids as exact strings', async () => {
    const wing = wingClient();
    const { items, pages } = await allPages((nextToken) => wing.sellerProducts(account, { limit: 100, ...(nextToken ? { nextToken } : {}) }));
    expect(pages).toBe(3);
    expect(items).toHaveLength(230);
    expect(new Set(items.map((p) => p.sellerProductId)).size).toBe(230);
    expect(items[0]!.sellerProductId).toMatch(/^13\d{9}$/);
    const one = await wing.sellerProduct(account, items[17]!.sellerProductId);
    expect(one.sellerProductId).toBe(items[17]!.sellerProductId);
    expect(one.items.length).toBeGreaterThan(0);
    const stock = await wing.inventory(account, one.items[0]!.vendorItemId);
    expect(stock).toMatchObject({ vendorItemId: one.items[0]!.vendorItemId, salePrice: one.items[0]!.salePrice });
    expect(Number.isInteger(stock.amountInStock)).toBe(true);
  });

  it('order sheets over 31 days by nextToken, shipmentBoxId kept to all 18 digits', async () => {
    const wing = wingClient();
    const { items, pages } = await allPages((nextToken) =>
      wing.orderSheets(account, { mode: 'daily', from: '2026-10-01', to: '2026-10-31', status: 'ACCEPT', maxPerPage: 5, ...(nextToken ? { nextToken } : {}) }),
    );
    expect(pages).toBeGreaterThan(2);
    expect(new Set(items.map((s) => s.shipmentBoxId)).size).toBe(items.length);
    for (const s of items) {
      // The sandbox sends these as JSON numbers past 2^53: a plain JSON.parse would round them.
      expect(s.shipmentBoxId).toMatch(/^6\d{17}$/);
      expect(s.status).toBe('ACCEPT');
      expect(s.items[0]!.orderPrice).toBe(s.items[0]!.salesPrice * s.items[0]!.shippingCount);
    }
    // Exactly the sandbox's ids, to the last digit (a double keeps only about 16).
    const expected = daysBetween('2026-10-01', '2026-10-31').flatMap((d) => ordersOfDay(creds.wing.vendorId, d)).filter((o) => o.status === 'ACCEPT').map((o) => o.shipmentBoxId);
    expect(items.map((o) => o.shipmentBoxId)).toEqual(expected);
    expect(expected.some((id) => !id.endsWith('00'))).toBe(true);
    const over = await failure(wing.orderSheets(account, { mode: 'daily', from: '2026-10-01', to: '2026-11-01', status: 'ACCEPT', maxPerPage: 50 }));
    expect(over).toMatchObject({ code: 'invalid', details: { providerStatus: 400, providerMessage: 'the period covers at most 31 days' } });
  });

  it('order sheets in a time frame: one call, Korean minutes', async () => {
    const wing = wingClient();
    const page = await wing.orderSheets(account, { mode: 'timeFrame', from: '2026-10-05T00:00', to: '2026-10-06T00:00', status: 'ACCEPT' });
    expect(page.nextToken).toBeNull();
    expect((await control(base, 'stats')).lastRequest.query).toContain('searchType=timeFrame');
    for (const s of page.items) expect(s.orderedAt!.slice(0, 10)).toBe('2026-10-05');
  });

  it('returns and cancels', async () => {
    const wing = wingClient();
    const cancels = await allPages((nextToken) => wing.returnRequests(account, { from: '2026-10-01', to: '2026-10-31', status: 'CANCEL', maxPerPage: 50, ...(nextToken ? { nextToken } : {}) }));
    expect(cancels.items.length).toBeGreaterThan(0);
    for (const r of cancels.items) expect(r.receiptType).toBe('CANCEL');
    expect((await control(base, 'stats')).lastRequest.query).toContain('cancelType=CANCEL');
    expect(cancels.items[0]!.items[0]!.shipmentBoxId).toMatch(/^6\d{17}$/);
  });

  it('revenue history by token while hasNext, with the documented example line', async () => {
    const wing = wingClient();
    const { items, pages } = await allPages((token) => wing.revenueHistory(account, { from: '2026-10-01', to: '2026-10-31', token: token ?? '', maxPerPage: 10 }));
    expect(pages).toBeGreaterThan(3);
    expect(new Set(items.map((l) => `${l.orderId}`)).size).toBe(items.length);
    // Coupang's worked example: sale amount 31,670 at 8 % -> fee 2,534, fee VAT 253, settlement 28,883.
    const example = items.find((l) => l.items[0]!.vendorItemName === '문서 예시 상품')!;
    expect(example.items[0]).toMatchObject({ saleAmount: 31_670, serviceFeeRatio: 8, serviceFee: 2_534, serviceFeeVat: 253, settlementAmount: 28_883 });
    // The first page goes with an empty token, as the API requires.
    const first = await wing.revenueHistory(account, { from: '2026-10-01', to: '2026-10-01', token: '', maxPerPage: 50 });
    expect(first.nextToken).toBeNull();
    expect((await control(base, 'stats')).lastRequest.query).toMatch(/(^|&)token=(&|$)/);
  });
});

describe('error mapping', () => {
  it('refused credentials: 502 flagged for the connection, never retried', async () => {
    const wing = wingClient();
    const error = await failure(wing.sellerProducts({ ...account, secretKey: 'wrong' }, { limit: 10 }));
    expect(error).toMatchObject({ code: 'upstream_failed', details: { credentialsRejected: true, providerStatus: 401 } });
    expect(JSON.stringify(error.details) + error.message).not.toContain(account.vendorId);
    expect(error.message).toMatch(/renew the connection/);
    expect(error.message).not.toContain('wrong');
    expect((await control(base, 'stats')).requests).toBe(1);
    const otherVendor = await failure(wing.sellerProducts({ ...creds.wing, vendorId: creds.otherWing.vendorId }, { limit: 10 }));
    expect(otherVendor).toMatchObject({ code: 'upstream_failed', details: { credentialsRejected: true, providerStatus: 403 } });
  });

  it('an unknown product is 404 naming it; an outage is 502 after the retries', async () => {
    const wing = wingClient();
    expect(await failure(wing.sellerProduct(account, '99'))).toMatchObject({ code: 'not_found', message: `seller product 99 was not found in the Wing account` });
    await control(base, 'faults', { outage: true });
    const outage = await failure(wing.sellerProducts(account, { limit: 1 }));
    expect(outage).toMatchObject({ code: 'upstream_failed', details: { providerStatus: 500 } });
    expect(outage.message).toMatch(/after 3 attempts/);
  });

  it('a passing 429 is retried away', async () => {
    await control(base, 'faults', { failNext: { count: 2, kind: 'rate' } });
    const page = await wingClient().sellerProducts(account, { limit: 3 });
    expect(page.items).toHaveLength(3);
    expect((await control(base, 'stats')).byStatus).toEqual({ 200: 1, 429: 2 });
  });
});

describe('the rate', () => {
  it('a saturated rate is a 429 naming Wing, not the tenant\'s vendor id', async () => {
    // Two calls at 1 a second with no room to wait: the second cannot get a slot.
    const wing = wingClient({ ratePerSecond: 1, rateMaxWaitMs: 0 });
    const results = await Promise.allSettled([wing.sellerProducts(account, { limit: 1 }), wing.sellerProducts(account, { limit: 1 })]);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as DomainError);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ code: 'rate_limited' });
    expect(refused[0]!.message).toMatch(/^the Coupang Wing request rate \(1\/s\) is saturated/);
    expect(refused[0]!.message + JSON.stringify(refused[0])).not.toContain(account.vendorId);
  });

  it('at the configured rate (the vendor\'s 10/s), 40 concurrent calls all succeed without one 429', { timeout: 30_000 }, async () => {
    const wing = wingClient({ ratePerSecond: 10, rateMaxWaitMs: 10_000 });
    const pages = await Promise.all(Array.from({ length: 40 }, () => wing.sellerProducts(account, { limit: 1 })));
    expect(pages.every((p) => p.items.length === 1)).toBe(true);
    const limits = await control(base, 'limits');
    expect(limits.vendors[account.vendorId].rejected429).toBe(0);
    expect((await control(base, 'stats')).byStatus).toEqual({ 200: 40 });
  });

  it('X-CAG-Warnings halves the rate: 15/s against a 10/s gateway draws warnings but no 429', { timeout: 30_000 }, async () => {
    warnings.length = 0;
    const wing = wingClient({ ratePerSecond: 15, slowdownMs: 3000, rateMaxWaitMs: 10_000 });
    await Promise.all(Array.from({ length: 45 }, () => wing.sellerProducts(account, { limit: 1 })));
    const limits = await control(base, 'limits');
    expect(limits.vendors[account.vendorId].warned).toBeGreaterThan(0);
    expect(limits.vendors[account.vendorId].rejected429).toBe(0);
    expect(warnings.some((w) => w.message.startsWith('Coupang asks to slow down'))).toBe(true);
  });

  it('a blocked vendor gets a 429 problem with Retry-After, not a 502', { timeout: 30_000 }, async () => {
    await control(base, 'limits', { wingPerSecond: 2, blockAfter429s: 3, blockMs: 60_000 });
    const wing = wingClient({ ratePerSecond: 1000, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => wing.sellerProducts(account, { limit: 1 })));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as DomainError);
    expect(refused.length).toBeGreaterThan(0);
    for (const error of refused) expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 1 });
    expect((await control(base, 'limits')).vendors[account.vendorId].blocked).toBe(true);
    const later = await failure(wing.sellerProducts(account, { limit: 1 }));
    expect(later.message).toMatch(/limiting calls for the Wing account/);
    expect(JSON.stringify(later)).not.toContain(account.vendorId);
  });
});
