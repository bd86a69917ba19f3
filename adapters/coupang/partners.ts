/**
 * Coupang Partners product search with the operator's affiliate key. Its quota is tight (documented 50 calls a
 * minute, often less), so: one call per keyword always asks for the most Partners serves (10) and is cached with a
 * TTL, concurrent requests for one keyword share that call, and every process spends one per-minute budget kept in
 * the shared rate counter. A spent budget, ours or Coupang's (rCode "403"), is our 429 with Retry-After.
 */
import { SOURCES, type CoupangProduct, type ProductSearchQuery, type ProductSearchResult, type Sourced } from '../../core/coupang/model.ts';
import type { ProductSearch } from '../../core/coupang/ports.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { ttlCache } from '../providers/cache.ts';
import type { ProviderDeps } from '../providers/deps.ts';
import { providerHttp, retryRateLimitsAndServerErrors, type RetryPolicy } from '../providers/http.ts';
import { ceaAuthorization } from './cea.ts';
import { parseBody, partnersError, partnersQuotaSpent } from './errors.ts';

export const PARTNERS_SEARCH_PATH = '/v2/providers/affiliate_open_api/apis/openapi/v1/products/search';
/** The most results one Partners search returns. */
export const PARTNERS_MAX_LIMIT = 10;
const MINUTE_MS = 60_000;

export interface PartnersOptions {
  baseUrl: string;
  accessKey: string;
  secretKey: string;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Calls a minute for the key, shared by every process. */
  perMinute: number;
  searchTtlMs: number;
}

/** Keywords that differ only in spacing or case are one search. */
export const searchKey = (keyword: string): string => keyword.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();

const int = (value: unknown): number | null => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
};

export const normaliseProduct = (item: Record<string, unknown>, index: number): CoupangProduct => ({
  productId: String(item.productId ?? ''),
  name: String(item.productName ?? '').replace(/\s+/g, ' ').trim(),
  price: int(item.productPrice) ?? 0,
  rocket: item.isRocket === true,
  freeShipping: item.isFreeShipping === true,
  ad: item.isAdvertisingProduct === true,
  rank: int(item.rank) ?? index + 1,
  url: String(item.productUrl ?? ''),
  image: String(item.productImage ?? ''),
});

interface Entry {
  data: ProductSearchResult;
  asOf: string;
}

export const coupangPartners = (options: PartnersOptions, deps: ProviderDeps): ProductSearch => {
  const now = () => deps.clock.now().getTime();
  const budgetName = `coupang:partners:minute:${options.accessKey}`;
  const window = { sizeMs: MINUTE_MS };
  const http = providerHttp({
    provider: 'coupang-partners',
    label: 'Coupang Partners',
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
    sign: (request) => ({ authorization: ceaAuthorization(options, request, deps.clock.now()), 'content-type': 'application/json;charset=UTF-8' }),
    // A spent quota does not come back within our backoff: answer at once.
    classify: (r) => (partnersQuotaSpent(r) ? 'done' : retryRateLimitsAndServerErrors(r)),
    onRetry: (info) => deps.warn?.('retrying Coupang Partners call', { ...info }),
  });
  const cache = ttlCache(deps.cache, { namespace: 'coupang', onError: (message, attributes) => deps.warn?.(message, attributes) });
  const inFlight = new Map<string, Promise<{ value: Entry; cached: boolean }>>();

  const secondsToReset = (resetAt: Date) => Math.max(1, Math.ceil((resetAt.getTime() - now()) / 1000));

  const spend = async (): Promise<void> => {
    const result = await deps.rateCounter.consume({ name: budgetName, limit: options.perMinute, window });
    if (result.allowed) return;
    throw new DomainError('rate_limited', `the Coupang Partners budget of ${options.perMinute} calls a minute is spent; try again in ${secondsToReset(result.resetAt)} s`, {
      retryAfterSeconds: secondsToReset(result.resetAt),
      details: { budget: 'Coupang Partners search', limit: options.perMinute, resetAt: result.resetAt.toISOString() },
    });
  };

  /** Coupang says its quota is spent: spend what is left of ours, so no process calls again this minute. */
  const exhaust = async (): Promise<number> => {
    const { count, resetAt } = await deps.rateCounter.peek(budgetName, window);
    if (count < options.perMinute) await deps.rateCounter.consume({ name: budgetName, limit: options.perMinute, window, amount: options.perMinute - count });
    return secondsToReset(resetAt);
  };

  const fetchKeyword = async (keyword: string): Promise<Entry> => {
    const query = new URLSearchParams({ keyword, limit: String(PARTNERS_MAX_LIMIT) });
    const { response, attempts } = await http.send({
      api: 'product-search',
      method: 'GET',
      path: PARTNERS_SEARCH_PATH,
      query,
      beforeAttempt: spend,
    });
    const body = parseBody(response.text);
    if (response.status !== 200 || String(body.rCode ?? '0') !== '0') {
      const reset = partnersQuotaSpent(response) ? await exhaust() : 60;
      throw partnersError(response, attempts, now(), reset);
    }
    const data = (body.data && typeof body.data === 'object' ? body.data : {}) as Record<string, unknown>;
    const items = Array.isArray(data.productData) ? (data.productData as Array<Record<string, unknown>>) : [];
    return {
      data: { keyword, landingUrl: String(data.landingUrl ?? ''), items: items.map(normaliseProduct) },
      asOf: new Date(now()).toISOString(),
    };
  };

  return {
    // Concurrent requests for a keyword share one call, which therefore runs to its end (bounded by its timeout)
    // even if the caller that started it gives up.
    search: async (q: ProductSearchQuery): Promise<Sourced<ProductSearchResult>> => {
      const keyword = searchKey(q.keyword);
      const key = cache.key('search', { keyword });
      let flight = inFlight.get(key);
      if (!flight) {
        flight = cache.through<Entry>(key, options.searchTtlMs, () => fetchKeyword(keyword), { api: 'product-search' }).finally(() => inFlight.delete(key));
        inFlight.set(key, flight);
      }
      const { value, cached } = await flight;
      return { source: SOURCES.productSearch, asOf: value.asOf, cached, data: { ...value.data, items: value.data.items.slice(0, q.limit) } };
    },
  };
};
