/**
 * Naver Search Ad keyword tool client: HMAC-signed GET /keywordstool, 5 hints per call. Concurrent requests of
 * one scope (tenant) are packed into shared calls of up to 5 hints (adapters/providers/coalesce.ts), so a batch
 * of single-hint lines costs one provider call per 5 lines, and a lone request waits one window.
 */
import { createHmac } from 'node:crypto';
import { DomainError } from '../../core/shared/errors.ts';
import { normaliseKeyword, MAX_HINTS_PER_CALL } from '../../core/naver/keywords.ts';
import { SOURCES, type Competition, type Count, type KeywordStat, type KeywordToolResult, type Sourced } from '../../core/naver/model.ts';
import type { KeywordTool } from '../../core/naver/ports.ts';
import { ttlCache } from '../providers/cache.ts';
import { coalescer } from '../providers/coalesce.ts';
import type { ProviderDeps } from '../providers/deps.ts';
import { providerHttp, retryRateLimitsAndServerErrors, type RetryPolicy } from '../providers/http.ts';
import { rateLimiter } from '../providers/limits.ts';
import { searchAdCode, searchAdError, SEARCHAD_BUSY_CODE } from './errors.ts';

export interface SearchAdOptions {
  baseUrl: string;
  apiKey: string;
  secret: string;
  customerId: string;
  timeoutMs: number;
  retry: RetryPolicy;
  ratePerSecond: number;
  rateMaxWaitMs: number;
  keywordTtlMs: number;
  /** How long a request waits for others to share its call; 0 sends every request on its own. */
  batchWindowMs: number;
}

export const KEYWORDSTOOL_PATH = '/keywordstool';

/** base64(HMAC-SHA256(secret, `${timestamp}.${method}.${path}`)), the path without its query string. */
export const searchAdSignature = (secret: string, timestamp: string, method: string, path: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${method}.${path}`).digest('base64');

/** A count as Naver sends it: a number, or a string such as "< 10" for small ones. */
export const parseCount = (value: unknown): Count | null => {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return { kind: 'exact', value: Math.round(value) };
  if (typeof value === 'string') {
    const below = /^\s*<\s*(\d+)\s*$/.exec(value);
    if (below) return { kind: 'lessThan', bound: Number(below[1]) };
    if (/^\s*\d+\s*$/.test(value)) return { kind: 'exact', value: Number(value) };
  }
  return null;
};

const range = (c: Count) => (c.kind === 'exact' ? [c.value, c.value] : [0, c.bound - 1]) as [number, number];
const decimal = (value: unknown): number | null => {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};
const COMPETITION: Record<string, Competition> = { 낮음: 'low', 중간: 'medium', 높음: 'high' };

export const keywordStat = (row: Record<string, unknown>): KeywordStat | null => {
  const pc = parseCount(row.monthlyPcQcCnt);
  const mobile = parseCount(row.monthlyMobileQcCnt);
  if (typeof row.relKeyword !== 'string' || !pc || !mobile) return null;
  const [pcMin, pcMax] = range(pc);
  const [moMin, moMax] = range(mobile);
  return {
    keyword: row.relKeyword,
    monthlyPcSearches: pc,
    monthlyMobileSearches: mobile,
    monthlyTotalSearches: { min: pcMin + moMin, max: pcMax + moMax },
    monthlyAvgPcClicks: decimal(row.monthlyAvePcClkCnt),
    monthlyAvgMobileClicks: decimal(row.monthlyAveMobileClkCnt),
    monthlyAvgPcCtr: decimal(row.monthlyAvePcCtr),
    monthlyAvgMobileCtr: decimal(row.monthlyAveMobileCtr),
    adDepth: decimal(row.plAvgDepth),
    competition: COMPETITION[String(row.compIdx)] ?? null,
  };
};

interface CallResult {
  rows: KeywordStat[];
  asOf: string;
}

/** One request's view of a (possibly shared) call. */
export const viewFor = (hints: readonly string[], callHints: readonly string[], rows: readonly KeywordStat[]): KeywordToolResult => {
  const own = new Set(hints);
  const byKey = new Map(rows.map((r) => [normaliseKeyword(r.keyword), r] as const));
  return {
    hints: hints.map((hint) => ({ hint, stat: byKey.get(hint) ?? null })),
    related: rows.filter((r) => !own.has(normaliseKeyword(r.keyword))),
    packedWith: callHints.filter((h) => !own.has(h)),
  };
};

export const naverSearchAd = (options: SearchAdOptions, deps: ProviderDeps): KeywordTool & { stats(): { providerCalls: number; packedRequests: number } } => {
  const rate = rateLimiter(deps, { name: `naver:searchad:rate:${options.customerId}`, provider: 'Naver', perSecond: options.ratePerSecond, maxWaitMs: options.rateMaxWaitMs });
  const http = providerHttp({
    provider: 'naver-searchad',
    label: 'Naver Search Ad',
    baseUrl: options.baseUrl,
    timeoutMs: options.timeoutMs,
    retry: options.retry,
    sign: ({ method, path }) => {
      const timestamp = String(deps.clock.now().getTime());
      return { 'X-Timestamp': timestamp, 'X-API-KEY': options.apiKey, 'X-Customer': options.customerId, 'X-Signature': searchAdSignature(options.secret, timestamp, method, path) };
    },
    // Search Ad says "busy" with a 400 and code 1016.
    classify: (r) => (searchAdCode(r) === SEARCHAD_BUSY_CODE ? 'retry' : retryRateLimitsAndServerErrors(r)),
    onRetry: (info) => deps.warn?.('retrying Naver Search Ad call', { ...info }),
  });
  const cache = ttlCache(deps.cache, { namespace: 'naver', onError: (message, attributes) => deps.warn?.(message, attributes) });
  const keyOf = (hints: readonly string[]) => cache.key('keywordstool', [...hints].sort());
  let providerCalls = 0;

  /** `slotHeld`: the caller already took the rate slot for the first attempt. */
  const fetchKeywords = async (hints: string[], signal?: AbortSignal, slotHeld = false): Promise<CallResult> => {
    const { response, attempts } = await http.send({
      api: 'keywordstool',
      method: 'GET',
      path: KEYWORDSTOOL_PATH,
      query: new URLSearchParams({ hintKeywords: hints.join(','), showDetail: '1' }),
      ...(signal ? { signal } : {}),
      beforeAttempt: async (attempt) => {
        if (attempt > 1 || !slotHeld) await rate.acquire(signal);
        providerCalls++;
      },
    });
    if (response.status !== 200) {
      const error = searchAdError(response, attempts, deps.clock.now().getTime());
      deps.warn?.('Naver Search Ad call failed', { status: response.status, code: error.details?.providerCode, transactionId: response.headers.get('x-transaction-id') });
      throw error;
    }
    const list = http.json<{ keywordList?: unknown }>(response, { api: 'keywordstool' }).keywordList;
    const rows = (Array.isArray(list) ? (list as Array<Record<string, unknown>>) : []).map(keywordStat);
    const dropped = rows.filter((r) => r === null).length;
    if (dropped) deps.warn?.('Naver Search Ad rows without readable counts were dropped', { dropped });
    return { rows: rows.filter((r): r is KeywordStat => r !== null), asOf: deps.clock.now().toISOString() };
  };

  const sourced = (hints: readonly string[], callHints: readonly string[], result: CallResult, cached: boolean): Sourced<KeywordToolResult> => ({
    source: SOURCES.keywordTool,
    asOf: result.asOf,
    cached,
    data: viewFor(hints, callHints, result.rows),
  });

  // The shared call is stored under its sorted hints, as a lone call of those hints would be.
  const batches = coalescer<CallResult>({
    maxKeys: MAX_HINTS_PER_CALL,
    windowMs: options.batchWindowMs,
    // Generous against the rate: calls queued for slots ahead of a group are not a reason to send it half empty.
    maxHoldMs: Math.max(1_000, 10 * options.batchWindowMs, 10 * Math.ceil(1000 / options.ratePerSecond)),
    ready: () => rate.acquire(),
    send: async (hints) => {
      const fresh = await fetchKeywords(hints, undefined, true);
      await cache.put(keyOf(hints), fresh, options.keywordTtlMs);
      return fresh;
    },
  });

  return {
    stats: () => ({ providerCalls, packedRequests: batches.stats().packedRequests }),
    related: async (hints, { scope, signal }) => {
      if (hints.length < 1 || hints.length > MAX_HINTS_PER_CALL) throw new DomainError('invalid', `between 1 and ${MAX_HINTS_PER_CALL} hints per call`, { details: { field: 'hint' } });
      if (options.batchWindowMs === 0 || hints.length === MAX_HINTS_PER_CALL) {
        const { value, cached } = await cache.through(keyOf(hints), options.keywordTtlMs, () => fetchKeywords(hints, signal));
        return sourced(hints, hints, value, cached);
      }
      // The same question answered earlier, alone: no need to wait for company. While the cache answers, a due
      // group of this scope waits for these hints.
      const arrival = batches.arrive(scope);
      const hit = await cache.get<CallResult>(keyOf(hints));
      if (hit) {
        arrival.leave();
        return sourced(hints, hints, hit, true);
      }
      const shared = await arrival.join(hints, signal);
      return sourced(hints, shared.keys, shared.result, false);
    },
  };
};
