import { describe, expect, it } from 'vitest';
import { budgetLeases, defaultLeasePolicy } from './budget-leases.ts';
import { memoryRateCounter } from '../../tests/helpers/rate-counter.ts';
import type { RateCounter } from './rate-counter.ts';

const DAY = { sizeMs: 86_400_000, utcOffsetMs: 9 * 3_600_000 };

/** One shared counter, as every process sees the store, recording what it was asked. */
const sharedCounter = (now: () => number) => {
  const counter = memoryRateCounter(now);
  return { counter, consumed: counter.consumed, released: counter.released, count: (name: string) => counter.count(name, DAY) };
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

  it('asks for a smaller slice when another process took what this one believed was left, and gives up after four adds', async () => {
    const now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    const clock = { now: () => new Date(now) };
    await shared.counter.consume({ name: 't', limit: 5_000, window: DAY, amount: 4_990 });
    const leases = budgetLeases<string>(shared.counter, clock);
    // It believes the window empty and asks 50; refused at 4,990, it asks for 1% of the 10 left, at least one call.
    expect(await leases.spend('t', DAY, fixed(5_000))).toEqual({ allowed: true });
    expect(shared.consumed.map((r) => r.amount)).toEqual([4_990, 50, 1]);
    expect(leases.held()).toBe(0);

    // A store that refuses every add below the limit (others keep taking what is left): four adds, then refused.
    const asked: Array<number | undefined> = [];
    const racing: RateCounter = {
      ...shared.counter,
      consume: async (r) => {
        asked.push(r.amount);
        return { allowed: false, count: 4_990, limit: r.limit, resetAt: new Date(Date.UTC(2025, 5, 10, 15)) };
      },
    };
    const refused = await budgetLeases<string>(racing, clock).spend('r', DAY, fixed(5_000));
    expect(refused).toEqual({ allowed: false, limit: 5_000, count: 4_990, resetAt: new Date(Date.UTC(2025, 5, 10, 15)), about: 'plan of 5000' });
    expect(asked).toEqual([50, 1, 1, 1]);
  });

  it('never asks for more than the window has left, whatever share the policy names', async () => {
    const now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    await shared.counter.consume({ name: 't', limit: 10, window: DAY, amount: 4 });
    const leases = budgetLeases<string>(shared.counter, { now: () => new Date(now) }, { ...defaultLeasePolicy, share: 2 });
    // Believing 10 left it asks 10 (not 20); refused at 4, it asks the 6 left.
    expect((await leases.spend('t', DAY, fixed(10))).allowed).toBe(true);
    expect(shared.consumed.map((r) => r.amount)).toEqual([4, 10, 6]);
    expect(leases.held()).toBe(5);
  });

  it('gives back nothing of a window that has ended, and nothing when no call is left', async () => {
    let now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    const leases = budgetLeases<string>(shared.counter, { now: () => new Date(now) });
    await leases.spend('t', DAY, fixed(100)); // a slice of one call, spent
    expect(await leases.giveBack(true)).toBe(0);
    await leases.spend('u', DAY, fixed(5_000));
    expect(leases.held()).toBe(49);
    now = Date.UTC(2025, 5, 10, 15); // the day's window ends at midnight KST
    expect(await leases.giveBack(true)).toBe(0);
    expect(shared.released).toEqual([]);
    expect(leases.held()).toBe(0);
  });

  it('keeps a remainder it could not give back (the store down, or no way to give back) and spends it', async () => {
    const now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    const failing: RateCounter = { ...shared.counter, release: async () => Promise.reject(new Error('store down')) };
    const { release: _release, ...noRelease } = shared.counter;
    for (const counter of [failing, noRelease]) {
      const leases = budgetLeases<string>(counter, { now: () => new Date(now) });
      await leases.spend('t', DAY, fixed(5_000));
      const writes = shared.consumed.length;
      expect(await leases.giveBack(true)).toBe(0);
      expect(leases.held()).toBe(49);
      for (let i = 0; i < 49; i++) expect((await leases.spend('t', DAY, fixed(5_000))).allowed).toBe(true);
      expect(shared.consumed.length).toBe(writes);
    }
  });

  it('keeps believing a spent budget through a give-back until refusalMs has passed', async () => {
    let now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    const policy = { ...defaultLeasePolicy, share: 1 };
    const leases = budgetLeases<string>(shared.counter, { now: () => new Date(now) }, policy);
    for (let i = 0; i < 10; i++) await leases.spend('t', DAY, fixed(10));
    expect((await leases.spend('t', DAY, fixed(10))).allowed).toBe(false);
    expect(shared.consumed.map((r) => r.amount)).toEqual([10, 1]);
    now += policy.refusalMs - 1;
    await leases.giveBack(true);
    expect((await leases.spend('t', DAY, fixed(10))).allowed).toBe(false);
    expect(shared.consumed).toHaveLength(2);
    // Once the refusal has lapsed the entry goes; a new one believes the window empty and asks a full share.
    now += 1;
    await leases.giveBack(true);
    expect((await leases.spend('t', DAY, fixed(10))).allowed).toBe(false);
    expect(shared.consumed.map((r) => r.amount)).toEqual([10, 1, 10]);
  });

  it('a give-back while a slice is being leased keeps that slice', async () => {
    const now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const gated: RateCounter = { ...shared.counter, consume: async (r) => gate.then(() => shared.counter.consume(r)) };
    const leases = budgetLeases<string>(gated, { now: () => new Date(now) });
    const first = leases.spend('t', DAY, fixed(5_000));
    expect(await leases.giveBack(true)).toBe(0);
    open();
    expect(await first).toEqual({ allowed: true });
    expect(shared.consumed.map((r) => r.amount)).toEqual([50]);
    expect(leases.held()).toBe(49);
  });

  it('a give-back that a new lease overtakes leaves the count it read right, so the next slice is sized from it', async () => {
    const now = Date.UTC(2025, 5, 10, 3);
    const shared = sharedCounter(() => now);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slowRelease: RateCounter = { ...shared.counter, release: async (r) => gate.then(() => shared.counter.release!(r)) };
    const leases = budgetLeases<string>(slowRelease, { now: () => new Date(now) });
    await leases.spend('t', DAY, fixed(5_000)); // 50 leased, 49 held
    const giving = leases.giveBack(true);
    // The 49 are on their way back; this call leases 1% of the 4,950 it believes left.
    expect(await leases.spend('t', DAY, fixed(5_000))).toEqual({ allowed: true });
    open();
    expect(await giving).toBe(49);
    expect(shared.count('t')).toBe(50);
    for (let i = 0; i < 48; i++) await leases.spend('t', DAY, fixed(5_000));
    expect(shared.consumed.map((r) => r.amount)).toEqual([50, 49]);
    // The window holds 50: the next slice is 1% of 4,950.
    await leases.spend('t', DAY, fixed(5_000));
    expect(shared.consumed.map((r) => r.amount)).toEqual([50, 49, 49]);
  });
});
