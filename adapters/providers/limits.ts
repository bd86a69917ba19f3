/**
 * Client-side limits kept in the shared RateCounter, so every process of the service spends one allowance:
 * a per-credential request rate and per-credential daily budgets.
 */
import { DomainError } from '../../core/shared/errors.ts';
import type { ProviderDeps } from './deps.ts';
import { sleep } from './http.ts';

export const DAY_MS = 86_400_000;

/** Where a provider's day starts: an offset from UTC and how to say its midnight. */
export interface ProviderDay {
  utcOffsetMs: number;
  midnight: string;
}

/** Korea is UTC+9 all year: Korean providers' daily quotas restart at 00:00 KST. */
export const KOREAN_DAY: ProviderDay = { utcOffsetMs: 9 * 3_600_000, midnight: 'midnight in Korea' };

/** The next midnight of that day after `nowMs` (a full day on when it is midnight), and the seconds until then. */
export const nextMidnight = (nowMs: number, day: ProviderDay): { seconds: number; resetAt: string } => {
  const end = Math.floor((nowMs + day.utcOffsetMs) / DAY_MS) * DAY_MS - day.utcOffsetMs + DAY_MS;
  return { seconds: Math.ceil((end - nowMs) / 1000), resetAt: new Date(end).toISOString() };
};

export interface RateLimiter {
  /** Waits for a request slot (bounded), or throws rate_limited. */
  acquire(signal?: AbortSignal): Promise<void>;
}

/** What a limiter is built on: the shared counter and the clock that counter keeps its windows by. */
export type LimitDeps = Pick<ProviderDeps, 'rateCounter' | 'clock'>;

/**
 * `perSecond` requests a second as one request per slot of 1000/perSecond ms. Fixed one-second windows would
 * allow twice the rate across a window boundary, which a provider counting over a sliding second rejects.
 * When the slot is taken the caller sleeps until it ends by the counter's clock (plus a little jitter so waiting
 * processes spread out), for at most `maxWaitMs` of sleep in all (the counter's round trips come on top). The sleeps
 * are added up rather than read off the clock, so a clock that stands still (a test's) ends the wait too.
 */
export const rateLimiter = (
  deps: LimitDeps,
  options: { name: string; provider: string; perSecond: number; maxWaitMs: number; random?: () => number },
): RateLimiter => {
  const sizeMs = Math.ceil(1000 / options.perSecond);
  const random = options.random ?? Math.random;
  return {
    acquire: async (signal) => {
      let slept = 0;
      for (;;) {
        const result = await deps.rateCounter.consume({ name: options.name, limit: 1, window: { sizeMs } });
        if (result.allowed) return;
        const wait = Math.max(1, result.resetAt.getTime() - deps.clock.now().getTime()) + Math.floor(random() * Math.min(sizeMs, 20));
        if (slept + wait > options.maxWaitMs) {
          throw new DomainError('rate_limited', `the ${options.provider} request rate (${options.perSecond}/s) is saturated; try again shortly`, {
            retryAfterSeconds: 1,
            details: { limit: `${options.perSecond}/s` },
          });
        }
        slept += wait;
        await sleep(wait, signal);
      }
    },
  };
};

export interface DailyBudget {
  /** Spends one call, or throws rate_limited naming the budget and when it resets. */
  spend(): Promise<void>;
}

export const dailyBudget = (
  deps: LimitDeps,
  options: { name: string; provider: string; label: string; limit: number; day: ProviderDay },
): DailyBudget => ({
  spend: async () => {
    const result = await deps.rateCounter.consume({ name: options.name, limit: options.limit, window: { sizeMs: DAY_MS, utcOffsetMs: options.day.utcOffsetMs } });
    if (result.allowed) return;
    const resetAt = result.resetAt.toISOString();
    throw new DomainError('rate_limited', `the daily ${options.provider} ${options.label} budget of ${options.limit} calls is spent; it resets at ${resetAt} (${options.day.midnight})`, {
      retryAfterSeconds: Math.max(1, Math.ceil((result.resetAt.getTime() - deps.clock.now().getTime()) / 1000)),
      details: { budget: options.label, limit: options.limit, resetAt },
    });
  },
});
