import { describe, expect, it } from 'vitest';
import { budgetLeases, defaultLeasePolicy } from './budget-leases.ts';
import { windowBounds, type ConsumeRequest, type RateCounter, type ReleaseRequest } from './rate-counter.ts';

const DAY = { sizeMs: 86_400_000, utcOffsetMs: 9 * 3_600_000 };

/** One shared counter, as every process sees the store, recording what it was asked. */
const sharedCounter = (now: () => number) => {
  const counts = new Map<string, number>();
  const consumed: ConsumeRequest[] = [];
  const released: ReleaseRequest[] = [];
  const counter: RateCounter = {
    consume: async (r) => {
      consumed.push(r);
      const { start, end } = windowBounds(now(), r.window);
      const key = `${r.name}@${start}`;
      const count = counts.get(key) ?? 0;
      const amount = r.amount ?? 1;
      if (count + amount > r.limit) return { allowed: false, count, limit: r.limit, resetAt: new Date(end) };
      counts.set(key, count + amount);
      return { allowed: true, count: count + amount, limit: r.limit, resetAt: new Date(end) };
    },
    peek: async () => ({ count: 0, resetAt: new Date(0) }),
    release: async (r) => {
      released.push(r);
      const key = `${r.name}@${r.windowStart.getTime()}`;
      counts.set(key, Math.max(0, (counts.get(key) ?? 0) - r.amount));
    },
  };
  const count = (name: string) => counts.get(`${name}@${windowBounds(now(), DAY).start}`) ?? 0;
  return { counter, consumed, released, count };
};

const fixed = (limit: number) => async () => ({ limit, about: `plan of ${limit}` });

describe('budget leases', () => {
  it('leases 1% of what is left (at most 1,000) and spends it without asking the counter', async () => {
    let now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    const leases = budgetLeases<string>(shared.counter, { now: () => new Date(now) });
    for (let i = 0; i < 500; i++) expect((await leases.spend('t', DAY, fixed(50_000))).allowed).toBe(true);
    // 50,000 * 1% = 500 calls, one write.
    expect(shared.consumed.map((r) => r.amount)).toEqual([500]);
    await leases.spend('t', DAY, fixed(50_000));
    // 49,500 left: 495.
    expect(shared.consumed.map((r) => r.amount)).toEqual([500, 495]);
    expect(leases.held()).toBe(494);
    // A huge budget is leased 1,000 at a time.
    await leases.spend('big', DAY, fixed(10_000_000));
    expect(shared.consumed.at(-1)!.amount).toBe(1_000);
    now += 1; // keeps the clock used
  });

  it('several processes spending one budget at once never pass it, and together spend all of it', async () => {
    const now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    const processes = Array.from({ length: 5 }, () => budgetLeases<string>(shared.counter, { now: () => new Date(now) }));
    const allowed = [0, 0, 0, 0, 0];
    // Each process sends 50 calls at a time until it is refused; 5,000 is the budget (slices of 50 shrinking to 1).
    await Promise.all(
      processes.map(async (leases, p) => {
        for (;;) {
          const results = await Promise.all(Array.from({ length: 50 }, () => leases.spend('t', DAY, fixed(5_000))));
          const ok = results.filter((r) => r.allowed).length;
          allowed[p]! += ok;
          if (ok < 50) return;
        }
      }),
    );
    expect(allowed.reduce((a, b) => a + b)).toBe(5_000);
    expect(shared.count('t')).toBe(5_000);
    expect(processes.map((l) => l.held())).toEqual([0, 0, 0, 0, 0]);
  });

  it('concurrent calls of one budget wait for one lease', async () => {
    const now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    const leases = budgetLeases<string>(shared.counter, { now: () => new Date(now) });
    await Promise.all(Array.from({ length: 40 }, () => leases.spend('t', DAY, fixed(5_000))));
    expect(shared.consumed.map((r) => r.amount)).toEqual([50]);
  });

  it('a spent budget is refused without a counter write until refusalMs has passed; a raised limit applies at once', async () => {
    let now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    const leases = budgetLeases<string>(shared.counter, { now: () => new Date(now) });
    for (let i = 0; i < 100; i++) await leases.spend('t', DAY, fixed(100));
    const refused = await leases.spend('t', DAY, fixed(100));
    expect(refused).toEqual({ allowed: false, limit: 100, count: 100, resetAt: new Date(Date.UTC(2025, 5, 10, 15)), about: 'plan of 100' });
    const writes = shared.consumed.length;
    now += defaultLeasePolicy.refusalMs - 1;
    expect((await leases.spend('t', DAY, fixed(100))).allowed).toBe(false);
    expect(shared.consumed.length).toBe(writes);
    now += 1;
    expect((await leases.spend('t', DAY, fixed(100))).allowed).toBe(false);
    expect(shared.consumed.length).toBe(writes + 1);
    // An upgrade inside the refusal window: leased at once.
    expect((await leases.spend('t', DAY, fixed(5_000))).allowed).toBe(true);
  });

  it('gives back what lay idle, and everything when asked; a new day starts from nothing', async () => {
    let now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    const leases = budgetLeases<string>(shared.counter, { now: () => new Date(now) });
    await leases.spend('idle', DAY, fixed(5_000));
    now += 5_000;
    await leases.spend('busy', DAY, fixed(5_000));
    now += defaultLeasePolicy.idleMs - 5_000;
    expect(await leases.giveBack()).toBe(49);
    expect(shared.count('idle')).toBe(1);
    expect(shared.count('busy')).toBe(50);
    expect(await leases.giveBack(true)).toBe(49);
    expect(shared.count('busy')).toBe(1);
    expect(shared.released.map((r) => [r.name, r.amount, r.windowStart.toISOString()])).toEqual([
      ['idle', 49, '2025-06-09T15:00:00.000Z'],
      ['busy', 49, '2025-06-09T15:00:00.000Z'],
    ]);
    // Midnight KST: a slice of the old day is not spent in the new one.
    await leases.spend('t', DAY, fixed(5_000));
    now = Date.UTC(2025, 5, 10, 15);
    await leases.spend('t', DAY, fixed(5_000));
    expect(shared.consumed.slice(-2).map((r) => r.amount)).toEqual([50, 50]);
    expect(await leases.giveBack(true)).toBe(49);
  });

  it('a store error reaches the caller and the next call tries again', async () => {
    const now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    let down = true;
    const flaky: RateCounter = { ...shared.counter, consume: async (r) => (down ? Promise.reject(new Error('store down')) : shared.counter.consume(r)) };
    const leases = budgetLeases<string>(flaky, { now: () => new Date(now) });
    await expect(leases.spend('t', DAY, fixed(100))).rejects.toThrow('store down');
    down = false;
    expect((await leases.spend('t', DAY, fixed(100))).allowed).toBe(true);
  });
});
