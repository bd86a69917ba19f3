/**
 * The Smart Store order feed against the sandbox's change feed, on one fake clock: paging with moreSequence
 * (entries sharing an instant split across pages), the product-order query giving quantities and listing ids,
 * sales, cancels and returns as events keyed per product order, the overlap that catches a change recorded late,
 * the settle margin, and windows of at most 24 hours.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeCursor, naverSmartStoreOrders } from '../../adapters/naver-commerce/orders.ts';
import type { ChannelOrderEvent } from '../../core/inventory/model.ts';
import type { OrderFeed } from '../../core/inventory/ports.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { app, clientOver, roomForEveryCall, scriptedConnections, startCommerce, type ClientSetup, type Commerce } from './support.ts';

const T0 = Date.UTC(2026, 11, 6, 3, 0, 0); // 12:00 in Korea
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('Smart Store order feed (OrderFeed over the Naver Commerce sandbox)', () => {
  let now = T0;
  let commerce: Commerce;
  let setup: ClientSetup;
  let feed: OrderFeed;
  const sale = async (originProductNo: number, optionCombinationId: number | undefined, quantity: number, at: number): Promise<string> =>
    (await commerce.control('orders', { kind: 'sale', originProductNo, ...(optionCombinationId ? { optionCombinationId } : {}), quantity, at: iso(at) })).productOrderId;
  const claim = (kind: 'cancel' | 'return', productOrderId: string, at: number) => commerce.control('orders', { kind, productOrderId, at: iso(at) });
  const short = (e: ChannelOrderEvent) => [e.key, e.kind, e.externalId, e.quantity, e.at.getTime() - T0];

  beforeAll(async () => {
    commerce = await startCommerce({ now: () => now });
  });
  afterAll(async () => commerce?.close());
  beforeEach(async () => {
    now = T0;
    await commerce.control('reset', {});
    setup = clientOver(commerce.baseUrl, { now: () => now, rateCounter: roomForEveryCall });
    feed = naverSmartStoreOrders({ connections: scriptedConnections().port, client: setup.client, clock: { now: () => new Date(now) }, pageSize: 2 });
  });

  it('pages with moreSequence, turns paid, cancelled and returned product orders into keyed events, and re-reads an overlap', async () => {
    const a = await sale(1001, 10011, 2, T0 - 50 * MIN);
    const b = await sale(1001, 10012, 1, T0 - 30 * MIN);
    const c = await sale(1002, undefined, 1, T0 - 30 * MIN);
    const d = await sale(1003, 10031, 3, T0 - 30 * MIN);
    await claim('cancel', a, T0 - 20 * MIN);
    const e = await sale(1003, 10032, 1, T0 - 15 * MIN);
    await claim('return', e, T0 - 10 * MIN);
    const f = await sale(1001, 10011, 1, T0 - 2_000); // inside the settle margin: left for the next poll

    // b, c, d share an instant: two on the first page, d on the second, after `more` names it.
    const first = await feed.next('t', null, new Date(T0 - 60 * MIN));
    expect(first.events.map(short)).toEqual([
      [`${b}:sale`, 'sale', '1001:10012', 1, -30 * MIN],
      [`${c}:sale`, 'sale', '1002', 1, -30 * MIN],
    ]);
    expect(first.more).toBe(true);
    // Where the next page starts: moreFrom and moreSequence as Naver answered, the window's end kept.
    expect(decodeCursor(first.cursor)).toEqual({ from: T0 - 30 * MIN, paging: { to: T0 - 5_000, moreSequence: '4' } });

    const second = await feed.next('t', first.cursor, new Date(0));
    const feedQuery = await commerce.control('calls');
    expect(feedQuery['GET /external/v1/pay-order/seller/product-orders/last-changed-statuses']).toBe(2);
    expect(second.events.map(short)).toEqual([
      [`${a}:sale`, 'sale', '1001:10011', 2, -50 * MIN],
      [`${d}:sale`, 'sale', '1003:10031', 3, -30 * MIN],
      [`${a}:cancel`, 'cancel', '1001:10011', 2, -20 * MIN],
    ]);
    expect(second.more).toBe(true);
    const third = await feed.next('t', second.cursor, new Date(0));
    expect(third.events.map(short)).toEqual([
      [`${e}:sale`, 'sale', '1003:10032', 1, -15 * MIN],
      [`${e}:return`, 'return', '1003:10032', 1, -10 * MIN],
    ]);
    expect(third.more).toBe(false);
    expect(decodeCursor(third.cursor)).toEqual({ from: T0 - 5_000, paging: null });
    expect(third.events.every((x) => x.orderId !== x.key.split(':')[0])).toBe(true); // the order id, not the product order id

    // A minute on: a cancel Naver recorded late, dated before where the last window ended, and f, now settled.
    now = T0 + MIN;
    await claim('cancel', b, T0 - 10_000);
    const later = await feed.next('t', third.cursor, new Date(0));
    expect(later.events.map(short)).toEqual([
      [`${b}:sale`, 'sale', '1001:10012', 1, -30 * MIN], // seen again: applied once downstream by its key
      [`${b}:cancel`, 'cancel', '1001:10012', 1, -10_000],
      [`${f}:sale`, 'sale', '1001:10011', 1, -2_000],
    ]);
    expect([later.more, decodeCursor(later.cursor)]).toEqual([false, { from: T0 + MIN - 5_000, paging: null }]);

    // Nothing new has settled: no call at all.
    const calls = (await commerce.control('stats')).requests;
    const idle = await feed.next('t', later.cursor, new Date(0));
    expect([idle.events, idle.more, idle.cursor]).toEqual([[], false, later.cursor]);
    expect((await commerce.control('stats')).requests).toBe(calls);
  });

  it('asks in Korean time with +09:00, from the overlap before where it stopped', async () => {
    now = T0 + 10 * MIN;
    await feed.next('t', `v1|${T0}`, new Date(0));
    // Nothing changed in the window, so the feed's call is the last one.
    const seen = await commerce.control('stats');
    expect(seen.lastRequest.path).toBe('/external/v1/pay-order/seller/product-orders/last-changed-statuses');
    const q = new URLSearchParams(seen.lastRequest.query);
    expect([q.get('lastChangedFrom'), q.get('lastChangedTo'), q.get('limitCount'), q.get('moreSequence')]).toEqual([
      '2026-12-06T11:59:00.000+09:00', '2026-12-06T12:09:55.000+09:00', '2', null,
    ]);
  });

  it('reads at most 24 hours per window and says more is ready', async () => {
    now = T0;
    const page = await feed.next('t', null, new Date(T0 - 3 * 24 * 60 * MIN));
    const from = T0 - 3 * 24 * 60 * MIN - MIN;
    expect(decodeCursor(page.cursor)).toEqual({ from: from + 24 * 60 * MIN, paging: null });
    expect(page.more).toBe(true);
  });

  it('fails the page, keeping the cursor, when the product-order query leaves out an order the feed reported', async () => {
    const a = await sale(1002, undefined, 1, T0 - 20 * MIN);
    const b = await sale(1001, 10011, 1, T0 - 10 * MIN);
    const dropping: typeof setup.client = {
      call: async <T,>(credentials: Parameters<typeof setup.client.call>[0], request: Parameters<typeof setup.client.call>[1]): Promise<T> => {
        const answer = await setup.client.call<any>(credentials, request);
        if (request.api === 'orders.query') answer.data = answer.data.filter((d: any) => d.productOrder.productOrderId !== b);
        return answer as T;
      },
    };
    const lossy = naverSmartStoreOrders({ connections: scriptedConnections().port, client: dropping, clock: { now: () => new Date(now) } });
    await expect(lossy.next('t', null, new Date(T0 - 60 * MIN))).rejects.toMatchObject({ code: 'upstream_failed', details: { productOrderId: b } });
    // The poller keeps its cursor; the next poll reads the same page whole.
    expect((await feed.next('t', null, new Date(T0 - 60 * MIN))).events.map((e) => e.key)).toEqual([`${a}:sale`, `${b}:sale`]);
  });

  it('passes on Naver\'s invalidInputs, and refuses a cursor it did not make', async () => {
    const error = (await setup.client
      .call(app, { api: 'orders.lastChangedStatuses', method: 'GET', path: '/external/v1/pay-order/seller/product-orders/last-changed-statuses', query: new URLSearchParams({ lastChangedFrom: 'yesterday', limitCount: '301' }) })
      .catch((e: unknown) => e)) as DomainError;
    expect([error.code, error.details?.providerStatus, error.details?.providerCode]).toEqual(['upstream_failed', 400, 'BAD_REQUEST']);
    expect(error.details?.invalidInputs).toEqual(['lastChangedFrom: required, ISO 8601 with an offset', 'limitCount: from 1 to 300']);
    expect(error.message).toContain('limitCount: from 1 to 300');
    expect(error.details?.traceId).toMatch(/^[0-9a-f]{16}$/);
    await expect(feed.next('t', 'not-a-cursor', new Date(0))).rejects.toMatchObject({ code: 'invalid' });
  });
});
