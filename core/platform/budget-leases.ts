/**
 * Budgets spent in memory from slices leased off the shared counter, in the manner of distributed rate limiters:
 * a process takes a slice of a budget's window with one conditional add to the shared counter (which never lets
 * the window pass its limit), then spends it call by call without I/O; it asks for another slice when it runs out.
 *
 * What it promises:
 * - Never more calls than the limit, however many processes spend: every call spent comes from a slice, and the
 *   slices added together never pass the limit (the add is refused otherwise, and a smaller slice is asked for).
 *   The overshoot is zero; a plan lowered during the day can leave what was leased before it over the new limit.
 * - Little left stranded: a slice is a share (`share`) of what the window still has, at most `maxSlice`, so slices
 *   shrink to single calls as the budget runs out; an unused remainder goes back to the counter after `idleMs`
 *   without use and when the process closes (where the counter can take it back).
 * - A spent budget is not asked of the shared counter again for `refusalMs` (a slice given back may free calls
 *   after it); the limit is asked on every call, so a raised limit (an upgrade) applies at once.
 * Measured: docs/billing.md, "The daily API-call budget".
 */
import type { Clock } from '../shared/clock.ts';
import { windowBounds, type RateCounter, type RateWindow } from './rate-counter.ts';

export interface LeasePolicy {
  /** A slice is this share of what the window has left (at least one call). */
  share: number;
  /** The most calls one slice holds. */
  maxSlice: number;
  /** How long a spent budget is believed before the shared counter is asked again (the limit is asked every call). */
  refusalMs: number;
  /** An unused remainder untouched this long goes back to the shared counter. */
  idleMs: number;
}

export const defaultLeasePolicy: LeasePolicy = { share: 0.01, maxSlice: 1_000, refusalMs: 1_000, idleMs: 10_000 };

/** What a budget's limit is, asked only when a slice is leased; `about` comes back with a refusal. */
export interface BudgetLimit<A> {
  limit: number;
  about: A;
}

export type Spend<A> = { allowed: true } | { allowed: false; limit: number; count: number; resetAt: Date; about: A };

export interface BudgetLeases<A> {
  /** Spends one call of budget `name`; `limitOf` is asked when a new slice is needed. Store errors are thrown. */
  spend(name: string, window: RateWindow, limitOf: () => Promise<BudgetLimit<A>>): Promise<Spend<A>>;
  /** Gives back the unused remainders idle for `idleMs` (all of them with `all`); returns how many calls went back. */
  giveBack(all?: boolean): Promise<number>;
  /** Calls held in memory, leased and not spent (all budgets). */
  held(): number;
}

interface Lease<A> {
  window: RateWindow;
  windowStart: number;
  resetAt: Date;
  left: number;
  usedAt: number;
  /** The window's shared count the last time it was read. */
  count: number;
  refused?: { until: number; limit: number; about: A };
  pending?: Promise<void>;
}

const ALLOWED = Object.freeze({ allowed: true as const });

export const budgetLeases = <A>(counter: RateCounter, clock: Clock, policy: LeasePolicy = defaultLeasePolicy): BudgetLeases<A> => {
  const leases = new Map<string, Lease<A>>();
  const sliceOf = (limit: number, count: number): number => Math.max(1, Math.min(policy.maxSlice, Math.floor((limit - count) * policy.share)));

  /** One conditional add per attempt; a refused add names the count, and a smaller slice is asked for. */
  const lease = async (name: string, l: Lease<A>, limitOf: () => Promise<BudgetLimit<A>>): Promise<void> => {
    const { limit, about } = await limitOf();
    for (let attempt = 0; attempt < 4; attempt++) {
      // The last count read may be stale (slices given back since): a full-looking budget is asked for one call.
      const amount = l.count < limit ? Math.min(sliceOf(limit, l.count), limit - l.count) : 1;
      const result = await counter.consume({ name, limit, window: l.window, amount });
      l.count = result.count;
      if (result.allowed) {
        l.left += amount;
        l.refused = undefined;
        return;
      }
      if (l.count >= limit) break;
    }
    l.refused = { until: clock.now().getTime() + policy.refusalMs, limit, about };
  };

  return {
    spend: async (name, window, limitOf) => {
      for (;;) {
        const now = clock.now().getTime();
        let l = leases.get(name);
        if (!l || now >= l.resetAt.getTime()) {
          // A new window: what was left of the last one expired with it.
          const { start, end } = windowBounds(now, window);
          l = { window, windowStart: start, resetAt: new Date(end), left: 0, usedAt: now, count: 0 };
          leases.set(name, l);
        }
        if (l.left > 0) {
          l.left--;
          l.usedAt = now;
          return ALLOWED;
        }
        if (l.refused && l.refused.until > now) {
          // Only the limit is asked (a raised one, an upgrade, applies at once); the shared count is not.
          const latest = await limitOf();
          if (latest.limit <= l.refused.limit) return { allowed: false, limit: latest.limit, count: l.count, resetAt: l.resetAt, about: latest.about };
          l.refused = undefined;
        }
        // Concurrent calls of one budget wait for one lease rather than each taking a slice.
        const current = l;
        current.pending ??= lease(name, current, limitOf).finally(() => (current.pending = undefined));
        await current.pending;
      }
    },
    giveBack: async (all = false) => {
      const now = clock.now().getTime();
      let returned = 0;
      for (const [name, l] of leases) {
        if (now >= l.resetAt.getTime()) {
          leases.delete(name);
          continue;
        }
        if (!all && now - l.usedAt < policy.idleMs) continue;
        const amount = l.left;
        if (amount > 0 && counter.release) {
          l.left = 0;
          try {
            await counter.release({ name, window: l.window, windowStart: new Date(l.windowStart), amount });
            returned += amount;
            l.count = Math.max(0, l.count - amount);
          } catch {
            l.left += amount; // the store is down: keep spending it, give it back later
          }
        }
        if (l.left === 0 && !l.pending && !(l.refused && l.refused.until > now)) leases.delete(name);
      }
      return returned;
    },
    held: () => {
      let n = 0;
      for (const l of leases.values()) n += l.left;
      return n;
    },
  };
};
