/**
 * The Naver context's vocabulary: keyword demand (Search Ad keyword tool), supply (shopping search) and
 * trends (DataLab), each answer carrying where it came from and when.
 */

import type { Provenance, Sourced } from '../shared/provenance.ts';

export type { Provenance, Sourced };

export const SOURCES = {
  shoppingSearch: 'naver-openapi:shopping-search',
  keywordTool: 'naver-searchad:keywordstool',
  searchTrend: 'naver-datalab:search',
  shoppingCategories: 'naver-datalab:shopping-categories',
  shoppingCategoryKeywords: 'naver-datalab:shopping-category-keywords',
} as const;

// ---- Shopping search -------------------------------------------------------------------------------------

export type ShoppingSort = 'sim' | 'date' | 'asc' | 'dsc';
export type ShoppingExclude = 'used' | 'rental' | 'cbshop';

export interface ShoppingQuery {
  query: string;
  sort: ShoppingSort;
  /** 1-based page of `size` items; (page - 1) * size + 1 is Naver's `start` (at most 1,000). */
  page: number;
  size: number;
  exclude: ShoppingExclude[];
}

/** Naver's productType codes 1..12 in four groups of three. */
export type ProductKind = 'normal' | 'used' | 'discontinued' | 'pre_sale';
/** Within a group: 1 price-comparison catalogue, 2 listing not matched to a catalogue, 3 listing matched to one. */
export type ProductListing = 'catalog' | 'unmatched' | 'matched';

export interface ShoppingProduct {
  productId: string;
  /** Without `<b>` highlight tags, HTML entities decoded. */
  title: string;
  link: string;
  image: string;
  /** Won; null when Naver gives none. */
  lowPrice: number | null;
  highPrice: number | null;
  mall: string;
  productType: { code: number; kind: ProductKind; listing: ProductListing } | null;
  brand: string | null;
  maker: string | null;
  /** category1..category4, empty levels dropped. */
  category: string[];
}

export interface ShoppingResult {
  query: string;
  total: number;
  page: number;
  size: number;
  items: ShoppingProduct[];
}

// ---- Keyword tool ----------------------------------------------------------------------------------------

/** A monthly count: exact, or Naver's "< 10" kept as a bound. */
export type Count = { kind: 'exact'; value: number } | { kind: 'lessThan'; bound: number };

export type Competition = 'low' | 'medium' | 'high';

export interface KeywordStat {
  keyword: string;
  /** Queries in the last 30 days. */
  monthlyPcSearches: Count;
  monthlyMobileSearches: Count;
  /** PC + mobile; a range when either part is "< 10". */
  monthlyTotalSearches: { min: number; max: number };
  monthlyAvgPcClicks: number | null;
  monthlyAvgMobileClicks: number | null;
  /** Percent, e.g. 1.23. */
  monthlyAvgPcCtr: number | null;
  monthlyAvgMobileCtr: number | null;
  /** Average number of ads shown on the result page. */
  adDepth: number | null;
  competition: Competition | null;
}

export interface KeywordToolResult {
  /** The stats of each hint itself, in request order; null when Naver returned no row for it. */
  hints: Array<{ hint: string; stat: KeywordStat | null }>;
  /** Every other keyword the provider call returned. */
  related: KeywordStat[];
  /**
   * Other hints that travelled in the same provider call (batched calls pack up to 5 hints): `related` is then
   * the related keywords of the whole call. Empty when the call carried only this request's hints.
   */
  packedWith: string[];
}

// ---- DataLab ---------------------------------------------------------------------------------------------

export type TimeUnit = 'date' | 'week' | 'month';
export type Device = 'pc' | 'mo';
export type Gender = 'm' | 'f';

export interface TrendFilters {
  device?: Device;
  gender?: Gender;
  /** Search trend: "1".."11"; shopping insight: "10".."60". */
  ages?: string[];
}

export interface TrendPeriod {
  startDate: string;
  endDate: string;
  timeUnit: TimeUnit;
}

export interface SearchTrendRequest extends TrendPeriod, TrendFilters {
  keywordGroups: Array<{ groupName: string; keywords: string[] }>;
}

export interface CategoryTrendRequest extends TrendPeriod, TrendFilters {
  categories: Array<{ name: string; codes: string[] }>;
}

export interface CategoryKeywordTrendRequest extends TrendPeriod, TrendFilters {
  category: string;
  keywords: Array<{ name: string; keywords: string[] }>;
}

export interface TrendPoint {
  period: string;
  /** Relative: the largest value of the whole request is 100. */
  ratio: number;
}

export interface TrendSeries {
  title: string;
  /** The keywords or category codes the series covers. */
  terms: string[];
  data: TrendPoint[];
}

export interface TrendResult extends TrendPeriod {
  series: TrendSeries[];
}

/** Shopping insight asks for the click trend of categories, or of keywords within one category. */
export type ShoppingInsightRequest = ({ kind: 'categories' } & CategoryTrendRequest) | ({ kind: 'category_keywords' } & CategoryKeywordTrendRequest);

// ---- Keyword overview ------------------------------------------------------------------------------------

/** One part of an overview: its figures with their provenance, or why its provider call failed. */
export type Part<T> =
  | ({ status: 'ok'; data: T } & Provenance)
  | {
      status: 'unavailable';
      reason: string;
      /** The failure's kind: a `DomainErrorCode`, or `internal` for an unexpected one. */
      problem: string;
      retryAfterSeconds?: number;
    };

export interface Demand {
  monthlyPcSearches: Count;
  monthlyMobileSearches: Count;
  monthlyTotalSearches: { min: number; max: number };
  competition: Competition | null;
  adDepth: number | null;
}

export interface Supply {
  shoppingProducts: number;
}

export interface CompetitionRatio {
  /** Shopping products per monthly search (supply / demand), 2 decimals; higher = more crowded. */
  productsPerMonthlySearch: number;
  /** True when the monthly searches were a "< 10" range and the upper bound was used. */
  approximate: boolean;
}

export interface Trend {
  /** Month by month over the last 12 complete months (KST), relative to the peak (100). */
  points: TrendPoint[];
  /** Calendar months (1..12) whose ratio is at least 80% of the peak. */
  peakMonths: number[];
  /** Peak over mean; around 1 = steady demand, 2 or more = strongly seasonal. */
  peakToMean: number;
}

export type OverviewPart = 'demand' | 'supply' | 'competitionRatio' | 'trend';

export interface KeywordOverview {
  keyword: string;
  demand: Part<Demand>;
  supply: Part<Supply>;
  competitionRatio: Part<CompetitionRatio>;
  trend: Part<Trend>;
  /** Names of the unavailable parts; empty when complete. */
  missing: OverviewPart[];
}
