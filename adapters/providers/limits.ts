/**
 * Client-side limits kept in the shared RateCounter, so every process of the service spends one allowance:
 * a per-credential request rate and per-credential daily budgets.
 */
import type { RateCounter } from '../../core/platform/rate-counter.ts';
import { DomainError } from '../../core/shared/errors.ts';
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

/**
 * `perSecond` requests a second as one request per slot of 1000/perSecond ms. Fixed one-second windows would
 * allow twice the rate across a window boundary, which a provider counting over a sliding second rejects.
 * When the slot is taken the caller sleeps until it ends (plus a little jitter so waiting processes spread
 * out), for at most `maxWaitMs` in all.
 */
export const rateLimiter = (
  counter: RateCounter,
  options: { name: string; provider: string; perSecond: number; maxWaitMs: number; now?: () => number; random?: () => number },
): RateLimiter => {
  const sizeMs = Math.ceil(1000 / options.perSecond);
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  return {
    acquire: async (signal) => {
      const deadline = now() + options.maxWaitMs;
      for (;;) {
        const result = await counter.consume({ name: options.name, limit: 1, window: { sizeMs } });
        if (result.allowed) return;
        const wait = Math.max(1, result.resetAt.getTime() - now()) + Math.floor(random() * Math.min(sizeMs, 20));
        if (now() + wait > deadline) {
          throw new DomainError('rate_limited', `the ${options.provider} request rate (${options.perSecond}/s) is saturated; try again shortly`, {
            retryAfterSeconds: 1,
            details: { limit: `${options.perSecond}/s` },
          });
        }
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
  counter: RateCounter,
  options: { name: string; provider: string; label: string; limit: number; day: ProviderDay; now?: () => number },
): DailyBudget => {
  const now = options.now ?? Date.now;
  return {
    spend: async () => {
      const result = await counter.consume({ name: options.name, limit: options.limit, window: { sizeMs: DAY_MS, utcOffsetMs: options.day.utcOffsetMs } });
      if (result.allowed) return;
      const resetAt = result.resetAt.toISOString();
      throw new DomainError('rate_limited', `the daily ${options.provider} ${options.label} budget of ${options.limit} calls is spent; it resets at ${resetAt} (${options.day.midnight})`, {
        retryAfterSeconds: Math.max(1, Math.ceil((result.resetAt.getTime() - now()) / 1000)),
        details: { budget: options.label, limit: options.limit, resetAt },
      });
    },
  };
};
