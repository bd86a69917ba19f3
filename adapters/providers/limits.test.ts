import { describe, expect, it, vi } from 'vitest';
import { windowBounds, type RateCounter } from '../../core/platform/rate-counter.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { dailyBudget, KOREAN_DAY, nextMidnight, rateLimiter } from './limits.ts';

/** Counts per window in memory, on the given clock; records every window it was asked about. */
const counter = (now: () => number) => {
  const counts = new Map<string, number>();
  const asked: Array<{ name: string; limit: number; sizeMs: number; utcOffsetMs: number | undefined }> = [];
  const rates: RateCounter = {
    consume: async (r) => {
      asked.push({ name: r.name, limit: r.limit, sizeMs: r.window.sizeMs, utcOffsetMs: r.window.utcOffsetMs });
      const { start, end } = windowBounds(now(), r.window);
      const key = `${r.name}@${start}`;
      const count = counts.get(key) ?? 0;
      if (count + 1 > r.limit) return { allowed: false, count, limit: r.limit, resetAt: new Date(end) };
      counts.set(key, count + 1);
      return { allowed: true, count: count + 1, limit: r.limit, resetAt: new Date(end) };
    },
    peek: async () => ({ count: 0, resetAt: new Date(0) }),
  };
  return { rates, asked };
};
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);
const clockOf = (now: () => number): Clock => ({ now: () => new Date(now()) });

describe('rateLimiter', () => {
  it('takes one request per slot of 1000/perSecond ms, in the named counter', async () => {
    const t = 1_700_000_000_000;
    const { rates, asked } = counter(() => t);
    const limiter = rateLimiter({ rateCounter: rates, clock: clockOf(() => t) }, { name: 'acme:rate:id', provider: 'Acme', perSecond: 3, maxWaitMs: 0 });
    await limiter.acquire();
    expect(asked).toEqual([{ name: 'acme:rate:id', limit: 1, sizeMs: 334, utcOffsetMs: undefined }]);
    // The slot is taken and the next one is further off than the (zero) wait it may spend.
    const error = await failure(limiter.acquire());
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 1, details: { limit: '3/s' } });
    expect((error as Error).message).toBe('the Acme request rate (3/s) is saturated; try again shortly');
  });

  it('waits for the next slot by the clock the counter keeps its windows by, instead of failing', async () => {
    // The deps' clock runs five minutes ahead of the machine's: a slot's end read against Date.now would be five
    // minutes off, far past the 2 s it may wait.
    const ahead = () => Date.now() + 5 * 60_000;
    const { rates, asked } = counter(ahead);
    const limiter = rateLimiter({ rateCounter: rates, clock: clockOf(ahead) }, { name: 'acme:rate', provider: 'Acme', perSecond: 20, maxWaitMs: 2_000 });
    for (let i = 0; i < 4; i++) await limiter.acquire();
    // Four slots of 50 ms, one request each: the counter refused at least once on the way.
    expect(asked.length).toBeGreaterThan(4);
  });

  it('on a clock that stands still, gives up once its sleeps add up to the wait it may spend', async () => {
    const t = 1_700_000_000_000; // the start of a 50 ms slot; the slot never ends on this clock
    const { rates, asked } = counter(() => t);
    const limiter = rateLimiter({ rateCounter: rates, clock: clockOf(() => t) }, { name: 'acme:rate', provider: 'Acme', perSecond: 20, maxWaitMs: 120, random: () => 0 });
    await limiter.acquire();
    // Refused three times: after sleeping 50 ms, then 100 ms in all; a third 50 ms would pass the 120 ms.
    const error = await failure(limiter.acquire());
    expect(error).toMatchObject({ code: 'rate_limited', details: { limit: '20/s' } });
    expect(asked).toHaveLength(4);
  });

  it('a waiting caller leaves with its abort reason', async () => {
    // A clock that stands still: the slot never frees, so the second caller waits until it leaves.
    const now = () => Date.parse('2026-03-01T10:00:00Z');
    const { rates, asked } = counter(now);
    const limiter = rateLimiter({ rateCounter: rates, clock: clockOf(now) }, { name: 'acme:rate', provider: 'Acme', perSecond: 1, maxWaitMs: 5_000 });
    await limiter.acquire();
    const caller = new AbortController();
    const reason = new Error('gone');
    const pending = limiter.acquire(caller.signal);
    await vi.waitFor(() => expect(asked).toHaveLength(2)); // refused once: it is waiting for the next slot
    caller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('dailyBudget', () => {
  it('spends up to the limit in a day window of the provider, then refuses naming the budget and its reset', async () => {
    const now = Date.parse('2026-03-01T10:00:00Z'); // 19:00 in Korea
    const { rates, asked } = counter(() => now);
    const budget = dailyBudget({ rateCounter: rates, clock: clockOf(() => now) }, { name: 'acme:search:id', provider: 'Acme', label: 'search', limit: 2, day: KOREAN_DAY });
    await budget.spend();
    await budget.spend();
    const error = await failure(budget.spend());
    expect(asked[0]).toEqual({ name: 'acme:search:id', limit: 2, sizeMs: 86_400_000, utcOffsetMs: 9 * 3_600_000 });
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'rate_limited',
      retryAfterSeconds: 5 * 3600,
      details: { budget: 'search', limit: 2, resetAt: '2026-03-01T15:00:00.000Z' },
    });
    expect((error as Error).message).toBe('the daily Acme search budget of 2 calls is spent; it resets at 2026-03-01T15:00:00.000Z (midnight in Korea)');
  });
});

describe('nextMidnight', () => {
  it('is the next 00:00 of the provider day, at least a second away', () => {
    expect(nextMidnight(Date.parse('2026-03-01T10:00:00Z'), KOREAN_DAY)).toEqual({ seconds: 5 * 3600, resetAt: '2026-03-01T15:00:00.000Z' });
    // 23:30 UTC is 08:30 the next day in Korea.
    expect(nextMidnight(Date.parse('2026-03-01T23:30:00Z'), KOREAN_DAY)).toEqual({ seconds: 15.5 * 3600, resetAt: '2026-03-02T15:00:00.000Z' });
    // Exactly midnight in Korea: the next one is a full day on.
    expect(nextMidnight(Date.parse('2026-03-01T15:00:00Z'), KOREAN_DAY).resetAt).toBe('2026-03-02T15:00:00.000Z');
    expect(nextMidnight(Date.parse('2026-03-01T14:59:59.900Z'), KOREAN_DAY).seconds).toBe(1);
    expect(nextMidnight(Date.parse('2026-03-01T10:00:00Z'), { utcOffsetMs: 0, midnight: 'midnight UTC' }).resetAt).toBe('2026-03-02T00:00:00.000Z');
  });
});
