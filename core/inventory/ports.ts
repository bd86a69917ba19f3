/**
 * Ports of the inventory context: the stock store (one transaction at a time) and each channel's stock API as
 * the tenant's connection reaches it. The data they carry is in model.ts.
 */
import type { Clock } from '../shared/clock.ts';
import type {
  ChannelOrderEvent, LedgerEntry, LedgerReason, Listing, ListingChannel, OrderCursor, OrderEventOutcome, OrderEventRecord, Page, PageRequest, Reservation, StockItem,
  SyncInput, SyncJob, SyncResult,
} from './model.ts';

export interface StockChange {
  tenantId: string;
  sku: string;
  onHandDelta: number;
  reservedDelta: number;
  reason: LedgerReason;
  actor: string;
  reference: string | null;
  at: Date;
}

/** Reads and writes of one transaction (or autocommit outside one). */
export interface InventoryUnit {
  getItem(tenantId: string, sku: string): Promise<StockItem | null>;
  /** The items that exist among `skus`, locked for this transaction (FOR UPDATE), in SKU order so lockers never deadlock. */
  lockItems(tenantId: string, skus: readonly string[]): Promise<StockItem[]>;
  getItems(tenantId: string, skus: readonly string[]): Promise<StockItem[]>;
  /** False when the tenant already has an item with that SKU. */
  insertItem(item: StockItem): Promise<boolean>;
  /**
   * Changes a plain SKU's onHand and reserved by the deltas and appends the ledger entry saying why, in one
   * statement pair; the caller has locked the row.
   */
  applyChange(change: StockChange): Promise<LedgerEntry>;
  listItems(tenantId: string, page: PageRequest): Promise<Page<StockItem>>;
  /** Newest first. */
  ledger(tenantId: string, sku: string, page: PageRequest): Promise<Page<LedgerEntry>>;

  /** False when the tenant already has a reservation with this reference. */
  insertReservation(reservation: Reservation): Promise<boolean>;
  reservationByReference(tenantId: string, reference: string): Promise<Reservation | null>;
  /** The reservation locked for this transaction (FOR UPDATE). */
  lockReservation(tenantId: string, id: string): Promise<Reservation | null>;
  closeReservation(tenantId: string, id: string, state: 'confirmed' | 'released', cause: 'released' | 'expired' | null, at: Date): Promise<void>;
  /** Held reservations past their expiry that no other transaction holds (FOR UPDATE SKIP LOCKED), oldest first. */
  claimExpired(now: Date, limit: number): Promise<Reservation[]>;

  /** Inserts the listing, or when (channel, externalId) exists, returns the stored one unchanged. */
  insertListing(listing: Listing): Promise<{ created: boolean; listing: Listing }>;
  updateListingSettings(tenantId: string, channel: ListingChannel, externalId: string, settings: { bufferUnits: number; allocationPercent: number }): Promise<Listing>;
  /**
   * Every listing of the tenant, by channel then external id; optionally only those selling one of `skus`, only
   * those whose sellable quantity `affectedBy` a change of these plain SKUs (listings of them and of bundles
   * containing them), only on `channels`.
   */
  listings(tenantId: string, filter?: { skus?: readonly string[]; affectedBy?: readonly string[]; channels?: readonly ListingChannel[] }): Promise<Listing[]>;
  /** Tenants with at least one listing (for the periodic sync), by tenant id. */
  tenantsWithListings(): Promise<string[]>;
  recordPush(tenantId: string, channel: ListingChannel, externalId: string, quantity: number, at: Date): Promise<void>;
  recordCheck(tenantId: string, channel: ListingChannel, externalId: string, outcome: { channelQuantity: number | null; error: string | null; at: Date }): Promise<void>;
  /** The listings of one channel with these external ids (those that exist). */
  listingsByExternalId(tenantId: string, channel: ListingChannel, externalIds: readonly string[]): Promise<Listing[]>;

  /**
   * Records channel order events (distinct keys) in one statement; answers the keys it wrote. A key recorded
   * already is left as it is and not answered; a concurrent transaction recording the same key meanwhile makes
   * this one wait on the unique index, then find it recorded.
   */
  recordOrderEvents(tenantId: string, events: readonly OrderEventRecord[]): Promise<Set<string>>;
  /** Sets what became of a recorded event (after its stock changes). */
  settleOrderEvent(tenantId: string, channel: ListingChannel, key: string, outcome: { outcome: OrderEventOutcome; shortfall: OrderEventRecord['shortfall']; note: string | null }): Promise<void>;
  /** The recorded events of one order on one listing, oldest first (a cancel or return looks at its sale). */
  orderEventsOf(tenantId: string, channel: ListingChannel, orderId: string, externalId: string): Promise<OrderEventRecord[]>;
  /** The tenant's oversold and ignored events, newest first; the cursor is the previous page's nextCursor. */
  orderEventsNeedingAttention(tenantId: string, page: PageRequest): Promise<Page<OrderEventRecord>>;

  /**
   * Makes the cursor row if missing (`since` = now) and leases it to `holder` until `until` unless another holder's
   * lease is still running (then null).
   */
  leaseOrderCursor(tenantId: string, channel: ListingChannel, holder: string, now: Date, until: Date): Promise<OrderCursor | null>;
  /**
   * Moves the cursor from `from` to `to` (compare and set) and extends the holder's lease; false when the cursor is
   * no longer `from` (another process moved it): the caller rolls its transaction back.
   */
  advanceOrderCursor(tenantId: string, channel: ListingChannel, from: string | null, to: string, holder: string, leaseUntil: Date): Promise<boolean>;
  /** Ends the holder's lease and records how the poll went. */
  releaseOrderCursor(
    tenantId: string, channel: ListingChannel, holder: string,
    outcome: { polledAt: Date; lastError: string | null; blocked: OrderCursor['blocked']; blockedMarker: string | null; blockedAt: Date | null },
  ): Promise<void>;
  orderCursor(tenantId: string, channel: ListingChannel): Promise<OrderCursor | null>;
  /** Every (tenant, channel) with listings on one of `channels` (of one tenant when given): what the order poller visits. */
  orderPollTargets(channels: readonly ListingChannel[], tenantId?: string): Promise<{ tenantId: string; channel: ListingChannel }[]>;
}

export interface InventoryStore extends InventoryUnit {
  transaction<T>(work: (unit: InventoryUnit) => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
}

/**
 * One channel's stock API, acting as the tenant through its connection. Implementations pace their calls to the
 * provider's limit for that seller (adapters/providers rateLimiter: Naver Commerce 20 rps per application, Wing
 * about 10 rps per vendor, Rocket Growth 50 calls a minute) and open the connection on each run, so a renewed
 * one is used at once.
 *
 * Errors: `DomainError('not_found')` when the tenant has no connection on the channel, `'upstream_failed'` with
 * `details.rejected: true` when the provider refused the connection's credentials (the adapter has marked the
 * connection rejected; the sync does not retry it), anything else is a failure of that one listing, retried by
 * the next sync.
 */
export interface ChannelStock {
  /**
   * Optional: true when the channel's stock is not the seller's to set (Coupang Rocket Growth: units in Coupang's
   * warehouse). The sync then never pushes its listings, only reads them back (a difference is reported as drift),
   * and `push` refuses with `DomainError('invalid')`.
   */
  readOnly?: boolean;
  /** Sets the listing's sellable quantity on the channel. */
  push(tenantId: string, externalId: string, quantity: number, signal?: AbortSignal): Promise<void>;
  /**
   * Optional: sets several listings in as few provider calls as the provider allows (Naver Commerce: the options
   * of one origin product in one option-stock call). Answers the error of each listing that failed; a listing
   * absent from the answer was set. Connection problems (`not_found`, rejected) are thrown, as for push.
   */
  pushMany?(tenantId: string, items: readonly { externalId: string; quantity: number }[], signal?: AbortSignal): Promise<Map<string, unknown>>;
  /** What the channel shows for each listing it knows (a listing it does not know is absent from the map). */
  read(tenantId: string, externalIds: readonly string[], signal?: AbortSignal): Promise<Map<string, number>>;
}

/**
 * What one channel says happened to the tenant's orders since a cursor, as stock events. The adapter owns the
 * cursor's meaning (Wing: the end of the last timeFrame window read; Naver: lastChangedFrom plus moreSequence) and
 * encodes it as an opaque string; the poller stores it in the same transaction as the events' effects, so a
 * cursor never moves past an event that was not applied.
 *
 * Errors as for ChannelStock: `not_found` (no connection), `upstream_failed` with `details.rejected` (refused
 * credentials; the poller stops for that channel until renewed), anything else is retried on the next tick.
 */
export interface OrderFeed {
  /**
   * The next page of events after `cursor` (null: start at `since`, the first poll of a connection), oldest first,
   * with the cursor that follows them. `more` says another page is ready now (paging, or a window not caught up).
   */
  next(tenantId: string, cursor: string | null, since: Date, signal?: AbortSignal): Promise<OrderFeedPage>;
}

export interface OrderFeedPage {
  events: ChannelOrderEvent[];
  cursor: string;
  more: boolean;
}

/**
 * Told after a committed change that moves what channels may sell (stock, holds, a new listing), so the channels
 * can be pushed soon after instead of at the next periodic sync. Absent where nothing pushes (no channel adapter,
 * or a process without background work).
 */
export interface StockChanges {
  /** `skus`: the plain SKUs (or listed bundles) whose stock changed; absent: anything of the tenant may have. */
  stockChanged(tenantId: string, skus?: readonly string[]): void;
}

/** A sync of one tenant as a queued job (see SyncJob in model.ts). One is queued or running per tenant at most. */
export interface SyncJobs {
  /**
   * Queues a sync of the tenant, or answers the one already queued or running (`created: false`). `direct`: the
   * caller runs it now itself (the job is held from the workers; the caller ends it with finish or fail).
   */
  enqueue(tenantId: string, input: SyncInput, options?: { direct?: boolean }): Promise<{ job: SyncJob; created: boolean }>;
  /** The tenant's job; null when there is none with this id for this tenant. */
  get(tenantId: string, id: string): Promise<SyncJob | null>;
  /** Ends a job the caller ran directly. */
  finish(id: string, result: SyncResult): Promise<void>;
  fail(id: string, message: string): Promise<void>;
}

export interface InventoryPorts {
  store: InventoryStore;
  changes?: StockChanges;
  /** Where syncs are queued; absent where they cannot be (then a sync runs inside the request). */
  syncJobs?: SyncJobs;
  /** The channels this server can reach; a channel missing here is reported as not connected by a sync. */
  channels: Partial<Record<ListingChannel, ChannelStock>>;
  /** The channels whose orders this server can read; a channel missing here is not polled. */
  orderFeeds?: Partial<Record<ListingChannel, OrderFeed>>;
  policy: InventoryPolicy;
}

export interface InventoryPolicy {
  /** How long a reservation holds stock when the caller does not say (seconds). */
  defaultReservationSeconds: number;
  /** The longest hold a caller may ask for (seconds). */
  maxReservationSeconds: number;
}

export interface InventoryDeps extends InventoryPorts {
  clock: Clock;
}
