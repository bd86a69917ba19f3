/** Where a figure came from: the provider operation, when the provider produced it, and whether we served it from cache. */
export interface Provenance {
  /** The provider and operation, e.g. `naver-openapi:shopping-search`, `coupang-wing:seller-products`, `1688:product.search.keywordQuery`. */
  source: string;
  /** ISO 8601 instant the provider answered (kept when served from cache). */
  asOf: string;
  cached: boolean;
}

/** A provider's data with its provenance. */
export type Sourced<T> = Provenance & { data: T };
