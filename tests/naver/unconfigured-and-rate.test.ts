/**
 * Two promises of the Naver context: without credentials and without the sandbox the endpoints answer 503 naming
 * the variables to set (never a 5xx of ours, never a call out); and a request that cannot get a rate slot within
 * NAVER_RATE_MAX_WAIT_MS answers 429 with Retry-After instead of waiting on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateCounter } from '../../core/platform/rate-counter.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { rateLimiter } from '../../adapters/providers/limits.ts';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import type { RunningSandbox } from '../../sandbox/index.ts';
import { testRuntime, type TestRuntime } from '../helpers/invoke.ts';
import { auth, control, memoryRateCounter, naverRuntime, startNaverSandbox, TOKEN } from './helpers.ts';

const tenant = memoryAuthenticator(new Map([[TOKEN, { kind: 'tenant', tenantId: 'tenant-1', actorId: 'user-1', role: 'owner', via: 'api_key' }]]));

describe('no Naver credentials and no sandbox', () => {
  for (const [label, env] of [
    ['NAVER_SANDBOX=off', { NAVER_SANDBOX: 'off' }],
    // Production needs a billing key vault to start; the key here is a throwaway.
    ['production (NAVER_SANDBOX=auto)', { NODE_ENV: 'production', NAVER_SANDBOX: 'auto', BILLING_KEY_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` }],
  ] as const) {
    it(`answers 503 naming the variables to set: ${label}`, { timeout: 120_000 }, async () => {
      let rt: TestRuntime | undefined;
      try {
        rt = await testRuntime({ env: { ...env }, overrides: { auth: tenant } });
        const search = await rt.call('naver.searchShopping', { query: { query: '캠핑의자' }, headers: auth });
        expect(search.status).toBe(503);
        expect(search.headers['content-type']).toBe('application/problem+json');
        expect(search.body).toMatchObject({ type: 'urn:sellpo:problem:unavailable', status: 503 });
        expect(search.body.detail).toBe('Naver Open API is not configured on this server (set NAVER_CLIENT_ID and NAVER_CLIENT_SECRET)');
        const trends = await rt.call('naver.trends', {
          body: { startDate: '2025-01-01', endDate: '2025-03-31', timeUnit: 'month', keywordGroups: [{ groupName: '의자', keywords: ['캠핑의자'] }] },
          headers: auth,
        });
        expect(trends.status).toBe(503);
        const keywords = await rt.call('naver.keywords', { query: { hint: '캠핑의자' }, headers: auth });
        expect(keywords.status).toBe(503);
        expect(keywords.body.detail).toBe('Naver Search Ad is not configured on this server (set NAVER_SEARCHAD_API_KEY, NAVER_SEARCHAD_SECRET and NAVER_SEARCHAD_CUSTOMER_ID)');
        // No sandbox was started in its place.
        expect(rt.captured.logs.some((l) => String(l.message).includes('provider sandbox'))).toBe(false);
      } finally {
        await rt?.close();
      }
    });
  }
});

describe('the rate wait runs out', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startNaverSandbox();
  });
  afterAll(async () => sandbox?.close());

  it('answers 429 with Retry-After when no rate slot frees up within NAVER_RATE_MAX_WAIT_MS, without calling Naver', { timeout: 120_000 }, async () => {
    // Every rate slot taken for the next minute (other processes spending the shared allowance); budgets free.
    const shared = memoryRateCounter();
    const saturated: RateCounter = {
      consume: async (r) => (r.name.includes(':rate:') ? { allowed: false, count: r.limit, limit: r.limit, resetAt: new Date(Date.now() + 60_000) } : shared.consume(r)),
      peek: (name, window) => shared.peek(name, window),
    };
    const rt = await naverRuntime(sandbox, { env: { NAVER_RATE_MAX_WAIT_MS: '200' }, overrides: { rateCounter: saturated } });
    try {
      const search = await rt.call('naver.searchShopping', { query: { query: '모니터' }, headers: auth });
      expect(search.status).toBe(429);
      expect(search.headers['retry-after']).toBe('1');
      expect(search.body).toMatchObject({ type: 'urn:sellpo:problem:rate-limited' });
      expect(search.body.detail).toMatch(/^the Naver request rate \(1000\/s\) is saturated/);
      const keywords = await rt.call('naver.keywords', { query: { hint: '모니터' }, headers: auth });
      expect(keywords.status).toBe(429);
      expect(keywords.headers['retry-after']).toBe('1');
      expect((await control(sandbox.urls.naverOpenApi!, 'stats')).requests).toBe(0);
      expect((await control(sandbox.urls.naverSearchAd!, 'stats')).requests).toBe(0);
    } finally {
      await rt.close();
    }
  });

  it('the limiter gives up at once when the next slot is further off than the wait it may spend', async () => {
    const t = 1_700_000_000_000; // the start of a one-second window, on a clock that does not move
    const counter = memoryRateCounter(() => t);
    const limiter = rateLimiter({ rateCounter: counter, clock: { now: () => new Date(t) } }, { name: 'naver:test:rate', provider: 'Naver', perSecond: 2, maxWaitMs: 400, random: () => 0 });
    await limiter.acquire();
    // The next slot opens 500 ms on (two a second): more than the 400 ms it may wait.
    const error = await limiter.acquire().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 1, details: { limit: '2/s' } });
  });
});
