/**
 * The Partners client: per-keyword cache, one per-minute budget shared by every client over one rate counter (as
 * processes share the database's), and Coupang's own quota answer (rCode "403") turned into a 429, never a 403.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { coupangPartners, type PartnersOptions } from '../../adapters/coupang/partners.ts';
import type { RateCounter } from '../../core/platform/rate-counter.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { memoryRateCounter, memoryResponseCache } from '../naver/helpers.ts';
import { control, creds, useCoupangSandbox } from './helpers.ts';

const coupang = useCoupangSandbox();
let base: string;
beforeAll(() => {
  base = coupang.base();
});

const options = (over: Partial<PartnersOptions> = {}): PartnersOptions => ({
  baseUrl: base,
  accessKey: creds.partnersAccessKey,
  secretKey: creds.partnersSecretKey,
  timeoutMs: 2000,
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 40 },
  perMinute: 40,
  searchTtlMs: 60_000,
  ...over,
});
// A clock at the start of a minute, so a budget window cannot roll over mid-test.
const MINUTE_START = Math.ceil(Date.now() / 60_000) * 60_000 + 1_000;
const clientOver = (counter: RateCounter, over: Partial<PartnersOptions> = {}, now: () => number = Date.now) =>
  coupangPartners(options(over), { rateCounter: counter, cache: memoryResponseCache(), clock: { now: () => new Date(now()) } });
const atMinuteStart = () => MINUTE_START;
const failure = async (p: Promise<unknown>): Promise<DomainError> => {
  const error = await p.then(() => null, (e: unknown) => e);
  if (error instanceof DomainError) return error;
  throw new Error(`expected a DomainError, got ${String(error)}`);
};

describe('Partners search', () => {
  it('normalises products and serves a keyword from the cache whatever the limit and spacing', async () => {
    const client = clientOver(memoryRateCounter());
    const first = await client.search({ keyword: '캠핑의자', limit: 10 });
    expect(first).toMatchObject({ source: 'coupang-partners:product-search', cached: false, data: { keyword: '캠핑의자' } });
    expect(first.data.items).toHaveLength(10);
    expect(first.data.items.map((i) => i.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const item of first.data.items) {
      expect(item.productId).toMatch(/^\d+$/);
      expect(Number.isInteger(item.price) && item.price > 0).toBe(true);
      expect(item.name).toContain('캠핑의자');
    }
    const fewer = await client.search({ keyword: '  캠핑의자 ', limit: 3 });
    expect(fewer).toMatchObject({ cached: true, asOf: first.asOf });
    expect(fewer.data.items).toEqual(first.data.items.slice(0, 3));
    expect((await control(base, 'stats')).requests).toBe(1);
  });

  it('concurrent requests for one keyword share one call', async () => {
    const client = clientOver(memoryRateCounter());
    await Promise.all(Array.from({ length: 5 }, () => client.search({ keyword: '텐트', limit: 5 })));
    expect((await control(base, 'stats')).requests).toBe(1);
  });

  it('two clients on one rate counter spend one per-minute budget; then 429 with Retry-After and no call', async () => {
    const counter = memoryRateCounter(() => MINUTE_START);
    const a = clientOver(counter, { perMinute: 3 }, atMinuteStart);
    const b = clientOver(counter, { perMinute: 3 }, atMinuteStart);
    await a.search({ keyword: '랜턴', limit: 1 });
    await b.search({ keyword: '타프', limit: 1 });
    await a.search({ keyword: '코펠', limit: 1 });
    const spent = await failure(b.search({ keyword: '버너', limit: 1 }));
    expect(spent).toMatchObject({ code: 'rate_limited', details: { budget: 'Coupang Partners search', limit: 3 } });
    // The clock stands 1 s into the minute: 59 s to go.
    expect(spent.retryAfterSeconds).toBe(59);
    expect((await control(base, 'stats')).requests).toBe(3);
  });

  it('Coupang\'s quota answer (rCode "403") is a 429 at once, and spends the shared budget so no client calls again this minute', async () => {
    await control(base, 'limits', { partnersPerMinute: 2 });
    const counter = memoryRateCounter(() => MINUTE_START);
    const a = clientOver(counter, { perMinute: 40 }, atMinuteStart);
    const b = clientOver(counter, { perMinute: 40 }, atMinuteStart);
    await a.search({ keyword: '모니터', limit: 1 });
    await a.search({ keyword: '키보드', limit: 1 });
    const quota = await failure(a.search({ keyword: '마우스', limit: 1 }));
    expect(quota.code).toBe('rate_limited');
    expect(quota.details).toMatchObject({ providerStatus: 403, providerCode: '403' });
    expect(quota.retryAfterSeconds).toBe(59);
    // Not retried: one call answered 403.
    expect((await control(base, 'stats')).byStatus).toEqual({ 200: 2, 403: 1 });
    const after = await failure(b.search({ keyword: '이어폰', limit: 1 }));
    expect(after).toMatchObject({ code: 'rate_limited', details: { budget: 'Coupang Partners search', limit: 40 } });
    expect((await control(base, 'stats')).requests).toBe(3);
  });

  it('a refused key is 502 naming the credentials; a bad keyword is 400 with Coupang\'s code', async () => {
    const refused = await failure(clientOver(memoryRateCounter(), { secretKey: 'wrong-secret' }).search({ keyword: '텐트', limit: 1 }));
    expect(refused).toMatchObject({ code: 'upstream_failed', details: { providerStatus: 401 } });
    expect(refused.message).toMatch(/^provider credentials rejected/);
    expect(refused.message).not.toContain('wrong-secret');
    const long = await failure(clientOver(memoryRateCounter()).search({ keyword: '가'.repeat(60), limit: 1 }));
    expect(long).toMatchObject({ code: 'invalid', details: { providerCode: '400', providerMessage: 'keyword is too long.' } });
  });
});
