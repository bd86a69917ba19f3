/**
 * What the Naver context needs from the outside. Adapters throw DomainError for provider failures:
 * `invalid`/`unprocessable` for requests the provider refused (with its code), `rate_limited` for spent budgets
 * (retryAfterSeconds set), `upstream_failed` for rejected credentials and provider outages.
 */
import type {
  CategoryKeywordTrendRequest,
  CategoryTrendRequest,
  KeywordToolResult,
  SearchTrendRequest,
  ShoppingQuery,
  ShoppingResult,
  Sourced,
  TrendResult,
} from './model.ts';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ShoppingSearch {
  search(query: ShoppingQuery, options?: CallOptions): Promise<Sourced<ShoppingResult>>;
}

export interface KeywordTool {
  /**
   * Related keywords and volumes for 1..5 hints (already normalised: no spaces, unique). `scope` (the tenant)
   * bounds batching: hints of different scopes never share a provider call.
   */
  related(hints: string[], options: CallOptions & { scope: string }): Promise<Sourced<KeywordToolResult>>;
}

export interface DataLab {
  searchTrend(request: SearchTrendRequest, options?: CallOptions): Promise<Sourced<TrendResult>>;
  categoryTrend(request: CategoryTrendRequest, options?: CallOptions): Promise<Sourced<TrendResult>>;
  categoryKeywordTrend(request: CategoryKeywordTrendRequest, options?: CallOptions): Promise<Sourced<TrendResult>>;
}

/** The Naver context's ports, reached as `ports.naver`. */
export interface NaverPorts {
  shopping: ShoppingSearch;
  keywords: KeywordTool;
  dataLab: DataLab;
}
