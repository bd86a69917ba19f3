/**
 * Smart Store orders as stock events (the inventory context's OrderFeed for `naver_smart_store`), read through the
 * tenant's Naver Commerce application:
 *
 * 1. `GET /external/v1/pay-order/seller/product-orders/last-changed-statuses` over [lastChangedFrom, lastChangedTo)
 *    (at most 24 hours, `limitCount` 300). A page that stops early answers `more{moreFrom, moreSequence}`: the next
 *    page asks again with lastChangedFrom=moreFrom, the same lastChangedTo and that moreSequence.
 * 2. `POST .../product-orders/query` for the page's product orders: quantity, and `originalProductId` with
 *    `optionCode`, which make the listing's externalId (`originProductNo:optionCombinationId`).
 *
 * The feed reports a product order once, at its last change, so a paid order may first show up already delivered,
 * cancelled or returned. Every paid product order therefore gives `productOrderId:sale`, a CANCELED one also
 * `productOrderId:cancel` and a RETURNED one `productOrderId:return`: the keys make each effect count once, however
 * often the order is seen, and an order paid and cancelled between two polls nets to nothing.
 *
 * Cursor: `v1|<lastChangedFrom ms>|<lastChangedTo ms>|<moreSequence>` while paging through a window, `v1|<from ms>`
 * between windows. A new window starts `OVERLAP_MS` before the last one ended (late-recorded changes; the events'
 * keys make the re-read harmless) and ends `SETTLE_MS` before now.
 */
import type { ChannelOrderEvent } from '../../core/inventory/model.ts';
import type { OrderFeed, OrderFeedPage } from '../../core/inventory/ports.ts';
import type { TenantConnections } from '../../core/platform/ports.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import type { NaverCommerceClient } from './client.ts';
import { withNaverConnection } from './connection.ts';

export const FEED_PATH = '/external/v1/pay-order/seller/product-orders/last-changed-statuses';
export const QUERY_PATH = '/external/v1/pay-order/seller/product-orders/query';
/** Each window re-reads this much before where the last one ended. */
export const OVERLAP_MS = 60_000;
/** A window ends this long before now: changes still being recorded are left to the next one. */
export const SETTLE_MS = 5_000;
/** Naver answers at most 24 hours per query. */
export const MAX_WINDOW_MS = 86_400_000;
export const PAGE_SIZE = 300;

const PAID = new Set(['PAYED', 'DELIVERING', 'DELIVERED', 'PURCHASE_DECIDED', 'EXCHANGED', 'CANCELED', 'RETURNED']);

/** ISO 8601 in Korean time, as Naver takes dates: 2026-12-06T22:58:14.123+09:00. */
export const kstIso = (ms: number): string => `${new Date(ms + 9 * 3_600_000).toISOString().slice(0, 23)}+09:00`;

interface Cursor {
  from: number;
  /** While paging through a window: its end and the next page's moreSequence. */
  paging: { to: number; moreSequence: string } | null;
}

export const encodeCursor = (c: Cursor): string => (c.paging ? `v1|${c.from}|${c.paging.to}|${c.paging.moreSequence}` : `v1|${c.from}`);

export const decodeCursor = (text: string): Cursor => {
  const m = /^v1\|(\d{1,15})(?:\|(\d{1,15})\|([^|\s]{1,100}))?$/.exec(text);
  if (!m) throw new DomainError('invalid', 'not a Smart Store order feed cursor', { details: { channel: 'naver_smart_store' } });
  return { from: Number(m[1]), paging: m[2] ? { to: Number(m[2]), moreSequence: m[3]! } : null };
};

interface FeedAnswer {
  data?: {
    lastChangeStatuses?: { productOrderId?: string; orderId?: string; productOrderStatus?: string; paymentDate?: string; lastChangedDate?: string }[];
    more?: { moreFrom?: string; moreSequence?: string | number };
  };
}

interface QueryAnswer {
  data?: { productOrder?: { productOrderId?: string; originalProductId?: string | number; optionCode?: string | number | null; quantity?: number } }[];
}

const dateOf = (text: string | undefined, fallback: number): number => {
  const ms = text ? Date.parse(text) : NaN;
  return Number.isNaN(ms) ? fallback : ms;
};

export const naverSmartStoreOrders = (deps: { connections: TenantConnections; client: NaverCommerceClient; clock: Clock; pageSize?: number }): OrderFeed => ({
  next: async (tenantId, cursor, since, signal): Promise<OrderFeedPage> => {
    const at = cursor === null ? { from: since.getTime(), paging: null } : decodeCursor(cursor);
    const settled = deps.clock.now().getTime() - SETTLE_MS;
    const queryFrom = at.paging ? at.from : Math.max(0, at.from - OVERLAP_MS);
    const to = at.paging ? at.paging.to : Math.min(settled, queryFrom + MAX_WINDOW_MS);
    if (!at.paging && to <= at.from) return { events: [], cursor: encodeCursor({ from: at.from, paging: null }), more: false };

    return withNaverConnection(deps.connections, tenantId, async (credentials) => {
      const query = new URLSearchParams({ lastChangedFrom: kstIso(queryFrom), lastChangedTo: kstIso(to), limitCount: String(deps.pageSize ?? PAGE_SIZE) });
      if (at.paging) query.set('moreSequence', at.paging.moreSequence);
      const feed = await deps.client.call<FeedAnswer>(credentials, { api: 'orders.lastChangedStatuses', method: 'GET', path: FEED_PATH, query, ...(signal ? { signal } : {}) });
      const statuses = (feed.data?.lastChangeStatuses ?? []).filter((s) => typeof s.productOrderId === 'string' && PAID.has(s.productOrderStatus ?? ''));

      const details = new Map<string, { externalId: string; quantity: number }>();
      if (statuses.length) {
        const answer = await deps.client.call<QueryAnswer>(credentials, {
          api: 'orders.query', method: 'POST', path: QUERY_PATH, json: { productOrderIds: statuses.map((s) => s.productOrderId) }, ...(signal ? { signal } : {}),
        });
        for (const { productOrder: p } of answer.data ?? []) {
          if (!p?.productOrderId || p.originalProductId === undefined || !Number.isInteger(p.quantity) || (p.quantity as number) < 1) continue;
          const option = p.optionCode === undefined || p.optionCode === null || p.optionCode === '' ? null : String(p.optionCode);
          details.set(p.productOrderId, { externalId: option ? `${String(p.originalProductId)}:${option}` : String(p.originalProductId), quantity: p.quantity as number });
        }
      }

      const events: ChannelOrderEvent[] = [];
      for (const s of statuses) {
        const d = details.get(s.productOrderId!);
        if (!d) {
          // Never skipped: the cursor would move past a sale. The page is read again on the next poll.
          throw new DomainError('upstream_failed', `Naver Commerce did not answer product order ${s.productOrderId} that its change feed reported; the page is read again`, {
            details: { provider: 'naver-commerce', api: 'orders.query', productOrderId: s.productOrderId },
          });
        }
        const changed = dateOf(s.lastChangedDate, to);
        const base = { externalId: d.externalId, quantity: d.quantity, orderId: s.orderId ?? s.productOrderId! };
        events.push({ ...base, key: `${s.productOrderId}:sale`, kind: 'sale', at: new Date(dateOf(s.paymentDate, changed)) });
        if (s.productOrderStatus === 'CANCELED') events.push({ ...base, key: `${s.productOrderId}:cancel`, kind: 'cancel', at: new Date(changed) });
        if (s.productOrderStatus === 'RETURNED') events.push({ ...base, key: `${s.productOrderId}:return`, kind: 'return', at: new Date(changed) });
      }
      // Oldest first; a sale before its own cancel or return when they share an instant.
      const rank = { sale: 0, cancel: 1, return: 1 } as const;
      events.sort((a, b) => a.at.getTime() - b.at.getTime() || rank[a.kind] - rank[b.kind]);

      const more = feed.data?.more;
      const moreFrom = more?.moreFrom ? Date.parse(more.moreFrom) : NaN;
      if (more && !Number.isNaN(moreFrom) && more.moreSequence !== undefined && String(more.moreSequence) !== '') {
        return { events, cursor: encodeCursor({ from: moreFrom, paging: { to, moreSequence: String(more.moreSequence) } }), more: true };
      }
      return { events, cursor: encodeCursor({ from: to, paging: null }), more: to < settled };
    }, signal);
  },
});
