/**
 * Naver Open API client: shopping search and DataLab (search trend, shopping insight). Base URL and the
 * credential header names are configuration (newer keys live on an API-gateway host with other header names).
 */
import type { Clock } from '../../core/shared/clock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import type { RateCounter } from '../../core/platform/rate-counter.ts';
import type { ResponseCache } from '../../core/platform/response-cache.ts';
import {
  SOURCES,
  type CategoryKeywordTrendRequest,
  type CategoryTrendRequest,
  type ProductKind,
  type ProductListing,
  type SearchTrendRequest,
  type ShoppingProduct,
  type ShoppingQuery,
  type ShoppingResult,
  type TrendFilters,
  type TrendResult,
} from '../../core/naver/model.ts';
import type { DataLab, ShoppingSearch } from '../../core/naver/ports.ts';
import { cacheKey, cachedCall } from './cache.ts';
import { openApiError } from './errors.ts';
import { ProviderUnreachable, sendWithRetry, type ProviderResponse, type RetryPolicy } from './http.ts';
import { dailyBudget, rateLimiter } from './limits.ts';

export interface OpenApiOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  idHeader: string;
  secretHeader: string;
  timeoutMs: number;
  retry: RetryPolicy;
  ratePerSecond: number;
  rateMaxWaitMs: number;
  searchDailyBudget: number;
  datalabDailyBudget: number;
  searchTtlMs: number;
  trendTtlMs: number;
}

export interface ProviderDeps {
  rateCounter: RateCounter;
  cache: ResponseCache;
  clock: Clock;
  /** Warnings worth an operator's eye (retries, cache failures); never given a secret. */
  warn?: (message: string, attributes: Record<string, unknown>) => void;
}

// ---- Shopping item normalisation ----------------------------------------------------------------------------

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Strips tags (Naver's `<b>` highlights) and decodes named and numeric entities. */
export const plainText = (html: string): string =>
  html
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const cp = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isInteger(cp) && cp >= 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();

/** "" and "0" mean "no price" (hprice is "0" for single listings). */
export const price = (value: unknown): number | null => {
  const text = String(value ?? '').trim();
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n > 0 && Number.isSafeInteger(n) ? n : null;
};

const KINDS: ProductKind[] = ['normal', 'used', 'discontinued', 'pre_sale'];
const LISTINGS: ProductListing[] = ['catalog', 'unmatched', 'matched'];
export const productType = (value: unknown): ShoppingProduct['productType'] => {
  const code = Number(value);
  if (!Number.isInteger(code) || code < 1 || code > 12) return null;
  return { code, kind: KINDS[Math.floor((code - 1) / 3)]!, listing: LISTINGS[(code - 1) % 3]! };
};

const text = (value: unknown): string | null => {
  const t = typeof value === 'string' ? plainText(value) : '';
  return t === '' ? null : t;
};

export const normaliseItem = (item: Record<string, unknown>): ShoppingProduct => ({
  productId: String(item.productId ?? ''),
  title: plainText(String(item.title ?? '')),
  link: String(item.link ?? ''),
  image: String(item.image ?? ''),
  lowPrice: price(item.lprice),
  highPrice: price(item.hprice),
  mall: plainText(String(item.mallName ?? '')),
  productType: productType(item.productType),
  brand: text(item.brand),
  maker: text(item.maker),
  category: [item.category1, item.category2, item.category3, item.category4].map(text).filter((c): c is string => c !== null),
});

// ---- The client ------------------------------------------------------------------------------------------

const filters = (f: TrendFilters) => ({ ...(f.device ? { device: f.device } : {}), ...(f.gender ? { gender: f.gender } : {}), ...(f.ages?.length ? { ages: [...f.ages].sort() } : {}) });

const toTrend = (body: Record<string, unknown>, termsKey: 'keywords' | 'category' | 'keyword'): TrendResult => {
  const results = Array.isArray(body.results) ? (body.results as Array<Record<string, unknown>>) : [];
  return {
    startDate: String(body.startDate ?? ''),
    endDate: String(body.endDate ?? ''),
    timeUnit: body.timeUnit as TrendResult['timeUnit'],
    series: results.map((r) => ({
      title: String(r.title ?? ''),
      terms: Array.isArray(r[termsKey]) ? (r[termsKey] as unknown[]).map(String) : [],
      data: Array.isArray(r.data) ? (r.data as Array<Record<string, unknown>>).map((d) => ({ period: String(d.period), ratio: Number(d.ratio) })) : [],
    })),
  };
};

export const naverOpenApi = (options: OpenApiOptions, deps: ProviderDeps): ShoppingSearch & DataLab => {
  const base = options.baseUrl.replace(/\/+$/, '');
  const now = () => deps.clock.now().getTime();
  // Quotas are per client id; the id is not a secret, the secret never leaves the header.
  const rate = rateLimiter(deps.rateCounter, { name: `naver:openapi:rate:${options.clientId}`, perSecond: options.ratePerSecond, maxWaitMs: options.rateMaxWaitMs });
  const budgets = {
    search: dailyBudget(deps.rateCounter, { name: `naver:openapi:search:${options.clientId}`, label: 'search API', limit: options.searchDailyBudget, now }),
    datalab: dailyBudget(deps.rateCounter, { name: `naver:openapi:datalab:${options.clientId}`, label: 'DataLab', limit: options.datalabDailyBudget, now }),
  };
  const headers = { [options.idHeader]: options.clientId, [options.secretHeader]: options.clientSecret };

  const call = async (api: string, budget: 'search' | 'datalab', path: string, init: RequestInit, signal?: AbortSignal): Promise<Record<string, unknown>> => {
    let result: { response: ProviderResponse; attempts: number };
    try {
      result = await sendWithRetry({
        request: () => ({ url: `${base}${path}`, init: { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } } }),
        beforeAttempt: async () => {
          // Rate first: a spent budget costs a rate slot, but a saturated rate never costs budget.
          await rate.acquire(signal);
          await budgets[budget].spend();
        },
        classify: (r) => {
          // A spent daily quota does not come back within our backoff: answer at once.
          if (r.status === 429) return /"errorCode"\s*:\s*"010"/.test(r.text) ? 'done' : 'retry';
          return r.status >= 500 ? 'retry' : 'done';
        },
        policy: options.retry,
        timeoutMs: options.timeoutMs,
        ...(signal ? { signal } : {}),
        onRetry: (info) => deps.warn?.('retrying Naver Open API call', { api, ...info }),
      });
    } catch (error) {
      if (error instanceof ProviderUnreachable) {
        throw new DomainError('upstream_failed', `Naver ${api} is unreachable: ${error.message}`, { details: { provider: 'naver-openapi', api, timedOut: error.timedOut }, cause: error });
      }
      throw error;
    }
    const { response, attempts } = result;
    if (response.status !== 200) throw openApiError(response, api, attempts, now());
    try {
      return JSON.parse(response.text) as Record<string, unknown>;
    } catch (error) {
      throw new DomainError('upstream_failed', `Naver ${api} answered 200 with a body that is not JSON`, { details: { provider: 'naver-openapi', api }, cause: error });
    }
  };

  const trend = <R extends TrendPeriodish>(api: string, source: string, path: string, termsKey: 'keywords' | 'category' | 'keyword', payload: R, signal?: AbortSignal) =>
    cachedCall(deps.cache, { key: cacheKey(api, payload), ttlMs: options.trendTtlMs, source, onError: (m, e) => deps.warn?.(m, { api, error: String(e) }) }, async () => {
      const body = await call(api, 'datalab', path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) }, signal);
      return { data: toTrend(body, termsKey), asOf: new Date(now()).toISOString() };
    });

  return {
    search: (q: ShoppingQuery, callOptions = {}) => {
      const params = { query: q.query, display: q.size, start: (q.page - 1) * q.size + 1, sort: q.sort, exclude: [...new Set(q.exclude)].sort().join(':') };
      return cachedCall(deps.cache, { key: cacheKey('shop', params), ttlMs: options.searchTtlMs, source: SOURCES.shoppingSearch, onError: (m, e) => deps.warn?.(m, { error: String(e) }) }, async () => {
        const qs = new URLSearchParams({ query: params.query, display: String(params.display), start: String(params.start), sort: params.sort });
        if (params.exclude) qs.set('exclude', params.exclude);
        const body = await call('shopping-search', 'search', `/v1/search/shop.json?${qs}`, { method: 'GET' }, callOptions.signal);
        const items = Array.isArray(body.items) ? (body.items as Array<Record<string, unknown>>) : [];
        const data: ShoppingResult = { query: q.query, total: Number(body.total ?? 0), page: q.page, size: q.size, items: items.map(normaliseItem) };
        return { data, asOf: new Date(now()).toISOString() };
      });
    },
    searchTrend: (r: SearchTrendRequest, callOptions = {}) =>
      trend('datalab-search', SOURCES.searchTrend, '/v1/datalab/search', 'keywords', { startDate: r.startDate, endDate: r.endDate, timeUnit: r.timeUnit, keywordGroups: r.keywordGroups, ...filters(r) }, callOptions.signal),
    categoryTrend: (r: CategoryTrendRequest, callOptions = {}) =>
      trend(
        'datalab-categories',
        SOURCES.shoppingCategories,
        '/v1/datalab/shopping/categories',
        'category',
        { startDate: r.startDate, endDate: r.endDate, timeUnit: r.timeUnit, category: r.categories.map((c) => ({ name: c.name, param: c.codes })), ...filters(r) },
        callOptions.signal,
      ),
    categoryKeywordTrend: (r: CategoryKeywordTrendRequest, callOptions = {}) =>
      trend(
        'datalab-category-keywords',
        SOURCES.shoppingCategoryKeywords,
        '/v1/datalab/shopping/category/keywords',
        'keyword',
        { startDate: r.startDate, endDate: r.endDate, timeUnit: r.timeUnit, category: r.category, keyword: r.keywords.map((k) => ({ name: k.name, param: k.keywords })), ...filters(r) },
        callOptions.signal,
      ),
  };
};

type TrendPeriodish = { startDate: string; endDate: string; timeUnit: string };
