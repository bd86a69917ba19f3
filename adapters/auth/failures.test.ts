import { describe, expect, it } from 'vitest';
import { memoryAccessStore } from '../memory/access.ts';
import { generateKey } from '../../core/platform/api-keys.ts';
import type { AuthFailure } from '../../core/platform/principal.ts';
import { windowBounds, type RateCounter } from '../../core/platform/rate-counter.ts';
import { accessAuthenticator } from './authenticator.ts';
import { failureGuard, type FailureLimits } from './failures.ts';

// One counter shared by every guard made here, as the database's is by every process.
const sharedCounter = (now: () => number): RateCounter & { consumed: number } => {
  const counts = new Map<string, number>();
  const counter = {
    consumed: 0,
    consume: async (r: Parameters<RateCounter['consume']>[0]) => {
      counter.consumed++;
      const { start, end } = windowBounds(now(), r.window);
      const key = `${r.name}@${start}`;
      const count = counts.get(key) ?? 0;
      if (count + 1 > r.limit) return { allowed: false, count, limit: r.limit, resetAt: new Date(end) };
      counts.set(key, count + 1);
      return { allowed: true, count: count + 1, limit: r.limit, resetAt: new Date(end) };
    },
    peek: async () => ({ count: 0, resetAt: new Date(0) }),
  };
  return counter;
};

const T0 = Date.UTC(2026, 2, 1, 0, 0, 0);
const setup = (limits: Partial<FailureLimits> = { perSource: 3, perPrefix: 2, windowMs: 60_000, maxSources: 1_000 }) => {
  let nowMs = T0 + 10_000;
  const clock = { now: () => new Date(nowMs) };
  const store = memoryAccessStore();
  const counter = sharedCounter(() => nowMs);
  const guard = () => failureGuard({ counter, audit: store.audit, clock, limits, flushEveryMs: 0 });
  return { store, counter, clock, guard, at: (ms: number) => void (nowMs = ms) };
};
const randomKey = () => `Bearer ${generateKey('live').key}`;
const failure = (sourceIp: string, authorization = randomKey(), n = 0): AuthFailure => ({
  reason: 'invalid_credentials', route: 'platform.listApiKeys', sourceIp, requestId: `r-${n}`, authorization,
});

describe('failed authentication', () => {
  it('throttles a source once it used its allowance, until the window ends; other sources go on', async () => {
    const { guard } = setup();
    const g = guard();
    for (let i = 0; i < 3; i++) expect(await g.record(failure('203.0.113.1'))).toBeNull();
    // The 4th failure finds the counter full: 429 for the 50 s left of the minute window (00:00:10 -> 00:01:00).
    expect(await g.record(failure('203.0.113.1'))).toEqual({ retryAfterSeconds: 50 });
    expect(g.throttled('203.0.113.1')).toMatchObject({ retryAfterSeconds: 50 });
    expect(g.throttled('198.51.100.7')).toBeNull();
    expect(await g.record(failure('198.51.100.7'))).toBeNull();
  });

  it('shares the allowance across processes through the shared counter', async () => {
    const { guard } = setup();
    const a = guard();
    const b = guard();
    for (let i = 0; i < 3; i++) await a.record(failure('203.0.113.1'));
    // Process b has never seen the source: its first failure finds the shared count full.
    expect(b.throttled('203.0.113.1')).toBeNull();
    expect(await b.record(failure('203.0.113.1'))).toEqual({ retryAfterSeconds: 50 });
    expect(b.throttled('203.0.113.1')).not.toBeNull();
  });

  it('a blocked source costs no counter call; the block ends with the window', async () => {
    const { guard, counter, at } = setup();
    const g = guard();
    for (let i = 0; i < 4; i++) await g.record(failure('203.0.113.1'));
    const calls = counter.consumed;
    for (let i = 0; i < 100; i++) expect(g.throttled('203.0.113.1')).not.toBeNull();
    expect(counter.consumed).toBe(calls);
    at(T0 + 60_000);
    expect(g.throttled('203.0.113.1')).toBeNull();
  });

  it('throttles wrong keys with one prefix from many sources, but still accepts the right key', async () => {
    const { store, guard, clock } = setup();
    const g = guard();
    const key = generateKey('live');
    await store.insertKey({ kind: 'tenant', id: 'k1', tenantId: 't1', memberId: 'm1', role: 'owner', name: 'k', prefix: key.prefix, hash: key.hash, createdAt: clock.now(), lastUsedAt: null, revokedAt: null });
    const wrong = `Bearer ${key.key.slice(0, -1)}${key.key.endsWith('a') ? 'b' : 'a'}`;
    expect(await g.record(failure('203.0.113.1', wrong))).toBeNull();
    expect(await g.record(failure('203.0.113.2', wrong))).toBeNull();
    expect(await g.record(failure('203.0.113.3', wrong))).toEqual({ retryAfterSeconds: 50 });
    const auth = accessAuthenticator({ store, clock, failures: g });
    expect(await auth.authenticate({ authorization: `Bearer ${key.key}`, sourceIp: '203.0.113.4', requestId: 'r' })).toMatchObject({ tenantId: 't1', key: { keyId: 'k1', keyPrefix: key.prefix } });
  });

  it('audits one entry per source, reason and window with the count, off the request path', async () => {
    const { store, guard, at } = setup({ perSource: 1_000, perPrefix: 1_000, windowMs: 60_000, maxSources: 2 });
    const g = guard();
    for (let i = 0; i < 30; i++) await g.record(failure('203.0.113.1', randomKey(), i));
    await g.record({ reason: 'missing_credentials', route: 'platform.listMembers', sourceIp: '203.0.113.1', requestId: 'm' });
    await g.record(failure('198.51.100.7'));
    // A third source past maxSources shares the `*` entry.
    await g.record(failure('192.0.2.1'));
    await g.record(failure('192.0.2.2'));
    expect(await store.audit.list('platform', {}, null, 100)).toEqual([]);
    // Closed windows are written by the next flush (the timer, or the next failure).
    at(T0 + 60_000);
    await g.flush();
    const entries = await store.audit.list('platform', {}, null, 100);
    const bySource = Object.fromEntries(entries.map((e) => [`${e.sourceIp} ${e.action}`, e.details.count]));
    expect(bySource).toEqual({
      '203.0.113.1 auth.invalid_credentials': 30,
      '203.0.113.1 auth.missing_credentials': 1,
      '198.51.100.7 auth.invalid_credentials': 1,
      '* auth.invalid_credentials': 2,
    });
    const first = entries.find((e) => e.sourceIp === '203.0.113.1' && e.action === 'auth.invalid_credentials')!;
    expect(first).toMatchObject({ actor: 'anonymous', outcome: 'denied', target: 'platform.listApiKeys', requestId: 'r-29' });
    expect(first.details).toMatchObject({ windowStart: '2026-03-01T00:00:00.000Z', windowEnd: '2026-03-01T00:01:00.000Z', routes: 'platform.listApiKeys' });
    expect(String(first.details.keyPrefixes).split(',')).toHaveLength(5);
  });

  it('holds a blocked source\'s refusals, at most maxHeld at once, releasing on abort', async () => {
    const { guard } = setup({ perSource: 1, perPrefix: 100, windowMs: 60_000, maxSources: 10, holdMs: 1_000, maxHeld: 2 });
    const g = guard();
    await g.record(failure('203.0.113.1'));
    await g.record(failure('203.0.113.1'));
    const callers = [new AbortController(), new AbortController()];
    const first = g.throttled('203.0.113.1')!;
    const second = g.throttled('203.0.113.1')!;
    const held = [first.wait!(callers[0]!.signal), second.wait!(callers[1]!.signal)];
    // Two held: the third refusal is sent at once.
    expect(g.throttled('203.0.113.1')).toEqual({ retryAfterSeconds: 50 });
    callers[0]!.abort();
    await held[0];
    expect(g.throttled('203.0.113.1')?.wait).toBeTypeOf('function');
    callers[1]!.abort();
    await held[1];
  });

  it('lets failures through as 401 when the counter is down', async () => {
    const { store, clock } = setup();
    const broken: RateCounter = { consume: async () => { throw new Error('database down'); }, peek: async () => ({ count: 0, resetAt: new Date(0) }) };
    const errors: string[] = [];
    const g = failureGuard({ counter: broken, audit: store.audit, clock, flushEveryMs: 0, onError: (m) => void errors.push(m) });
    expect(await g.record(failure('203.0.113.1'))).toBeNull();
    expect(errors[0]).toBe('could not count an authentication failure');
  });
});
