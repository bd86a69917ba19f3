import { describe, expect, it } from 'vitest';
import { memoryConnections } from '../../tests/coupang/memory-connections.ts';
import { DomainError } from '../shared/errors.ts';
import type { OrderSheet, OrderSheetQuery, WingAccount } from './model.ts';
import { listOrders, orderPeriod } from './orders.ts';
import type { WingApi } from './ports.ts';
import { getSellerProduct, listSellerProducts } from './seller-products.ts';

const ACCOUNT = { vendorId: 'A001', accessKey: 'ak', secretKey: 'sk' };
const sheet = (n: number): OrderSheet => ({
  shipmentBoxId: String(600_000_000_000_000_000n + BigInt(n)), orderId: `o${n}`, orderedAt: null, paidAt: null, status: 'ACCEPT', shippingPrice: 0, remotePrice: 0,
  deliveryCompanyName: null, invoiceNumber: null, deliveredDate: null, items: [],
});

/** A Wing account holding `total` sheets, served 50 a page; records what it was asked. */
const fakeWing = (total: number, fail?: DomainError) => {
  const asked: Array<{ account: WingAccount; query: OrderSheetQuery }> = [];
  const unused = () => Promise.reject(new Error('not used'));
  const wing: WingApi = {
    orderSheets: async (account, query) => {
      asked.push({ account, query });
      if (fail) throw fail;
      if (query.mode === 'timeFrame') return { items: [sheet(0)], nextToken: null };
      const start = Number(query.nextToken ?? 0);
      const end = Math.min(total, start + query.maxPerPage);
      return { items: Array.from({ length: end - start }, (_, i) => sheet(start + i)), nextToken: end < total ? String(end) : null };
    },
    sellerProducts: async () => (fail ? Promise.reject(fail) : { items: [], nextToken: null }),
    sellerProduct: unused,
    inventory: unused,
    setQuantity: unused,
    rocketGrowthInventory: unused,
    returnRequests: unused,
    revenueHistory: unused,
  };
  return { wing, asked };
};

describe('order periods', () => {
  it('days up to 31 both included, or minutes up to 24 hours', () => {
    expect(orderPeriod('2026-11-01', '2026-12-01')).toBe('daily'); // 31 days
    expect(() => orderPeriod('2026-11-01', '2026-12-02')).toThrow(/32 days; Coupang serves at most 31/);
    expect(orderPeriod('2026-12-01', '2026-12-01')).toBe('daily');
    expect(() => orderPeriod('2026-12-02', '2026-12-01')).toThrow(/before/);
    expect(() => orderPeriod('2026-02-30', '2026-03-01')).toThrow(/not a calendar date/);
    expect(orderPeriod('2026-12-01T10:00', '2026-12-02T10:00')).toBe('timeFrame');
    expect(() => orderPeriod('2026-12-01T10:00', '2026-12-02T10:01')).toThrow(/24 hours/);
    expect(() => orderPeriod('2026-12-01T10:00', '2026-12-01T10:00')).toThrow(/not after/);
    expect(() => orderPeriod('2026-12-01', '2026-12-01T10:00')).toThrow(/both days/);
    try {
      orderPeriod('2026-11-01', '2026-12-09');
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid', details: { field: 'to' } });
    }
  });
});

describe('listing orders through the tenant\'s connection', () => {
  it('pages to the end with the connection\'s account', async () => {
    const { wing, asked } = fakeWing(120);
    const result = await listOrders({ coupang: { wing }, connections: memoryConnections({ t1: ACCOUNT }) }, 't1', { from: '2026-11-01', to: '2026-11-30', status: 'ACCEPT' });
    expect(result.orders.map((o) => o.orderId)).toEqual(Array.from({ length: 120 }, (_, i) => `o${i}`));
    expect(result.nextToken).toBeNull();
    expect(asked.map((a) => a.query)).toEqual([
      { mode: 'daily', from: '2026-11-01', to: '2026-11-30', status: 'ACCEPT', maxPerPage: 50 },
      { mode: 'daily', from: '2026-11-01', to: '2026-11-30', status: 'ACCEPT', maxPerPage: 50, nextToken: '50' },
      { mode: 'daily', from: '2026-11-01', to: '2026-11-30', status: 'ACCEPT', maxPerPage: 50, nextToken: '100' },
    ]);
    expect(asked[0]!.account).toEqual(ACCOUNT);
  });

  it('stops at 500 sheets and hands back the token to go on from', async () => {
    const { wing } = fakeWing(1_230);
    const deps = { coupang: { wing }, connections: memoryConnections({ t1: ACCOUNT }) };
    const first = await listOrders(deps, 't1', { from: '2026-11-01', to: '2026-11-30', status: 'ACCEPT' });
    expect(first.orders).toHaveLength(500);
    expect(first.nextToken).toBe('500');
    const second = await listOrders(deps, 't1', { from: '2026-11-01', to: '2026-11-30', status: 'ACCEPT', nextToken: first.nextToken! });
    expect(second.orders[0]!.orderId).toBe('o500');
    const third = await listOrders(deps, 't1', { from: '2026-11-01', to: '2026-11-30', status: 'ACCEPT', nextToken: second.nextToken! });
    expect(third.orders).toHaveLength(230);
    expect(third.nextToken).toBeNull();
  });

  it('a period in minutes is one timeFrame call', async () => {
    const { wing, asked } = fakeWing(0);
    const result = await listOrders({ coupang: { wing }, connections: memoryConnections({ t1: ACCOUNT }) }, 't1', { from: '2026-12-01T09:00', to: '2026-12-01T09:10', status: 'INSTRUCT' });
    expect(result).toMatchObject({ mode: 'timeFrame', nextToken: null });
    expect(asked.map((a) => a.query)).toEqual([{ mode: 'timeFrame', from: '2026-12-01T09:00', to: '2026-12-01T09:10', status: 'INSTRUCT' }]);
  });

  it('without a connection: 404 saying so, and Wing is never called', async () => {
    const { wing, asked } = fakeWing(10);
    const error = await listOrders({ coupang: { wing }, connections: memoryConnections({}) }, 't1', { from: '2026-11-01', to: '2026-11-02', status: 'ACCEPT' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'not_found', details: { channel: 'coupang_wing' } });
    expect((error as Error).message).toMatch(/no Coupang Wing connection/);
    expect(asked).toEqual([]);
    await expect(listSellerProducts({ coupang: { wing }, connections: memoryConnections({}) }, 't1', { limit: 10 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('credentials refused by Coupang: 502, the connection marked rejected with the code, later calls stop before Coupang', async () => {
    const refused = new DomainError('upstream_failed', "the Coupang Wing connection's credentials were refused (401: Invalid signature); renew the connection", {
      details: { provider: 'coupang-wing', providerStatus: 401, providerCode: '401', credentialsRejected: true },
    });
    const { wing, asked } = fakeWing(10, refused);
    const connections = memoryConnections({ t1: ACCOUNT });
    const error = await listOrders({ coupang: { wing }, connections }, 't1', { from: '2026-11-01', to: '2026-11-02', status: 'ACCEPT' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'upstream_failed', details: { connectionId: 'conn-t1', connectionStatus: 'rejected', providerStatus: 401 } });
    expect((error as DomainError).details).not.toHaveProperty('credentialsRejected');
    expect(connections.rejected).toEqual([{ tenantId: 't1', connectionId: 'conn-t1', code: 'HTTP_401' }]);
    await expect(listSellerProducts({ coupang: { wing }, connections }, 't1', { limit: 10 })).rejects.toMatchObject({ code: 'upstream_failed' });
    expect(asked).toHaveLength(1);
  });

  it('other failures pass through without touching the connection', async () => {
    const limited = new DomainError('rate_limited', 'Coupang is limiting calls', { retryAfterSeconds: 3 });
    const { wing } = fakeWing(10, limited);
    const connections = memoryConnections({ t1: ACCOUNT });
    await expect(listOrders({ coupang: { wing }, connections }, 't1', { from: '2026-11-01', to: '2026-11-02', status: 'ACCEPT' })).rejects.toBe(limited);
    expect(connections.rejected).toEqual([]);
  });

  it('a seller product id must be digits, checked before the connection is opened', async () => {
    const { wing } = fakeWing(0);
    await expect(getSellerProduct({ coupang: { wing }, connections: memoryConnections({}) }, 't1', '12a')).rejects.toMatchObject({ code: 'invalid', details: { field: 'sellerProductId' } });
  });
});
