/**
 * What the alibaba context needs from the outside, and what other contexts may use of it (analysis prices a
 * purchase from an offer through `OfferCatalog`). Adapters throw DomainError for provider failures: `not_found` for
 * an offer 1688 does not know, `invalid`/`unprocessable` for requests 1688 refused (with its code), `rate_limited`
 * for spent rates (retryAfterSeconds set), `upstream_failed` for rejected credentials and provider outages.
 */
import type { ImageQuery, ImageSearchResult, KeywordPageQuery, OfferDetail, OfferPage, Sourced, Translation } from './model.ts';

export type { OfferDetail, OfferPriceTier, QuoteType, Sku, Sourced } from './model.ts';

export interface CallOptions {
  signal?: AbortSignal;
}

/** The 1688 cross-border catalogue, searched with the operator's access token. */
export interface OfferCatalog {
  /** One page of offers for a Chinese keyword (cached per query and page). */
  search(query: KeywordPageQuery, options?: CallOptions): Promise<Sourced<OfferPage>>;
  /** One offer's SKUs, tiers, weights and seller (cached; concurrent calls for one offer share a provider call). */
  detail(offerId: string, options?: CallOptions): Promise<Sourced<OfferDetail>>;
  /** Offers that look like an image: uploaded first (base64), or fetched by 1688 from its address. */
  imageSearch(query: ImageQuery, options?: CallOptions): Promise<Sourced<ImageSearchResult>>;
}

/**
 * Turns a Korean product query into Chinese search terms. The glossary adapter ships in the repository and works
 * offline; an LLM adapter can stand in its place where one is configured.
 */
export interface SearchTermTranslator {
  translate(query: string, options?: CallOptions): Promise<Translation>;
}

/** The alibaba context's ports, reached as `ports.alibaba`. */
export interface AlibabaPorts {
  offers: OfferCatalog;
  translator: SearchTermTranslator;
}
