/**
 * The inventory context's data: one physical stock per SKU, bundles drawn from it, an append-only ledger that
 * explains every change, reservations that hold stock for an order, and the channel listings that sell it.
 */

/** Why onHand or reserved changed. `reservation` and `release` are written by reservations only. */
export const ledgerReasons = ['receipt', 'adjustment', 'sale', 'cancel', 'return', 'reservation', 'release', 'sync_correction'] as const;
export type LedgerReason = (typeof ledgerReasons)[number];

/** The reasons a caller may give a manual adjustment (reservations write the others themselves). */
export const adjustmentReasons = ['receipt', 'adjustment', 'sale', 'cancel', 'return', 'sync_correction'] as const;
export type AdjustmentReason = (typeof adjustmentReasons)[number];

export const listingChannels = ['naver_smart_store', 'coupang_wing', 'coupang_rocket_growth'] as const;
export type ListingChannel = (typeof listingChannels)[number];

export interface BundleComponent {
  sku: string;
  quantity: number;
}

/** A stock-keeping unit as stored: a plain SKU holds stock; a bundle has none and lists its components. */
export interface StockItem {
  tenantId: string;
  sku: string;
  name: string;
  kind: 'sku' | 'bundle';
  /** Plain SKUs only (0 for bundles). */
  onHand: number;
  reserved: number;
  /** Units kept back from every channel (plain SKUs; 0 for bundles). */
  safetyStock: number;
  /** Bundles only (empty for plain SKUs). */
  components: BundleComponent[];
  createdAt: Date;
  updatedAt: Date;
}

/**
 * One thing a channel's order feed reports that moves stock: units sold through a listing, or units coming back
 * (a cancel before shipping, a completed return). `key` is unique per channel for this effect (e.g. Naver
 * `productOrderId:sale`, Wing `shipmentBoxId:vendorItemId:sale` or `receiptId:vendorItemId:cancel`), so an event
 * seen twice is applied once.
 */
export interface ChannelOrderEvent {
  key: string;
  kind: 'sale' | 'cancel' | 'return';
  /** The listing's externalId on that channel (see Listing). */
  externalId: string;
  /** Units of the listing (a bundle listing's units draw each component times its quantity). */
  quantity: number;
  /** The provider's order id, kept as the ledger entry's reference. */
  orderId: string;
  at: Date;
}

/** What a channel was last told about one listing of this SKU or bundle. */
export interface ChannelQuantity {
  channel: ListingChannel;
  externalId: string;
  pushedQuantity: number | null;
  pushedAt: Date | null;
}

/** A SKU or bundle as the API shows it: stock, availability and what each channel was told. */
export interface StockView {
  sku: string;
  name: string;
  kind: 'sku' | 'bundle';
  /** Plain SKUs: units in the warehouse. Bundles: null (a bundle has no stock of its own). */
  onHand: number | null;
  /** Plain SKUs: units held by open reservations. Bundles: null. */
  reserved: number | null;
  /** onHand - reserved; for a bundle, min over components of floor(available / quantity). */
  available: number;
  safetyStock: number;
  components: BundleComponent[] | null;
  channels: ChannelQuantity[];
  createdAt: Date;
  updatedAt: Date;
}

export interface NewSkuInput {
  sku: string;
  name: string;
  onHand?: number | undefined;
  safetyStock?: number | undefined;
}

export interface NewBundleInput {
  sku: string;
  name: string;
  components: BundleComponent[];
}

export interface LedgerEntry {
  /** 1, 2, 3, ... within the SKU (the order of its entries). */
  seq: number;
  sku: string;
  onHandDelta: number;
  reservedDelta: number;
  reason: LedgerReason;
  /** Who made the change: the credential's actor id, `system` for the expiry purge. */
  actor: string;
  /** What it belongs to: an order id, a reservation reference, a receipt number. */
  reference: string | null;
  /** onHand and reserved just after this entry. */
  onHandAfter: number;
  reservedAfter: number;
  at: Date;
}

export interface AdjustmentInput {
  delta: number;
  reason: AdjustmentReason;
  reference?: string | undefined;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type ReservationState = 'held' | 'confirmed' | 'released';

export interface ReservationLine {
  sku: string;
  quantity: number;
}

export interface Reservation {
  id: string;
  tenantId: string;
  reference: string;
  state: ReservationState;
  /** The lines as asked (SKUs or bundles). */
  lines: ReservationLine[];
  /** What they hold of each plain SKU, bundles expanded into their components (sorted by SKU). */
  holds: ReservationLine[];
  expiresAt: Date;
  createdAt: Date;
  /** When it was confirmed or released (null while held). */
  closedAt: Date | null;
  /** Why it was released: `released` by a caller, `expired` by the purge; null otherwise. */
  releaseCause: 'released' | 'expired' | null;
}

export interface ReserveInput {
  reference: string;
  lines: ReservationLine[];
  /** How long the hold lasts before the purge releases it. */
  ttlSeconds?: number | undefined;
}

/** One SKU a reservation could not hold: what it asked of the SKU and what was there. */
export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

export interface Listing {
  tenantId: string;
  channel: ListingChannel;
  externalId: string;
  sku: string;
  bufferUnits: number;
  allocationPercent: number;
  /** The quantity last pushed to the channel successfully (null: never pushed). */
  pushedQuantity: number | null;
  pushedAt: Date | null;
  /** What the channel said when last read back. */
  channelQuantity: number | null;
  checkedAt: Date | null;
  /** The last push or read failure, kept until one succeeds. */
  lastError: string | null;
  createdAt: Date;
}

export interface ListingInput {
  sku: string;
  channel: ListingChannel;
  externalId: string;
  bufferUnits?: number | undefined;
  allocationPercent?: number | undefined;
}

export interface ListingView {
  channel: ListingChannel;
  externalId: string;
  sku: string;
  bufferUnits: number;
  allocationPercent: number;
  /** What the listing may sell now: see sellableQuantity in sellable.ts. */
  sellable: number;
  pushedQuantity: number | null;
  pushedAt: Date | null;
  channelQuantity: number | null;
  checkedAt: Date | null;
  lastError: string | null;
}

/** One listing whose channel disagrees with us after a sync. */
export interface Drift {
  channel: ListingChannel;
  externalId: string;
  sku: string;
  channelQuantity: number;
  ourQuantity: number;
  /** Our quantity was pushed over it in this sync (a writable channel showing more than we can sell). */
  corrected: boolean;
}

export interface SyncFailure {
  channel: ListingChannel;
  externalId: string | null;
  sku: string | null;
  /** `rejected`: the connection's credentials were refused (not retried until renewed); `no_connection`; `failed`: retried next sync. */
  kind: 'rejected' | 'no_connection' | 'failed';
  message: string;
}

/** The result of one sync run. */
export interface SyncResult {
  startedAt: Date;
  finishedAt: Date;
  listings: number;
  pushed: number;
  unchanged: number;
  drift: Drift[];
  failures: SyncFailure[];
}

export interface SyncInput {
  /** Only these channels (default every channel with listings). */
  channels?: ListingChannel[] | undefined;
}

/**
 * What became of one channel order event, recorded once per (tenant, channel, key). `applied`: its change is in
 * the ledger. `oversold`: a sale larger than the free stock (onHand - reserved) of a SKU it draws; the free units
 * are in the ledger, the rest is `shortfall`. `ignored`: no listing has that externalId (or the quantity is not a
 * positive whole number); recorded so it is not retried, and reported.
 */
export type OrderEventOutcome = 'applied' | 'oversold' | 'ignored';

export interface OrderShortfall {
  sku: string;
  units: number;
}

export interface OrderEventRecord {
  channel: ListingChannel;
  key: string;
  kind: ChannelOrderEvent['kind'];
  externalId: string;
  quantity: number;
  orderId: string;
  at: Date;
  outcome: OrderEventOutcome;
  /** The SKU or bundle the listing sells (null when ignored). */
  sku: string | null;
  /**
   * A sale: the units of each plain SKU it could not draw. A cancel or return: the units not put back because the
   * order's sale never drew them (they settle that sale's shortfall).
   */
  shortfall: OrderShortfall[];
  /** Why it was ignored or oversold, in words. */
  note: string | null;
  recordedAt: Date;
}

/** How far one channel's order feed has been read for a tenant, and whether polling it is stopped. */
export interface OrderCursor {
  tenantId: string;
  channel: ListingChannel;
  /** The feed's opaque position (null before the first page). */
  cursor: string | null;
  /** Where the first poll starts: when the cursor was made. */
  since: Date;
  leasedBy: string | null;
  leasedUntil: Date | null;
  polledAt: Date | null;
  lastError: string | null;
  /** The connection was missing or refused: not polled until it changes (or the retry time passes). */
  blocked: 'no_connection' | 'rejected' | null;
  blockedMarker: string | null;
  blockedAt: Date | null;
}

/** The result of polling one channel's orders for a tenant. */
export interface OrderPollResult {
  channel: ListingChannel;
  /** `leased`: another process is polling it; `blocked`: its connection is missing or refused and unchanged. */
  skipped: 'leased' | 'blocked' | null;
  pages: number;
  /** New events recorded (a replayed key is not counted). */
  recorded: number;
  applied: number;
  oversold: OrderEventRecord[];
  ignored: OrderEventRecord[];
  /** The feed caught up (its last page said no more). */
  caughtUp: boolean;
  failure: { kind: 'rejected' | 'no_connection' | 'failed'; message: string } | null;
}

/** A sync of one tenant run as a job: queued, running, then done (with its result) or failed. */
export interface SyncJob {
  id: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  channels: ListingChannel[] | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  result: SyncResult | null;
  /** Why it failed (not a channel's failure: those are in the result). */
  error: string | null;
}

/** What one push after a stock change did (see push.ts). */
export interface PushOutcome {
  pushed: number;
  unchanged: number;
  /** Listings whose push failed: retried later. */
  failed: SyncFailure[];
  /** Channels whose connection is missing or refused: not pushed again until the connection works. */
  stopped: SyncFailure[];
}
