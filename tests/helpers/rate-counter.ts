/** The shared rate counter in memory, over fixed windows as the stores keep it, recording what it was asked. */
import { windowBounds, type ConsumeRequest, type RateCounter, type RateWindow, type ReleaseRequest } from '../../core/platform/rate-counter.ts';

export interface MemoryRateCounter extends RateCounter {
  /** Every consume asked, in order. */
  readonly consumed: ConsumeRequest[];
  /** Every release asked, in order. */
  readonly released: ReleaseRequest[];
  /** What `name` has counted in the current window of `window`. */
  count(name: string, window: RateWindow): number;
}

export const memoryRateCounter = (now: () => number = Date.now): MemoryRateCounter => {
  const counts = new Map<string, number>();
  const consumed: ConsumeRequest[] = [];
  const released: ReleaseRequest[] = [];
  return {
    consumed,
    released,
    count: (name, window) => counts.get(`${name}@${windowBounds(now(), window).start}`) ?? 0,
    consume: async (r) => {
      consumed.push(r);
      const amount = r.amount ?? 1;
      const { start, end } = windowBounds(now(), r.window);
      const key = `${r.name}@${start}`;
      const count = counts.get(key) ?? 0;
      if (count + amount > r.limit) return { allowed: false, count, limit: r.limit, resetAt: new Date(end) };
      counts.set(key, count + amount);
      return { allowed: true, count: count + amount, limit: r.limit, resetAt: new Date(end) };
    },
    peek: async (name, window) => {
      const { start, end } = windowBounds(now(), window);
      return { count: counts.get(`${name}@${start}`) ?? 0, resetAt: new Date(end) };
    },
    release: async (r) => {
      released.push(r);
      const key = `${r.name}@${r.windowStart.getTime()}`;
      if (counts.has(key)) counts.set(key, Math.max(0, counts.get(key)! - r.amount));
    },
  };
};
