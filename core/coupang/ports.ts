/**
 * What the Coupang context needs from the outside. Adapters throw DomainError for provider failures: `invalid`
 * for requests Coupang refused (with its code), `not_found` for an id the seller's account does not hold,
 * `rate_limited` for spent quotas and rates (retryAfterSeconds set), `upstream_failed` for outages and refused
 * credentials; a refusal of a seller's credentials carries `details.credentialsRejected: true` and the
 * provider's code, so the use case can mark the connection.
 */
import type {
  ItemInventory,
  OrderSheet,
  OrderSheetQuery,
  Page,
  ProductSearchQuery,
  ProductSearchResult,
  ReturnQuery,
  ReturnRequest,
  RevenueLine,
  RocketGrowthStock,
  RocketGrowthStockQuery,
  RevenueQuery,
  SellerProduct,
  SellerProductsQuery,
  SellerProductSummary,
  Sourced,
  WingAccount,
} from './model.ts';

export interface CallOptions {
  signal?: AbortSignal;
}

/** Coupang Partners search with the operator's key: a tight quota, so answers are cached per keyword. */
export interface ProductSearch {
  search(query: ProductSearchQuery, options?: CallOptions): Promise<Sourced<ProductSearchResult>>;
}

/** A seller's Wing account, signed with the account's own keys; every call names the vendor. */
export interface WingApi {
  sellerProducts(account: WingAccount, query: SellerProductsQuery, options?: CallOptions): Promise<Page<SellerProductSummary>>;
  sellerProduct(account: WingAccount, sellerProductId: string, options?: CallOptions): Promise<SellerProduct>;
  inventory(account: WingAccount, vendorItemId: string, options?: CallOptions): Promise<ItemInventory>;
  /** Sets the item's stock on sale (`PUT .../vendor-items/{vendorItemId}/quantities/{quantity}`, no body). */
  setQuantity(account: WingAccount, vendorItemId: string, quantity: number, options?: CallOptions): Promise<void>;
  /** Rocket Growth warehouse stock (50 calls a minute per vendor): one page, nextToken to go on. */
  rocketGrowthInventory(account: WingAccount, query: RocketGrowthStockQuery, options?: CallOptions): Promise<Page<RocketGrowthStock>>;
  /** Daily mode answers one page (nextToken to go on); timeFrame mode answers the whole window. */
  orderSheets(account: WingAccount, query: OrderSheetQuery, options?: CallOptions): Promise<Page<OrderSheet>>;
  returnRequests(account: WingAccount, query: ReturnQuery, options?: CallOptions): Promise<Page<ReturnRequest>>;
  /** One page; nextToken is null once Coupang says there is no next (`hasNext: false`). */
  revenueHistory(account: WingAccount, query: RevenueQuery, options?: CallOptions): Promise<Page<RevenueLine>>;
}

/** The Coupang context's ports, reached as `ports.coupang`. */
export interface CoupangPorts {
  products: ProductSearch;
  wing: WingApi;
}
