/**
 * Naver Open API client: shopping search and DataLab (search trend, shopping insight). Base URL and the
 * credential header names are configuration (newer keys live on an API-gateway host with other header names).
 */
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
  type Sourced,
  type TrendFilters,
  type TrendResult,
} from '../../core/naver/model.ts';
import type { DataLab, ShoppingSearch } from '../../core/naver/ports.ts';
import { ttlCache } from '../providers/cache.ts';
import type { ProviderDeps } from '../providers/deps.ts';
import { providerHttp, retryRateLimitsAndServerErrors, type RetryPolicy } from '../providers/http.ts';
import { dailyBudget, KOREAN_DAY, rateLimiter } from '../providers/limits.ts';
import { OPENAPI_QUOTA_CODE, openApiError } from './errors.ts';


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

const QUOTA_SPENT = new RegExp(`"errorCode"\\s*:\\s*"${OPENAPI_QUOTA_CODE}"`);

/** What the cache keeps: the answer and when Naver gave it. */
interface Entry<T> {
  data: T;
  asOf: string;
}

export const naverOpenApi = (options: OpenApiOptions, deps: ProviderDeps): ShoppingSearch & DataLab => {
  const now = () => deps.clock.now().getTime();
  // Quotas are per client id; the id is not a secret, the secret never leaves the header.
  const rate = rateLimiter(deps, { name: `naver:openapi:rate:${options.clientId}`, provider: 'Naver', perSecond: options.ratePerSecond, maxWaitMs: options.rateMaxWaitMs });
  const budget = (name: string, label: string, limit: number) =>
    dailyBudget(deps, { name: `naver:openapi:${name}:${options.clientId}`, provider: 'Naver', label, limit, day: KOREAN_DAY });
  const budgets = { search: budget('search', 'search API', options.searchDailyBudget), datalab: budget('datalab', 'DataLab', options.datalabDailyBudget) };
  const http = providerHttp({
    provider: 'naver-openapi',
    label: 'Naver Open API',
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
    sign: () => ({ [options.idHeader]: options.clientId, [options.secretHeader]: options.clientSecret }),
    // A spent daily quota does not come back within our backoff: answer at once.
    classify: (r) => (r.status === 429 && QUOTA_SPENT.test(r.text) ? 'done' : retryRateLimitsAndServerErrors(r)),
    onRetry: (info) => deps.warn?.('retrying Naver Open API call', { ...info }),
  });
  const cache = ttlCache(deps.cache, { namespace: 'naver', onError: (message, attributes) => deps.warn?.(message, attributes) });

  const call = async (
    api: string,
    budget: 'search' | 'datalab',
    request: { method: 'GET' | 'POST'; path: string; query?: URLSearchParams; json?: unknown },
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> => {
    const label = `Naver ${api}`;
    const { response, attempts } = await http.send({
      api,
      label,
      ...request,
      ...(signal ? { signal } : {}),
      beforeAttempt: async () => {
        // Rate first: a spent budget costs a rate slot, but a saturated rate never costs budget.
        await rate.acquire(signal);
        await budgets[budget].spend();
      },
    });
    if (response.status !== 200) throw openApiError(response, api, attempts, now());
    return http.json(response, { api, label });
  };

  const cached = async <T>(kind: string, params: unknown, ttlMs: number, source: string, fetch: () => Promise<T>, attributes?: Record<string, unknown>): Promise<Sourced<T>> => {
    const { value, cached } = await cache.through<Entry<T>>(cache.key(kind, params), ttlMs, async () => ({ data: await fetch(), asOf: new Date(now()).toISOString() }), attributes);
    return { source, asOf: value.asOf, cached, data: value.data };
  };

  const trend = <P extends TrendPeriod>(api: string, source: string, path: string, termsKey: 'keywords' | 'category' | 'keyword', payload: P, signal?: AbortSignal) =>
    cached(api, payload, options.trendTtlMs, source, async () => toTrend(await call(api, 'datalab', { method: 'POST', path, json: payload }, signal), termsKey), { api });

  return {
    search: (q: ShoppingQuery, callOptions = {}) => {
      const params = { query: q.query, display: q.size, start: (q.page - 1) * q.size + 1, sort: q.sort, exclude: [...new Set(q.exclude)].sort().join(':') };
      return cached('shop', params, options.searchTtlMs, SOURCES.shoppingSearch, async (): Promise<ShoppingResult> => {
        const query = new URLSearchParams({ query: params.query, display: String(params.display), start: String(params.start), sort: params.sort });
        if (params.exclude) query.set('exclude', params.exclude);
        const body = await call('shopping-search', 'search', { method: 'GET', path: '/v1/search/shop.json', query }, callOptions.signal);
        const items = Array.isArray(body.items) ? (body.items as Array<Record<string, unknown>>) : [];
        return { query: q.query, total: Number(body.total ?? 0), page: q.page, size: q.size, items: items.map(normaliseItem) };
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

type TrendPeriod = { startDate: string; endDate: string; timeUnit: string };
