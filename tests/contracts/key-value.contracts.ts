/**
 * Contract suites of the platform's key-value ports. Every adapter must pass the same suite; a suite takes a
 * factory so it can run on PGlite, PostgreSQL and DynamoDB alike (see key-value.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../core/shared/clock.ts';
import type { IdempotencyKey, IdempotencyStore } from '../../core/platform/idempotency.ts';
import type { RateCounter } from '../../core/platform/rate-counter.ts';
import type { ResponseCache } from '../../core/platform/response-cache.ts';

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export const manualClock = (start = Date.parse('2026-03-01T00:00:00Z')): ManualClock => {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => { t += ms; } };
};

export interface Subject<P> {
  port: P;
  clock: ManualClock;
}

let n = 0;
/** Unique names per test, so tests sharing one store never see each other's rows. */
export const unique = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${n++}`;

const opts = { fingerprint: 'fp-1', ttlSeconds: 3600, lockSeconds: 30 };
const ok = { status: 201, headers: { 'content-type': 'application/json' }, body: '{"id":"a1","name":"캠핑의자"}' };

export const idempotencyContract = (make: () => Subject<IdempotencyStore>) => {
  const key = (): IdempotencyKey => ({ scope: unique('tenant'), operation: 'test.create', key: unique('key') });

  describe('IdempotencyStore contract', () => {
    it('gives the first caller the key, then reports it in progress, then replays the stored response', async () => {
      const { port } = make();
      const k = key();
      const first = await port.begin(k, opts);
      expect(first.state).toBe('new');
      expect(await port.begin(k, opts)).toEqual({ state: 'in_progress' });
      await port.complete(k, (first as { token: string }).token, ok);
      expect(await port.begin(k, opts)).toEqual({ state: 'completed', response: ok });
    });

    it('answers mismatch for the same key with another fingerprint, running or completed', async () => {
      const { port } = make();
      const k = key();
      const first = await port.begin(k, opts);
      expect(await port.begin(k, { ...opts, fingerprint: 'fp-2' })).toEqual({ state: 'mismatch' });
      await port.complete(k, (first as { token: string }).token, ok);
      expect(await port.begin(k, { ...opts, fingerprint: 'fp-2' })).toEqual({ state: 'mismatch' });
    });

    it('scopes keys by tenant and operation', async () => {
      const { port } = make();
      const k = key();
      expect((await port.begin(k, opts)).state).toBe('new');
      expect((await port.begin({ ...k, scope: unique('other') }, opts)).state).toBe('new');
      expect((await port.begin({ ...k, operation: 'test.other' }, opts)).state).toBe('new');
    });

    it('release lets a retry claim the key again; a stale token changes nothing', async () => {
      const { port } = make();
      const k = key();
      const first = (await port.begin(k, opts)) as { state: 'new'; token: string };
      await port.release(k, 'not-the-token');
      expect(await port.begin(k, opts)).toEqual({ state: 'in_progress' });
      await port.complete(k, 'not-the-token', ok);
      expect(await port.begin(k, opts)).toEqual({ state: 'in_progress' });
      await port.release(k, first.token);
      expect((await port.begin(k, opts)).state).toBe('new');
    });

    it('forgets keys after their TTL, and lets a retry take over a lease left by a dead request', async () => {
      const { port, clock } = make();
      const k = key();
      const first = (await port.begin(k, opts)) as { state: 'new'; token: string };
      clock.advance(29_000);
      expect(await port.begin(k, opts)).toEqual({ state: 'in_progress' });
      clock.advance(2_000); // lease of 30 s is over
      expect(await port.begin(k, { ...opts, fingerprint: 'fp-2' })).toEqual({ state: 'mismatch' });
      const second = (await port.begin(k, opts)) as { state: 'new'; token: string };
      expect(second.state).toBe('new');
      await port.complete(k, first.token, { ...ok, status: 500 }); // the first owner lost the key
      await port.complete(k, second.token, ok);
      expect(await port.begin(k, opts)).toEqual({ state: 'completed', response: ok });
      clock.advance(3_600_000);
      expect((await port.begin(k, { ...opts, fingerprint: 'fp-2' })).state).toBe('new');
    });

    it('of 20 concurrent callers exactly one gets the key', async () => {
      const { port } = make();
      const k = key();
      const results = await Promise.all(Array.from({ length: 20 }, () => port.begin(k, opts)));
      expect(results.filter((r) => r.state === 'new')).toHaveLength(1);
      expect(results.filter((r) => r.state === 'in_progress')).toHaveLength(19);
    });
  });
};

export const rateCounterContract = (make: () => Subject<RateCounter>) => {
  const second = { sizeMs: 1_000 };

  describe('RateCounter contract', () => {
    it('counts up to the limit, refuses past it without counting, and starts again in the next window', async () => {
      const { port, clock } = make();
      const name = unique('counter');
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await port.consume({ name, limit: 3, window: second }));
      expect(results.map((r) => [r.allowed, r.count])).toEqual([[true, 1], [true, 2], [true, 3], [false, 3]]);
      expect(results[0]!.resetAt.getTime() - clock.now().getTime()).toBeLessThanOrEqual(1_000);
      expect(await port.peek(name, second)).toMatchObject({ count: 3 });
      clock.advance(1_000);
      expect(await port.consume({ name, limit: 3, window: second })).toMatchObject({ allowed: true, count: 1 });
    });

    it('adds amounts atomically and refuses an amount that would pass the limit', async () => {
      const { port } = make();
      const name = unique('budget');
      const day = { sizeMs: 86_400_000, utcOffsetMs: 9 * 3_600_000 };
      expect(await port.consume({ name, limit: 100, window: day, amount: 60 })).toMatchObject({ allowed: true, count: 60 });
      expect(await port.consume({ name, limit: 100, window: day, amount: 50 })).toMatchObject({ allowed: false, count: 60 });
      expect(await port.consume({ name, limit: 100, window: day, amount: 101 })).toMatchObject({ allowed: false, count: 60 });
      const r = await port.consume({ name, limit: 100, window: day, amount: 40 });
      expect(r).toMatchObject({ allowed: true, count: 100 });
      // Daily windows in Korea start at 15:00 UTC.
      expect(r.resetAt.toISOString()).toBe('2026-03-01T15:00:00.000Z');
    });

    it('never lets concurrent callers pass the limit', async () => {
      const { port } = make();
      const name = unique('race');
      const results = await Promise.all(Array.from({ length: 25 }, () => port.consume({ name, limit: 10, window: { sizeMs: 60_000 } })));
      expect(results.filter((r) => r.allowed)).toHaveLength(10);
      expect((await port.peek(name, { sizeMs: 60_000 })).count).toBe(10);
    });

    it('rejects bad requests naming the field', async () => {
      const { port } = make();
      await expect(port.consume({ name: 'x', limit: -1, window: second })).rejects.toThrow(/limit/);
      await expect(port.consume({ name: 'x', limit: 1, window: second, amount: 0 })).rejects.toThrow(/amount/);
      await expect(port.consume({ name: 'x', limit: 1, window: { sizeMs: 0 } })).rejects.toThrow(/sizeMs/);
    });
  });
};

export const responseCacheContract = (make: () => Subject<ResponseCache>) => {
  describe('ResponseCache contract', () => {
    it('returns what was put until the TTL passes', async () => {
      const { port, clock } = make();
      const key = unique('naver:shop:캠핑의자');
      const value = { items: [{ title: '캠핑의자', lprice: 29_900 }], total: 1 };
      expect(await port.get(key)).toBeNull();
      await port.put(key, value, 60_000);
      const hit = await port.get<typeof value>(key);
      expect(hit?.value).toEqual(value);
      expect(hit?.storedAt.toISOString()).toBe(clock.now().toISOString());
      expect(hit!.expiresAt.getTime() - hit!.storedAt.getTime()).toBe(60_000);
      clock.advance(60_000);
      expect(await port.get(key)).toBeNull();
    });

    it('replaces on put and forgets on delete', async () => {
      const { port } = make();
      const key = unique('cache');
      await port.put(key, 1, 60_000);
      await port.put(key, [2, 'two'], 60_000);
      expect((await port.get(key))?.value).toEqual([2, 'two']);
      await port.delete(key);
      expect(await port.get(key)).toBeNull();
    });

    it('refuses values that are not JSON and bad TTLs', async () => {
      const { port } = make();
      await expect(port.put(unique('bad'), undefined, 1_000)).rejects.toThrow(/JSON/);
      await expect(port.put(unique('bad'), 1, 0)).rejects.toThrow(/ttlMs/);
    });
  });
};
