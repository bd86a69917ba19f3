/**
 * Naver Search Ad keyword tool client: HMAC-signed GET /keywordstool, 5 hints per call. Concurrent requests of
 * one scope (tenant) are packed into shared calls of up to 5 hints: a full group goes at once; a partial one
 * once a window passes without new hints and no other call of its scope is out. So a batch of single-hint lines
 * costs one provider call per 5 lines, and a lone request waits one window.
 */
import { createHmac } from 'node:crypto';
import { DomainError } from '../../core/shared/errors.ts';
import { normaliseKeyword, MAX_HINTS_PER_CALL } from '../../core/naver/keywords.ts';
import { SOURCES, type Competition, type Count, type KeywordStat, type KeywordToolResult, type Sourced } from '../../core/naver/model.ts';
import type { KeywordTool } from '../../core/naver/ports.ts';
import type { CachedValue } from '../../core/platform/response-cache.ts';
import { cacheKey } from './cache.ts';
import { searchAdCode, searchAdError, SEARCHAD_BUSY_CODE } from './errors.ts';
import { ProviderUnreachable, sendWithRetry, type RetryPolicy } from './http.ts';
import { rateLimiter } from './limits.ts';
import type { ProviderDeps } from './open-api.ts';

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

interface Waiter {
  hints: string[];
  resolve: (value: Sourced<KeywordToolResult>) => void;
  reject: (error: unknown) => void;
}
interface Group {
  hints: Set<string>;
  waiters: Waiter[];
  timer?: ReturnType<typeof setTimeout> | undefined;
  /** Waiting for its rate slot (still open to hints until full). */
  sending?: boolean;
  /** Its window has passed: it goes as soon as no other call of its scope is in flight. */
  due?: boolean;
  holdTimer?: ReturnType<typeof setTimeout>;
}

export const naverSearchAd = (options: SearchAdOptions, deps: ProviderDeps): KeywordTool & { stats(): { providerCalls: number; packedRequests: number } } => {
  const base = options.baseUrl.replace(/\/+$/, '');
  const rate = rateLimiter(deps.rateCounter, { name: `naver:searchad:rate:${options.customerId}`, perSecond: options.ratePerSecond, maxWaitMs: options.rateMaxWaitMs });
  const counters = { providerCalls: 0, packedRequests: 0 };

  /** `slotHeld`: the caller already took the rate slot for the first attempt. */
  const fetchKeywords = async (hints: string[], signal?: AbortSignal, slotHeld = false): Promise<CallResult> => {
    const query = new URLSearchParams({ hintKeywords: hints.join(','), showDetail: '1' });
    let result;
    try {
      result = await sendWithRetry({
        request: () => {
          const timestamp = String(deps.clock.now().getTime());
          return {
            url: `${base}${KEYWORDSTOOL_PATH}?${query}`,
            init: {
              method: 'GET',
              headers: {
                'X-Timestamp': timestamp,
                'X-API-KEY': options.apiKey,
                'X-Customer': options.customerId,
                'X-Signature': searchAdSignature(options.secret, timestamp, 'GET', KEYWORDSTOOL_PATH),
              },
            },
          };
        },
        beforeAttempt: async (attempt) => {
          if (attempt > 1 || !slotHeld) await rate.acquire(signal);
          counters.providerCalls++;
        },
        classify: (r) => (r.status === 429 || r.status >= 500 || searchAdCode(r) === SEARCHAD_BUSY_CODE ? 'retry' : 'done'),
        policy: options.retry,
        timeoutMs: options.timeoutMs,
        ...(signal ? { signal } : {}),
        onRetry: (info) => deps.warn?.('retrying Naver Search Ad call', { api: 'keywordstool', ...info }),
      });
    } catch (error) {
      if (error instanceof ProviderUnreachable) {
        throw new DomainError('upstream_failed', `Naver Search Ad is unreachable: ${error.message}`, { details: { provider: 'naver-searchad', api: 'keywordstool', timedOut: error.timedOut }, cause: error });
      }
      throw error;
    }
    const { response, attempts } = result;
    if (response.status !== 200) {
      const error = searchAdError(response, attempts, deps.clock.now().getTime());
      deps.warn?.('Naver Search Ad call failed', { status: response.status, code: error.details?.providerCode, transactionId: response.headers.get('x-transaction-id') });
      throw error;
    }
    let list: unknown;
    try {
      list = (JSON.parse(response.text) as { keywordList?: unknown }).keywordList;
    } catch (error) {
      throw new DomainError('upstream_failed', 'Naver Search Ad answered 200 with a body that is not JSON', { details: { provider: 'naver-searchad' }, cause: error });
    }
    const rows = (Array.isArray(list) ? (list as Array<Record<string, unknown>>) : []).map(keywordStat);
    const dropped = rows.filter((r) => r === null).length;
    if (dropped) deps.warn?.('Naver Search Ad rows without readable counts were dropped', { dropped });
    return { rows: rows.filter((r): r is KeywordStat => r !== null), asOf: deps.clock.now().toISOString() };
  };

  /** Calls (or reads the cache) for one set of hints, storing the answer under the call's sorted hints. */
  const callCached = async (hints: string[], signal?: AbortSignal): Promise<CallResult & { cached: boolean }> => {
    const key = cacheKey('keywordstool', [...hints].sort());
    try {
      const hit = await deps.cache.get<CallResult>(key);
      if (hit) return { ...hit.value, cached: true };
    } catch (error) {
      deps.warn?.('response cache read failed', { error: String(error) });
    }
    const fresh = await fetchKeywords(hints, signal);
    await deps.cache.put(key, fresh, options.keywordTtlMs).catch((error: unknown) => deps.warn?.('response cache write failed', { error: String(error) }));
    return { ...fresh, cached: false };
  };

  const groups = new Map<string, Group>();
  const maxHoldMs = Math.max(1_000, 10 * options.batchWindowMs, 10 * Math.ceil(1000 / options.ratePerSecond));

  /**
   * Sends a group: it first waits for a rate slot and keeps taking hints while it waits (up to 5), so a saturated
   * rate fills calls instead of sending them half empty. A full group leaves the table at once; the hints are
   * read when the slot is granted.
   */
  const inFlight = new Map<string, number>();
  /** Requests of a scope between arrival and joining a group (reading the cache): more hints on the way. */
  const arriving = new Map<string, number>();
  const bump = (map: Map<string, number>, scope: string, by: number) => {
    const n = (map.get(scope) ?? 0) + by;
    if (n > 0) map.set(scope, n);
    else map.delete(scope);
  };
  /** Sends a due partial group once nothing more is arriving and no call of its scope is out. */
  const release = (scope: string) => {
    const group = groups.get(scope);
    if (group?.due && !group.sending && !arriving.get(scope) && !inFlight.get(scope)) flush(scope, group);
  };
  const flush = (scope: string, group: Group) => {
    if (group.timer) clearTimeout(group.timer);
    if (group.holdTimer) clearTimeout(group.holdTimer);
    group.timer = undefined;
    if (group.sending) return;
    group.sending = true;
    bump(inFlight, scope, 1);
    const done = () => {
      bump(inFlight, scope, -1);
      // A partial group held back while this call was out goes now; after the waiters' continuations have run,
      // so that requests they start can still join it.
      // Give the callers this call answered one window to send more hints before a partial group goes.
      setTimeout(() => release(scope), options.batchWindowMs);
    };
    // The shared call is not tied to any one caller's signal: one caller leaving must not fail the others.
    rate
      .acquire()
      .then(async () => {
        if (groups.get(scope) === group) groups.delete(scope);
        const callHints = [...group.hints];
        if (group.waiters.length > 1) counters.packedRequests += group.waiters.length;
        const fresh = await fetchKeywords(callHints, undefined, true);
        await deps.cache.put(cacheKey('keywordstool', [...callHints].sort()), fresh, options.keywordTtlMs).catch((error: unknown) => deps.warn?.('response cache write failed', { error: String(error) }));
        for (const w of group.waiters) w.resolve({ source: SOURCES.keywordTool, asOf: fresh.asOf, cached: false, data: viewFor(w.hints, callHints, fresh.rows) });
      })
      .catch((error: unknown) => {
        if (groups.get(scope) === group) groups.delete(scope);
        for (const w of group.waiters) w.reject(error);
      })
      .finally(done);
  };

  return {
    stats: () => ({ ...counters }),
    related: async (hints, { scope, signal }) => {
      if (hints.length < 1 || hints.length > MAX_HINTS_PER_CALL) throw new DomainError('invalid', `between 1 and ${MAX_HINTS_PER_CALL} hints per call`, { details: { field: 'hint' } });
      if (options.batchWindowMs === 0 || hints.length === MAX_HINTS_PER_CALL) {
        const r = await callCached(hints, signal);
        return { source: SOURCES.keywordTool, asOf: r.asOf, cached: r.cached, data: viewFor(hints, hints, r.rows) };
      }
      // The same question answered earlier, alone: no need to wait for company. While the cache answers, a due
      // group of this scope waits for these hints.
      bump(arriving, scope, 1);
      let hit: CachedValue<CallResult> | null = null;
      try {
        hit = await deps.cache.get<CallResult>(cacheKey('keywordstool', [...hints].sort()));
      } catch (error) {
        deps.warn?.('response cache read failed', { error: String(error) });
      } finally {
        bump(arriving, scope, -1);
      }
      if (hit) {
        release(scope);
        return { source: SOURCES.keywordTool, asOf: hit.value.asOf, cached: true, data: viewFor(hints, hints, hit.value.rows) };
      }
      return new Promise<Sourced<KeywordToolResult>>((resolve, reject) => {
        let group = groups.get(scope);
        if (group && new Set([...group.hints, ...hints]).size > MAX_HINTS_PER_CALL) {
          // It cannot take these hints: close it to newcomers (it is sent as it is) and open another.
          groups.delete(scope);
          flush(scope, group);
          group = undefined;
        }
        if (!group) {
          const g: Group = { hints: new Set(), waiters: [] };
          // Under steady traffic a scope may never be idle: no group waits longer than this (generous against
          // the rate: calls queued for slots ahead of it are not a reason to send it half empty).
          g.holdTimer = setTimeout(() => {
            if (groups.get(scope) === g) groups.delete(scope);
            flush(scope, g);
          }, maxHoldMs);
          groups.set(scope, g);
          group = g;
        }
        for (const h of hints) group.hints.add(h);
        const waiter: Waiter = { hints, resolve, reject };
        group.waiters.push(waiter);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        if (group.hints.size === MAX_HINTS_PER_CALL) {
          groups.delete(scope);
          flush(scope, group);
        } else if (!group.sending) {
          // Nagle-style: a partial group is due one window after its last hint joined; it goes then when its scope
          // has no call out, else one window after such a call returns (by then a batch has sent more hints).
          const g = group;
          g.due = false;
          if (g.timer) clearTimeout(g.timer);
          g.timer = setTimeout(() => {
            g.timer = undefined;
            g.due = true;
            release(scope);
          }, options.batchWindowMs);
        }
      });
    },
  };
};
