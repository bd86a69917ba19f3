/**
 * The Coupang context's vocabulary: Partners product search (the operator's affiliate key), a seller's own Wing
 * account (products, stock, orders, returns, revenue, through the tenant's connection), and the cross-market view
 * of one keyword on Naver and Coupang. Ids are strings: Wing's shipmentBoxId has 18 digits.
 */

import type { Provenance, Sourced } from '../shared/provenance.ts';

export type { Provenance, Sourced };

export const SOURCES = {
  productSearch: 'coupang-partners:product-search',
  sellerProducts: 'coupang-wing:seller-products',
  sellerProduct: 'coupang-wing:seller-product',
  orderSheets: 'coupang-wing:ordersheets',
} as const;

// ---- Partners product search ---------------------------------------------------------------------------------

export interface ProductSearchQuery {
  keyword: string;
  /** 1..10: Partners serves the top results only. */
  limit: number;
}

export interface CoupangProduct {
  productId: string;
  name: string;
  /** Won. */
  price: number;
  rocket: boolean;
  freeShipping: boolean;
  ad: boolean;
  /** 1-based position in Coupang's results. */
  rank: number;
  url: string;
  image: string;
}

export interface ProductSearchResult {
  keyword: string;
  /** Coupang's search page for the keyword (an affiliate link). */
  landingUrl: string;
  items: CoupangProduct[];
}

// ---- Wing: the seller's own account --------------------------------------------------------------------------

/** The seller's Wing account as the adapter signs with it (from the tenant's connection). */
export interface WingAccount {
  vendorId: string;
  accessKey: string;
  secretKey: string;
}

/** One page of a Wing listing and the token of the next (null on the last page). */
export interface Page<T> {
  items: T[];
  nextToken: string | null;
}

export interface SellerProductSummary {
  sellerProductId: string;
  sellerProductName: string;
  /** Coupang's catalogue product id, once matched. */
  productId: string | null;
  displayCategoryCode: string | null;
  brand: string | null;
  statusName: string;
  createdAt: string | null;
  saleStartedAt: string | null;
  saleEndedAt: string | null;
}

export interface SellerProductItem {
  /** The option id on Coupang (orders, stock and prices name it). */
  vendorItemId: string;
  itemName: string;
  /** Won. */
  originalPrice: number | null;
  salePrice: number | null;
  maximumBuyCount: number | null;
  externalVendorSku: string | null;
}

export interface SellerProduct extends SellerProductSummary {
  items: SellerProductItem[];
}

export interface SellerProductsQuery {
  /** 1..100 per page. */
  limit: number;
  nextToken?: string;
}

export interface ItemInventory {
  vendorItemId: string;
  sellerItemId: string | null;
  amountInStock: number;
  salePrice: number | null;
  onSale: boolean;
}

/** One Rocket Growth item's stock in Coupang's warehouse: read only, the seller cannot set it. */
export interface RocketGrowthStock {
  vendorItemId: string;
  externalSkuId: string | null;
  /** inventoryDetails.totalOrderableQuantity: what buyers may order now. */
  orderableQuantity: number;
}

export interface RocketGrowthStockQuery {
  /** Only this item (one call); otherwise every item, paged by nextToken. */
  vendorItemId?: string;
  nextToken?: string;
}

export const ORDER_STATUSES = ['ACCEPT', 'INSTRUCT', 'DEPARTURE', 'DELIVERING', 'FINAL_DELIVERY', 'NONE_TRACKING'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderItem {
  vendorItemId: string;
  vendorItemName: string;
  productId: string | null;
  sellerProductId: string;
  sellerProductName: string;
  sellerProductItemName: string | null;
  externalVendorSkuCode: string | null;
  /** Units shipped, net of cancels. */
  shippingCount: number;
  /** Unit price, won. */
  salesPrice: number;
  /** salesPrice x shippingCount. */
  orderPrice: number;
  discountPrice: number;
  cancelCount: number;
  holdCountForCancel: number;
  confirmDate: string | null;
  estimatedShippingDate: string | null;
  canceled: boolean;
}

/** An order sheet (one shipment box). The receiver's personal data is not kept. */
export interface OrderSheet {
  shipmentBoxId: string;
  orderId: string;
  orderedAt: string | null;
  paidAt: string | null;
  status: string;
  shippingPrice: number;
  remotePrice: number;
  deliveryCompanyName: string | null;
  invoiceNumber: string | null;
  deliveredDate: string | null;
  items: OrderItem[];
}

/**
 * Order sheets in a period: `daily` covers KST days `yyyy-MM-dd` (at most 31) and pages by nextToken;
 * `timeFrame` covers KST minutes `yyyy-MM-ddTHH:mm` within 24 hours, in one answer.
 */
export type OrderSheetQuery =
  | { mode: 'daily'; from: string; to: string; status: OrderStatus; nextToken?: string; maxPerPage: number }
  | { mode: 'timeFrame'; from: string; to: string; status: OrderStatus };

export type ReturnStatus = 'RU' | 'UC' | 'CC' | 'PR';

/**
 * Returns by status, or cancels made before shipment (status `CANCEL`: sent as cancelType=CANCEL). Days as for
 * order sheets, or with `timeFrame` KST minutes `yyyy-MM-ddTHH:mm` (searchType=timeFrame), paged alike.
 */
export interface ReturnQuery {
  from: string;
  to: string;
  timeFrame?: boolean;
  status: ReturnStatus | 'CANCEL';
  nextToken?: string;
  maxPerPage: number;
}

export interface ReturnRequest {
  receiptId: string;
  orderId: string;
  receiptType: string;
  receiptStatus: string;
  createdAt: string | null;
  cancelReason: string | null;
  cancelCountSum: number;
  faultByType: string | null;
  items: Array<{ vendorItemId: string; cancelCount: number; purchaseCount: number; shipmentBoxId: string | null }>;
}

export interface RevenueQuery {
  /** KST days, at most 31. */
  from: string;
  to: string;
  /** Empty on the first page. */
  token: string;
  maxPerPage: number;
}

/** One sold or refunded item as Coupang settles it; the fee figures are Coupang's own, never recomputed. */
export interface RevenueItem {
  taxType: string;
  productId: string | null;
  vendorItemId: string;
  vendorItemName: string;
  salePrice: number;
  quantity: number;
  coupangDiscountCoupon: number;
  sellerDiscountCoupon: number;
  saleAmount: number;
  serviceFee: number;
  serviceFeeVat: number;
  /** Percent, ex VAT. */
  serviceFeeRatio: number;
  settlementAmount: number;
  externalSellerSkuCode: string | null;
}

export interface RevenueLine {
  orderId: string;
  saleType: 'SALE' | 'REFUND';
  saleDate: string | null;
  recognitionDate: string | null;
  settlementDate: string | null;
  finalSettlementDate: string | null;
  deliveryFee: { amount: number; fee: number; feeVat: number; feeRatio: number | null } | null;
  items: RevenueItem[];
}

// ---- Orders endpoint -------------------------------------------------------------------------------------------

export interface OrdersQuery {
  /** `yyyy-MM-dd` (whole KST days, at most 31) or `yyyy-MM-ddTHH:mm` (KST minutes, at most 24 hours). */
  from: string;
  to: string;
  status: OrderStatus;
  nextToken?: string;
}

export interface OrdersResult {
  mode: 'daily' | 'timeFrame';
  from: string;
  to: string;
  status: OrderStatus;
  orders: OrderSheet[];
  /** Set when more sheets remain than one answer carries: send it back as `nextToken`. */
  nextToken: string | null;
}

// ---- Cross-market ------------------------------------------------------------------------------------------------

export type Marketplace = 'naver' | 'coupang';

/** Nearest-rank order statistics of the listed prices, won. */
export interface PriceSpread {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

export interface MarketSide {
  /** Listings compared (the first page of the marketplace's search). */
  listings: number;
  /** What the marketplace reports in all for the keyword; null when it does not say (Coupang Partners). */
  totalListings: number | null;
  /** null when no listing had a price. */
  prices: PriceSpread | null;
  /** Share of Rocket listings, 0..1 (2 decimals); null where the marketplace has no such thing (Naver). */
  rocketShare: number | null;
}

export type SidePart =
  | ({ status: 'ok'; data: MarketSide } & Provenance)
  | { status: 'unavailable'; reason: string; problem: string; retryAfterSeconds?: number };

export interface ListingRef {
  id: string;
  title: string;
  price: number;
  url: string;
}

export interface CrossMarketMatch {
  naver: ListingRef;
  coupang: ListingRef & { rocket: boolean };
  /** 0..1, docs/coupang.md "Matching". */
  score: number;
  /** What made it a match: `model` (a shared model number) or `tokens` (title tokens). */
  basis: 'model' | 'tokens';
  /** Coupang minus Naver, won; negative when Coupang is cheaper. */
  priceGap: number;
  /** priceGap over the Naver price, percent, 1 decimal. */
  priceGapPercent: number;
}

export interface CrossMarket {
  keyword: string;
  naver: SidePart;
  coupang: SidePart;
  /** Same products on both, best score first; empty when a side is missing. */
  matches: CrossMarketMatch[];
  missing: Marketplace[];
}
