import type { RateCounter } from '../../core/platform/rate-counter.ts';
import type { ResponseCache } from '../../core/platform/response-cache.ts';
import type { Clock } from '../../core/shared/clock.ts';

/** The shared infrastructure a provider adapter is built on. */
export interface ProviderDeps {
  rateCounter: RateCounter;
  cache: ResponseCache;
  clock: Clock;
  /** Warnings worth an operator's eye (retries, cache failures); never given a secret. */
  warn?: (message: string, attributes: Record<string, unknown>) => void;
}
