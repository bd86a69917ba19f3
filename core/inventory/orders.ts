/**
 * Channel orders in, exactly once. A channel's order feed (`OrderFeed`) reports sales, cancels and returns as
 * events with a key unique per channel; each page of them is applied in ONE transaction together with the move of
 * the feed's cursor:
 *
 * - every event is recorded by (tenant, channel, key) under a unique index before it changes anything, and only
 *   the transaction that recorded it applies it: an event replayed (an overlapping page, a poll killed after its
 *   commit, two processes reading the same page) finds its key recorded and changes nothing;
 * - the cursor moves in the same transaction, by compare-and-set on its previous value, so it never moves past an
 *   event whose effects were not committed, and a poll that fails part-way leaves both untouched.
 *
 * A sale lowers onHand of the listing's SKU (a bundle listing draws each component times its quantity) with ledger
 * reason `sale`, actor `channel:<channel>`, reference the provider's order id; a cancel or return raises it
 * (`cancel`, `return`). An event for an externalId without a listing is recorded as `ignored` and reported.
 *
 * **Oversells.** The sale already happened on the channel, but the table keeps 0 <= reserved <= onHand and
 * reserved stock is promised to other orders. A sale draws what is free (onHand - reserved) of each SKU; the units
 * it could not draw are kept on the event as its `shortfall` and the event is marked `oversold` (reported by the
 * poll, logged, and listed by `GET /v1/inventory/channel-orders`). The ledger holds exactly what left the shelf,
 * so onHand = sum(ledger) stays true. A later cancel or return of that order on that listing first settles the
 * shortfall: units the sale never drew are not put back (no stock is invented); the rest is restocked. Shipping
 * an oversold order later from new stock is recorded by hand (an adjustment `sale` with the order id).
 */
import { isDomainError, DomainError } from '../shared/errors.ts';
import type { InventoryDeps, InventoryUnit, OrderFeedPage } from './ports.ts';
import type { ChannelOrderEvent, ListingChannel, OrderEventRecord, OrderPollResult, OrderShortfall, Page, PageRequest, StockItem } from './model.ts';
import { listingChannels } from './model.ts';
import { MAX_ON_HAND } from './stock.ts';

/** The ledger actor of changes made by a channel's orders. */
export const orderActor = (channel: ListingChannel): string => `channel:${channel}`;

export interface AppliedPage {
  /** The plain SKUs whose onHand the page changed. */
  changed: string[];
  recorded: number;
  duplicates: number;
  applied: number;
  oversold: OrderEventRecord[];
  ignored: OrderEventRecord[];
}

/** The plain SKUs one unit of an item draws. */
const drawsOf = (item: StockItem): OrderShortfall[] => (item.kind === 'bundle' ? item.components.map((c) => ({ sku: c.sku, units: c.quantity })) : [{ sku: item.sku, units: 1 }]);

const validQuantity = (q: number): boolean => Number.isSafeInteger(q) && q > 0 && q <= MAX_ON_HAND;

/**
 * Applies one page of a channel's events and moves the cursor from `from` to `to`, in one transaction. Throws
 * `conflict` (nothing applied) when the cursor is no longer `from`: another process moved it.
 */
export const applyOrderPage = async (
  deps: InventoryDeps,
  tenantId: string,
  channel: ListingChannel,
  page: { from: string | null; to: string; events: readonly ChannelOrderEvent[] },
  lease: { holder: string; until: Date },
  signal?: AbortSignal,
): Promise<AppliedPage> => {
  const now = deps.clock.now();
  const actor = orderActor(channel);
  const result = await deps.store.transaction(async (unit) => {
    const out: AppliedPage = { changed: [], recorded: 0, duplicates: 0, applied: 0, oversold: [], ignored: [] };
    const listings = new Map((await unit.listingsByExternalId(tenantId, channel, [...new Set(page.events.map((e) => e.externalId))])).map((l) => [l.externalId, l]));
    const items = new Map((await unit.getItems(tenantId, [...new Set([...listings.values()].map((l) => l.sku))])).map((i) => [i.sku, i]));
    const plain = [...new Set([...items.values()].flatMap((i) => drawsOf(i).map((d) => d.sku)))];
    // Every SKU the page may change, locked once in SKU order (as reservations lock), so the two never deadlock.
    const stock: Counts = new Map((await unit.lockItems(tenantId, plain)).map((i) => [i.sku, { onHand: i.onHand, reserved: i.reserved, changed: false }]));

    const records: { event: ChannelOrderEvent; record: OrderEventRecord; item: StockItem | undefined }[] = [];
    const firstOfKey = new Set<string>();
    for (const event of page.events) {
      if (firstOfKey.has(event.key)) {
        out.duplicates++;
        continue;
      }
      firstOfKey.add(event.key);
      const listing = listings.get(event.externalId);
      const item = listing ? items.get(listing.sku) : undefined;
      // A quantity no SKU could hold is refused here: it would fail the page's transaction on every poll.
      const most = item ? Math.max(...drawsOf(item).map((d) => d.units)) : 1;
      const note = !listing
        ? `no listing ${event.externalId} on ${channel}`
        : !validQuantity(event.quantity) || !validQuantity(event.quantity * most)
          ? `quantity ${event.quantity} is not a positive whole number of at most ${Math.floor(MAX_ON_HAND / most)}`
          : null;
      // Stored as given when the columns can hold it (else 0 and now; the note says what came): a value the table
      // refuses would fail the page on every poll.
      const record: OrderEventRecord = {
        channel, key: event.key, kind: event.kind, externalId: event.externalId, quantity: Number.isSafeInteger(event.quantity) && Math.abs(event.quantity) <= MAX_ON_HAND ? event.quantity : 0,
        orderId: event.orderId, at: event.at instanceof Date && !Number.isNaN(event.at.getTime()) ? event.at : now,
        outcome: note || !item ? 'ignored' : 'applied', sku: listing?.sku ?? null, shortfall: [], note, recordedAt: now,
      };
      records.push({ event, record, item });
    }
    // The unique key decides who applies an event: only the keys this insert wrote are applied; a replay (or a
    // racing process's, once the first commits) is left out. One statement for the page.
    const written = await unit.recordOrderEvents(tenantId, records.map((r) => r.record));

    for (const { event, record, item } of records) {
      if (!written.has(event.key)) {
        out.duplicates++;
        continue;
      }
      out.recorded++;
      if (record.outcome === 'ignored' || !item) {
        out.ignored.push(record);
        continue;
      }
      const needs = drawsOf(item).map((d) => ({ sku: d.sku, units: d.units * event.quantity })).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
      const shortfall = event.kind === 'sale' ? await sell(unit, tenantId, stock, needs, event, actor, now) : await restock(unit, tenantId, channel, stock, needs, event, actor, now);
      if (shortfall.length) {
        record.shortfall = shortfall;
        if (event.kind === 'sale') {
          record.outcome = 'oversold';
          record.note = `sold ${event.quantity} on ${channel} with too little free stock: ${shortfall.map((s) => `${s.sku} short ${s.units}`).join(', ')}`;
        } else {
          record.note = `not put back (the oversold sale never drew them): ${shortfall.map((s) => `${s.sku} ${s.units}`).join(', ')}`;
        }
        await unit.settleOrderEvent(tenantId, channel, event.key, { outcome: record.outcome, shortfall, note: record.note });
      }
      if (record.outcome === 'oversold') out.oversold.push(record);
      else out.applied++;
    }
    out.changed = [...stock.keys()].filter((sku) => stock.get(sku)!.changed);
    if (!(await unit.advanceOrderCursor(tenantId, channel, page.from, page.to, lease.holder, lease.until))) {
      throw new DomainError('conflict', `The ${channel} order cursor was moved by another poller; nothing of this page was applied`, { details: { channel } });
    }
    return out;
  }, signal ? { signal } : undefined);
  // The other channels are pushed what these SKUs (and the bundles drawing on them) may now sell.
  if (result.changed.length > 0) deps.changes?.stockChanged(tenantId, result.changed);
  return result;
};

type Counts = Map<string, { onHand: number; reserved: number; changed: boolean }>;

/** Draws what is free of each SKU; answers what could not be drawn. */
const sell = async (unit: InventoryUnit, tenantId: string, stock: Counts, needs: OrderShortfall[], event: ChannelOrderEvent, actor: string, at: Date): Promise<OrderShortfall[]> => {
  const short: OrderShortfall[] = [];
  for (const need of needs) {
    const counts = stock.get(need.sku) ?? { onHand: 0, reserved: 0, changed: false };
    const take = Math.min(need.units, Math.max(0, counts.onHand - counts.reserved));
    if (take > 0) {
      const entry = await unit.applyChange({ tenantId, sku: need.sku, onHandDelta: -take, reservedDelta: 0, reason: 'sale', actor, reference: event.orderId, at });
      stock.set(need.sku, { onHand: entry.onHandAfter, reserved: entry.reservedAfter, changed: true });
    }
    if (take < need.units) short.push({ sku: need.sku, units: need.units - take });
  }
  return short;
};

/**
 * Puts back what a cancel or return brings, less what the order's sale on this listing never drew (its shortfall
 * not yet settled by an earlier cancel or return); answers those withheld units.
 */
const restock = async (
  unit: InventoryUnit, tenantId: string, channel: ListingChannel, stock: Counts, needs: OrderShortfall[], event: ChannelOrderEvent, actor: string, at: Date,
): Promise<OrderShortfall[]> => {
  const open = new Map<string, number>();
  for (const e of await unit.orderEventsOf(tenantId, channel, event.orderId, event.externalId)) {
    if (e.key === event.key) continue;
    const sign = e.kind === 'sale' ? 1 : -1;
    for (const s of e.shortfall) open.set(s.sku, (open.get(s.sku) ?? 0) + sign * s.units);
  }
  const withheld: OrderShortfall[] = [];
  for (const need of needs) {
    const settle = Math.min(need.units, Math.max(0, open.get(need.sku) ?? 0));
    if (settle > 0) withheld.push({ sku: need.sku, units: settle });
    const back = need.units - settle;
    if (back > 0 && stock.has(need.sku)) {
      const entry = await unit.applyChange({ tenantId, sku: need.sku, onHandDelta: back, reservedDelta: 0, reason: event.kind === 'return' ? 'return' : 'cancel', actor, reference: event.orderId, at });
      stock.set(need.sku, { onHand: entry.onHandAfter, reserved: entry.reservedAfter, changed: true });
    }
  }
  return withheld;
};

export interface PollOptions {
  /** Who polls (one per process): a lease held by another holder makes this poll skip the channel. */
  holder: string;
  /** How long a lease lasts without progress; each committed page extends it. */
  leaseMs?: number;
  /** Pages read at most in this poll (the next poll goes on). */
  maxPages?: number;
  /**
   * What the tenant's connection on the channel looks like now (e.g. its id and status). A channel stopped for a
   * missing or refused connection is polled again once this changes, else after `blockedRetryMs`.
   */
  connectionMarker?: () => Promise<string>;
  blockedRetryMs?: number;
  signal?: AbortSignal;
}

export const ORDER_LEASE_MS = 120_000;
export const ORDER_MAX_PAGES = 20;
export const ORDER_BLOCKED_RETRY_MS = 3_600_000;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/**
 * Polls one channel's orders for a tenant: leases its cursor (another process polling it makes this one skip),
 * reads pages from the cursor until the feed says no more (at most `maxPages`), and applies each page with its
 * cursor move. Feed failures are reported and recorded on the cursor; a missing or refused connection stops the
 * channel until the connection changes. Store failures are thrown (nothing of the failed page is applied).
 */
export const pollOrders = async (deps: InventoryDeps, tenantId: string, channel: ListingChannel, options: PollOptions): Promise<OrderPollResult> => {
  const result: OrderPollResult = { channel, skipped: null, pages: 0, recorded: 0, applied: 0, oversold: [], ignored: [], caughtUp: false, failure: null };
  const feed = deps.orderFeeds?.[channel];
  if (!feed) return { ...result, failure: { kind: 'no_connection', message: `${channel} orders are not available on this server` } };
  const leaseMs = options.leaseMs ?? ORDER_LEASE_MS;
  const start = deps.clock.now();
  const leased = await deps.store.leaseOrderCursor(tenantId, channel, options.holder, start, new Date(start.getTime() + leaseMs));
  if (!leased) return { ...result, skipped: 'leased' };

  let blocked = leased.blocked;
  let blockedMarker = leased.blockedMarker;
  let blockedAt = leased.blockedAt;
  let lastError: string | null = null;
  try {
    if (blocked) {
      const due = blockedAt === null || start.getTime() - blockedAt.getTime() >= (options.blockedRetryMs ?? ORDER_BLOCKED_RETRY_MS);
      const marker = options.connectionMarker ? await options.connectionMarker() : null;
      if (!due && (marker === null || marker === blockedMarker)) {
        lastError = leased.lastError;
        result.skipped = 'blocked';
      } else {
        blocked = null;
        blockedMarker = null;
        blockedAt = null;
      }
    }
    let cursor = leased.cursor;
    const maxPages = options.maxPages ?? ORDER_MAX_PAGES;
    while (!result.skipped && result.pages < maxPages) {
      let page: OrderFeedPage;
      try {
        page = await feed.next(tenantId, cursor, leased.since, options.signal);
      } catch (error) {
        const rejected = isDomainError(error) && error.code === 'upstream_failed' && error.details?.rejected === true;
        const missing = isDomainError(error) && error.code === 'not_found';
        result.failure = { kind: rejected ? 'rejected' : missing ? 'no_connection' : 'failed', message: messageOf(error) };
        lastError = result.failure.message;
        if (rejected || missing) {
          blocked = rejected ? 'rejected' : 'no_connection';
          blockedAt = deps.clock.now();
          blockedMarker = options.connectionMarker ? await options.connectionMarker().catch(() => null) : null;
        }
        break;
      }
      if (page.events.length || page.cursor !== cursor) {
        const now = deps.clock.now();
        const applied = await applyOrderPage(deps, tenantId, channel, { from: cursor, to: page.cursor, events: page.events }, { holder: options.holder, until: new Date(now.getTime() + leaseMs) }, options.signal);
        result.recorded += applied.recorded;
        result.applied += applied.applied;
        result.oversold.push(...applied.oversold);
        result.ignored.push(...applied.ignored);
        cursor = page.cursor;
      }
      result.pages++;
      if (!page.more) {
        result.caughtUp = true;
        break;
      }
    }
  } catch (error) {
    // The failed page changed nothing; give the lease back so the next poll (any process) goes on at once.
    await deps.store.releaseOrderCursor(tenantId, channel, options.holder, { polledAt: deps.clock.now(), lastError: messageOf(error), blocked, blockedMarker, blockedAt }).catch(() => {});
    throw error;
  }
  await deps.store.releaseOrderCursor(tenantId, channel, options.holder, { polledAt: deps.clock.now(), lastError, blocked, blockedMarker, blockedAt });
  return result;
};

/**
 * One poll of the tenant's channels now (the endpoint and `sellpo inventory poll`): each channel with listings,
 * or only those asked. A channel without a feed on this server answers `no_connection`; one another process is
 * polling answers `skipped: leased`.
 */
export const pollTenantOrders = async (deps: InventoryDeps, tenantId: string, input: { channels?: ListingChannel[] | undefined } = {}, signal?: AbortSignal): Promise<OrderPollResult[]> => {
  const targets = await deps.store.orderPollTargets(input.channels ?? listingChannels, tenantId);
  const holder = `request:${crypto.randomUUID()}`;
  const results: OrderPollResult[] = [];
  for (const { channel } of targets) results.push(await pollOrders(deps, tenantId, channel, { holder, ...(signal ? { signal } : {}) }));
  return results;
};

/** The tenant's oversold and ignored channel order events, newest first. */
export const listOrderEventsNeedingAttention = (deps: InventoryDeps, tenantId: string, page: PageRequest): Promise<Page<OrderEventRecord>> =>
  deps.store.orderEventsNeedingAttention(tenantId, page);
