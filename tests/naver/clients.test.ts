/**
 * The clients against the sandbox, with in-memory stores: signatures and headers (checked against values computed
 * outside the adapter), retries and their bounds, timeouts, batching of keyword hints.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { naverOpenApi, type OpenApiOptions } from '../../adapters/naver/open-api.ts';
import type { ProviderDeps } from '../../adapters/providers/deps.ts';
import { naverSearchAd, searchAdSignature, type SearchAdOptions } from '../../adapters/naver/search-ad.ts';
import { backoffDelay, retryAfterMs } from '../../adapters/providers/http.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { startSandbox, type RunningSandbox } from '../../sandbox/index.ts';
import { NAVER_SANDBOX_CREDENTIALS as creds, naverOpenApiSandbox, naverSandboxProviders } from '../../sandbox/naver/index.ts';
import { control, memoryRateCounter, memoryResponseCache } from './helpers.ts';

let sandbox: RunningSandbox;
let oa: string;
let sa: string;
beforeAll(async () => {
  sandbox = await startSandbox(naverSandboxProviders());
  oa = sandbox.urls.naverOpenApi!;
  sa = sandbox.urls.naverSearchAd!;
});
afterAll(() => sandbox?.close());
beforeEach(async () => {
  await control(oa, 'reset', {});
  await control(sa, 'reset', {});
});

const deps = (): ProviderDeps => ({ rateCounter: memoryRateCounter(), cache: memoryResponseCache(), clock: { now: () => new Date() } });
const retry = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 40 };
const openApiOptions = (over: Partial<OpenApiOptions> = {}): OpenApiOptions => ({
  baseUrl: oa,
  clientId: creds.clientId,
  clientSecret: creds.clientSecret,
  idHeader: 'X-Naver-Client-Id',
  secretHeader: 'X-Naver-Client-Secret',
  timeoutMs: 2_000,
  retry,
  ratePerSecond: 1000,
  rateMaxWaitMs: 1000,
  searchDailyBudget: 1000,
  datalabDailyBudget: 1000,
  searchTtlMs: 60_000,
  trendTtlMs: 60_000,
  ...over,
});
const searchAdOptions = (over: Partial<SearchAdOptions> = {}): SearchAdOptions => ({
  baseUrl: sa,
  apiKey: creds.searchAdApiKey,
  secret: creds.searchAdSecret,
  customerId: creds.searchAdCustomerId,
  timeoutMs: 2_000,
  retry,
  ratePerSecond: 1000,
  rateMaxWaitMs: 1000,
  keywordTtlMs: 60_000,
  batchWindowMs: 0,
  ...over,
});
const query = { query: '텐트', sort: 'sim' as const, page: 1, size: 10, exclude: [] };
const failure = async (p: Promise<unknown>): Promise<DomainError> => {
  try {
    await p;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a failure');
};

describe('Search Ad signature', () => {
  it('matches a value computed outside this code base (openssl)', () => {
    // echo -n "1700000000000.GET./keywordstool" | openssl dgst -sha256 -hmac "sandbox-searchad-secret-key" -binary | base64
    expect(searchAdSignature('sandbox-searchad-secret-key', '1700000000000', 'GET', '/keywordstool')).toBe('TULrUv2e+X7x5KIsizY6ii2wbomXuxYd2Y/hhqMZfWc=');
  });

  it('is what the adapter sends: over timestamp, method and path without the query string', async () => {
    const tool = naverSearchAd(searchAdOptions(), deps());
    await tool.related(['캠핑의자', '텐트'], { scope: 't' });
    const { lastRequest } = await control(sa, 'stats');
    expect(lastRequest.path).toBe('/keywordstool');
    expect(new URLSearchParams(lastRequest.query).get('hintKeywords')).toBe('캠핑의자,텐트');
    const h = lastRequest.headers;
    expect(h['X-API-KEY']).toBe(creds.searchAdApiKey);
    expect(h['X-Customer']).toBe(creds.searchAdCustomerId);
    expect(Math.abs(Number(h['X-Timestamp']) - Date.now())).toBeLessThan(5_000);
    const expected = createHmac('sha256', creds.searchAdSecret).update(`${h['X-Timestamp']}.GET./keywordstool`).digest('base64');
    expect(h['X-Signature']).toBe(expected);
  });

  it('the sandbox refuses a wrong signature, a stale timestamp and missing headers', async () => {
    const sign = (ts: string, secret: string = creds.searchAdSecret) => createHmac('sha256', secret).update(`${ts}.GET./keywordstool`).digest('base64');
    const call = (headers: Record<string, string>) => fetch(`${sa}/keywordstool?hintKeywords=텐트&showDetail=1`, { headers });
    const base = { 'X-API-KEY': creds.searchAdApiKey, 'X-Customer': creds.searchAdCustomerId };
    const now = String(Date.now());
    expect((await call({ ...base, 'X-Timestamp': now, 'X-Signature': sign(now) })).status).toBe(200);
    const wrong = await call({ ...base, 'X-Timestamp': now, 'X-Signature': sign(now, 'another-secret') });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ title: 'Invalid signature.' });
    const oldBody = (await (await call({ ...base })).json()) as { code: number };
    expect(oldBody.code).toBe(1018);
    const stale = String(Date.now() - 6 * 60_000);
    const old = await call({ ...base, 'X-Timestamp': stale, 'X-Signature': sign(stale) });
    expect(old.status).toBe(403);
    expect(((await old.json()) as { title: string }).title).toMatch(/timestamp/);
    expect((await call({ ...base })).status).toBe(401);
  });
});

describe('Open API headers', () => {
  it('sends the configured header pair (API-gateway style) and the sandbox checks it', async () => {
    const gateway = await startSandbox([naverOpenApiSandbox({ clientId: 'gw-id', clientSecret: 'gw-secret', idHeader: 'X-NCP-APIGW-API-KEY-ID', secretHeader: 'X-NCP-APIGW-API-KEY' })]);
    try {
      const ok = naverOpenApi(openApiOptions({ baseUrl: gateway.urls.naverOpenApi!, clientId: 'gw-id', clientSecret: 'gw-secret', idHeader: 'X-NCP-APIGW-API-KEY-ID', secretHeader: 'X-NCP-APIGW-API-KEY' }), deps());
      expect((await ok.search(query)).data.items).toHaveLength(10);
      const classic = naverOpenApi(openApiOptions({ baseUrl: gateway.urls.naverOpenApi!, clientId: 'gw-id', clientSecret: 'gw-secret' }), deps());
      const error = await failure(classic.search(query));
      expect(error.code).toBe('upstream_failed');
      expect(error.details).toMatchObject({ providerStatus: 401, providerCode: '024' });
    } finally {
      await gateway.close();
    }
  });

  it('the sandbox answers the documented error bodies for bad parameters', async () => {
    const headers = { 'X-Naver-Client-Id': creds.clientId, 'X-Naver-Client-Secret': creds.clientSecret };
    const get = async (qs: string) => {
      const res = await fetch(`${oa}/v1/search/shop.json?${qs}`, { headers });
      return { status: res.status, body: await res.json() };
    };
    expect(await get('display=10')).toMatchObject({ status: 400, body: { errorCode: 'SE01' } });
    expect(await get('query=a&display=101')).toMatchObject({ status: 400, body: { errorCode: 'SE02' } });
    expect(await get('query=a&start=1001')).toMatchObject({ status: 400, body: { errorCode: 'SE03' } });
    expect(await get('query=a&sort=price')).toMatchObject({ status: 400, body: { errorCode: 'SE04' } });
    expect(await get('query=%ED%85')).toMatchObject({ status: 400, body: { errorCode: 'SE06' } });
    const missing = await fetch(`${oa}/v1/search/nothing.json?query=a`, { headers });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ errorCode: 'SE05' });
    const anonymous = await fetch(`${oa}/v1/search/shop.json?query=a`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ errorCode: '024' });
  });
});

describe('retries', () => {
  it('429 (rate) is retried and then succeeds', async () => {
    await control(oa, 'faults', { failNext: { count: 2, kind: 'rate' } });
    const r = await naverOpenApi(openApiOptions(), deps()).search(query);
    expect(r.data.items).toHaveLength(10);
    expect((await control(oa, 'stats')).byStatus).toEqual({ 200: 1, 429: 2 });
  });

  it('5xx is retried up to the bound, then a 502 naming the attempts', async () => {
    await control(oa, 'faults', { outage: true });
    const error = await failure(naverOpenApi(openApiOptions(), deps()).search(query));
    expect(error.code).toBe('upstream_failed');
    expect(error.message).toMatch(/500 SE99.*after 3 attempts/);
    expect((await control(oa, 'stats')).requests).toBe(3);
  });

  it('Search Ad 1016 (a 400) is retried; 7002 (also a 400) is not', async () => {
    await control(sa, 'faults', { failNext: { count: 1, kind: 'connections' } });
    const tool = naverSearchAd(searchAdOptions(), deps());
    expect((await tool.related(['텐트'], { scope: 't' })).data.hints[0]!.stat).not.toBeNull();
    expect((await control(sa, 'stats')).byStatus).toEqual({ 200: 1, 400: 1 });

    await control(sa, 'reset', {});
    const error = await failure(tool.related(['랜턴', '랜턴'], { scope: 't' }));
    expect(error.code).toBe('unprocessable');
    expect(error.details).toMatchObject({ providerCode: 7002, field: 'hint' });
    expect((await control(sa, 'stats')).requests).toBe(1);
  });

  it('a 400 SE02 is not retried', async () => {
    const error = await failure(naverOpenApi(openApiOptions(), deps()).search({ ...query, size: 150 }));
    expect(error.code).toBe('invalid');
    expect(error.details).toMatchObject({ providerCode: 'SE02', field: 'size' });
    expect((await control(oa, 'stats')).requests).toBe(1);
  });

  it('a slow provider times out per attempt, within the bound', async () => {
    // The sandbox holds every request unanswered until released: slow for exactly as long as the test needs.
    await control(oa, 'faults', { hold: true });
    const started = performance.now();
    const error = await failure(naverOpenApi(openApiOptions({ timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 } }), deps()).search(query));
    const elapsed = performance.now() - started;
    await control(oa, 'release', {});
    expect(error.code).toBe('upstream_failed');
    expect(error.message).toMatch(/no answer within 100 ms \(after 2 attempts\)/);
    // Two attempts of 100 ms, not the provider's (unbounded) delay; generous, as a failure bound only.
    expect(elapsed).toBeLessThan(10_000);
  });

  it('backoff is full jitter under an exponential cap; Retry-After is read as seconds or a date', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0.999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3_000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6_000);
    expect(retryAfterMs(new Headers())).toBeNull();
  });
});

describe('rate limit and cache', () => {
  it('waits for a rate slot instead of failing, so a sandbox limit of the same rate never answers 429', async () => {
    await control(oa, 'faults', { ratePerSecond: 20 });
    const api = naverOpenApi(openApiOptions({ ratePerSecond: 20, rateMaxWaitMs: 5_000 }), deps());
    const started = performance.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => api.search({ ...query, query: `텐트${i}` })));
    const seconds = (performance.now() - started) / 1000;
    const stats = await control(oa, 'stats');
    expect(stats.requests).toBe(30);
    expect(stats.rejected429).toBe(0);
    // 30 calls at 20/s: one slot every 50 ms.
    expect(seconds).toBeGreaterThan(1.2);
  });
});

describe('keyword batching', () => {
  it('packs concurrent single-hint requests of one scope into calls of 5, never across scopes', async () => {
    const tool = naverSearchAd(searchAdOptions({ batchWindowMs: 30 }), deps());
    const hints = ['캠핑의자', '텐트', '랜턴', '타프', '코펠', '버너', '침낭', '매트', '아이스박스', '해먹'];
    const answers = await Promise.all([
      ...hints.map((h) => tool.related([h], { scope: 'tenant-a' })),
      tool.related(['패딩'], { scope: 'tenant-b' }),
    ]);
    const stats = await control(sa, 'stats');
    expect(stats.requests).toBe(3);
    for (const [i, a] of answers.slice(0, 10).entries()) {
      expect(a.data.hints).toEqual([{ hint: hints[i], stat: expect.objectContaining({ keyword: hints[i] }) }]);
      expect(a.data.packedWith).toHaveLength(4);
      expect(a.data.packedWith).not.toContain('패딩');
    }
    expect(answers[10]!.data.packedWith).toEqual([]);
    expect(tool.stats()).toEqual({ providerCalls: 3, packedRequests: 10 });
  });
});
