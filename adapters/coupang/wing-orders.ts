/**
 * Coupang Wing orders as stock events for the inventory context (the OrderFeed port), read through the tenant's
 * Wing connection and the Wing client's rate slots.
 *
 * Windows. Order sheets are read with `searchType=timeFrame` (KST minutes, one answer per window, no paging) one
 * window of `windowMs` (10 minutes, as Coupang advises) per call, for every status that means a paid order, and
 * the cancels made before shipment (returnRequests `cancelType=CANCEL`, paged) created in the same window. The
 * cursor says where the last window fully read ended; the next call re-reads `overlapMs` behind it (an order
 * indexed late still shows up; events are deduplicated by key downstream) and never reads a window ending after
 * now minus `settleMs`. Completed returns (status `CC`) are found by when the return was requested, which can be
 * days before it completes, so they are not read by window: every `returnsEveryMs` the feed sweeps the returns
 * requested in the last `returnsLookbackDays` (and since the feed started), paged by nextToken.
 *
 * Quantities. `shippingCount` is net of cancels: a sheet read before a cancel says 3, the same sheet read after a
 * cancel of 1 says 2 with `cancelCount` 1. The sale is therefore counted gross, `shippingCount + cancelCount`,
 * which is the same number whenever the sheet is read, and each cancel receipt gives its `cancelCount` back. So a
 * sale of 3 with a cancel of 1 ends at -3 + 1 = -2 whichever the poller sees first, and the first sighting of the
 * sale key is the only one applied. (Counting the net would end at -2 + 1 = -1 when the cancel came before the
 * sheet was read.) A fully cancelled sheet stays in the search with shippingCount 0 and its cancelCount, so its
 * sale is still counted gross and its cancel gives it back.
 *
 * Keys: `shipmentBoxId:vendorItemId:sale`, `receiptId:vendorItemId:cancel`, `receiptId:vendorItemId:return`.
 */
import { ORDER_STATUSES, type OrderSheet, type ReturnRequest, type WingAccount } from '../../core/coupang/model.ts';
import type { CallOptions, WingApi } from '../../core/coupang/ports.ts';
import type { ChannelOrderEvent } from '../../core/inventory/model.ts';
import type { OrderFeed, OrderFeedPage } from '../../core/inventory/ports.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { viaWingConnection, type CoupangChannelDeps } from './wing-stock.ts';

export interface WingOrderFeedOptions {
  /** One timeFrame window per call (Coupang allows up to 24 hours and advises 10 minutes). */
  windowMs: number;
  /** Re-read behind the cursor. Less than windowMs, so every call moves on. */
  overlapMs: number;
  /** Never read a window ending later than now minus this (orders still being indexed). */
  settleMs: number;
  /** How often completed returns are swept. */
  returnsEveryMs: number;
  /** How far back (by request date) the sweep looks for completed returns; at most 31 days. */
  returnsLookbackDays: number;
  clock: Clock;
}

export const WING_ORDER_FEED_DEFAULTS = { windowMs: 10 * 60_000, overlapMs: 2 * 60_000, settleMs: 60_000, returnsEveryMs: 10 * 60_000, returnsLookbackDays: 7 } as const;

const MINUTE = 60_000;
const DAY = 86_400_000;
const KST = 9 * 3_600_000;
const PAGE = 50;
const MAX_PAGES = 200;

/** `yyyy-MM-ddTHH:mm` in Korea for an instant. */
export const kstMinute = (ms: number): string => new Date(ms + KST).toISOString().slice(0, 16);
const kstDay = (ms: number): string => new Date(ms + KST).toISOString().slice(0, 10);
/** Wing's local times (`2026-10-05T12:34:56`, Korea) to an instant; null when unreadable. */
const fromKst = (local: string | null): number | null => {
  if (!local) return null;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(local) ? local : `${local}+09:00`);
  return Number.isNaN(ms) ? null : ms;
};
const floorMinute = (ms: number): number => Math.floor(ms / MINUTE) * MINUTE;

/**
 * The cursor: when the feed started (returns requested before are not its business), where the last window fully
 * read ended, and when completed returns were last swept; all epoch ms.
 */
interface Cursor {
  start: number;
  end: number;
  swept: number;
}

const CURSOR = /^wing1\.(\d{1,15})\.(\d{1,15})\.(\d{1,15})$/;
export const encodeCursor = (c: Cursor): string => `wing1.${c.start}.${c.end}.${c.swept}`;
const decodeCursor = (text: string): Cursor => {
  const m = CURSOR.exec(text);
  if (!m) throw new DomainError('invalid', 'this is not a Coupang Wing order feed cursor', { details: { channel: 'coupang_wing' } });
  return { start: Number(m[1]), end: Number(m[2]), swept: Number(m[3]) };
};

const saleEvents = (sheet: OrderSheet): ChannelOrderEvent[] => {
  const at = new Date(fromKst(sheet.orderedAt) ?? fromKst(sheet.paidAt) ?? 0);
  return sheet.items
    .map((item) => ({ item, gross: item.shippingCount + item.cancelCount }))
    .filter(({ item, gross }) => gross > 0 && item.vendorItemId !== '')
    .map(({ item, gross }) => ({ key: `${sheet.shipmentBoxId}:${item.vendorItemId}:sale`, kind: 'sale' as const, externalId: item.vendorItemId, quantity: gross, orderId: sheet.orderId, at }));
};

const receiptEvents = (receipt: ReturnRequest, kind: 'cancel' | 'return'): ChannelOrderEvent[] => {
  const at = new Date(fromKst(receipt.createdAt) ?? 0);
  return receipt.items
    .filter((item) => item.cancelCount > 0 && item.vendorItemId !== '')
    .map((item) => ({ key: `${receipt.receiptId}:${item.vendorItemId}:${kind}`, kind, externalId: item.vendorItemId, quantity: item.cancelCount, orderId: receipt.orderId, at }));
};

export const wingOrderFeed = (deps: CoupangChannelDeps & { wing: WingApi }, options: WingOrderFeedOptions): OrderFeed => {
  if (options.overlapMs >= options.windowMs) throw new Error('the order feed overlap must be shorter than its window');
  if (options.windowMs > DAY) throw new Error('a Wing timeFrame window covers at most 24 hours');
  if (options.returnsLookbackDays < 1 || options.returnsLookbackDays > 30) throw new Error('the returns sweep looks back 1 to 30 days (Coupang searches at most 31)');

  const allReceipts = async (account: WingAccount, query: { from: string; to: string; timeFrame?: boolean; status: 'CANCEL' | 'CC' }, call: CallOptions): Promise<ReturnRequest[]> => {
    const out: ReturnRequest[] = [];
    let nextToken: string | null = null;
    let pages = 0;
    do {
      const page = await deps.wing.returnRequests(account, { ...query, maxPerPage: PAGE, ...(nextToken ? { nextToken } : {}) }, call);
      out.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken && ++pages < MAX_PAGES);
    return out;
  };

  return {
    next: async (tenantId, cursorText, since, signal): Promise<OrderFeedPage> => {
      const now = options.clock.now().getTime();
      const readyUntil = floorMinute(now - options.settleMs);
      const cursor = cursorText === null ? { start: floorMinute(since.getTime()), end: floorMinute(since.getTime()), swept: 0 } : decodeCursor(cursorText);
      const from = cursorText === null ? cursor.end : Math.max(cursor.start, cursor.end - options.overlapMs);
      const to = Math.min(from + options.windowMs, readyUntil);
      const readWindow = to > cursor.end;
      const sweep = now - cursor.swept >= options.returnsEveryMs;
      const call: CallOptions = signal ? { signal } : {};

      const events = await viaWingConnection(deps, tenantId, async (account) => {
        const found: ChannelOrderEvent[] = [];
        if (readWindow) {
          const window = { from: kstMinute(from), to: kstMinute(to) };
          for (const status of ORDER_STATUSES) {
            const page = await deps.wing.orderSheets(account, { mode: 'timeFrame', ...window, status }, call);
            for (const sheet of page.items) found.push(...saleEvents(sheet));
          }
          for (const r of await allReceipts(account, { ...window, timeFrame: true, status: 'CANCEL' }, call)) found.push(...receiptEvents(r, 'cancel'));
        }
        if (sweep) {
          const sweepFrom = Math.max(cursor.start, now - options.returnsLookbackDays * DAY);
          for (const r of await allReceipts(account, { from: kstDay(sweepFrom), to: kstDay(now), status: 'CC' }, call)) {
            // Returns requested before the feed started belong to sales it never counted.
            const requested = fromKst(r.createdAt);
            if (requested !== null && requested >= cursor.start) found.push(...receiptEvents(r, 'return'));
          }
        }
        return found;
      });

      // One sheet can come back under two statuses when it moves between our calls: one event per key.
      const unique = [...new Map(events.map((e) => [e.key, e])).values()].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      const nextCursor = { start: cursor.start, end: readWindow ? to : cursor.end, swept: sweep ? now : cursor.swept };
      return { events: unique, cursor: encodeCursor(nextCursor), more: nextCursor.end < readyUntil };
    },
  };
};
