/**
 * A small HTTP client helper for provider adapters (Naver now; Coupang, 1688 and Toss can reuse it): one call =
 * bounded attempts, each with a timeout combined with the caller's signal; exponential backoff with full jitter
 * between attempts, Retry-After honoured; only failures the caller classifies as retryable are retried.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included (1 = no retries). */
  maxAttempts: number;
  /** Backoff before retry n is uniform in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ProviderResponse {
  status: number;
  headers: Headers;
  text: string;
}

export type Verdict = 'done' | 'retry';

export interface SendOptions {
  /** Builds each attempt afresh (signatures carry a timestamp). */
  request: () => { url: string; init: RequestInit };
  /** Runs before every attempt (rate slot, daily budget); a throw ends the call with that error. */
  beforeAttempt?: (attempt: number) => Promise<void>;
  /** 'retry' for retryable answers (429, 5xx, provider-specific codes); 'done' returns the response as it is. */
  classify: (response: ProviderResponse) => Verdict;
  policy: RetryPolicy;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Told of each retry (for logs): why, and how long the wait is. */
  onRetry?: (info: { attempt: number; delayMs: number; status?: number; error?: string }) => void;
  random?: () => number;
}

/** The provider did not answer: network failure or timeout, after every attempt. */
export class ProviderUnreachable extends Error {
  readonly attempts: number;
  readonly timedOut: boolean;
  constructor(message: string, attempts: number, timedOut: boolean, cause: unknown) {
    super(message, { cause });
    this.name = 'ProviderUnreachable';
    this.attempts = attempts;
    this.timedOut = timedOut;
  }
}

export const backoffDelay = (retry: number, policy: RetryPolicy, random: () => number = Math.random): number =>
  Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1)));

/** Retry-After in ms (delta seconds or an HTTP date), or null. */
export const retryAfterMs = (headers: Headers, nowMs: number = Date.now()): number | null => {
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
};

/** Sleeps, waking early (with the abort reason) when the signal aborts. */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Sends with retries. Resolves with the final response (a success, a non-retryable answer, or the last retryable
 * one when attempts run out or Retry-After asks for longer than the policy allows); rejects with
 * ProviderUnreachable when the last attempt got no answer, or with the caller's abort reason.
 */
export const sendWithRetry = async (options: SendOptions): Promise<{ response: ProviderResponse; attempts: number }> => {
  const { policy } = options;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    await options.beforeAttempt?.(attempt);
    const { url, init } = options.request();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: ProviderResponse | undefined;
    let failure: unknown;
    try {
      const res = await fetch(url, { ...init, signal });
      response = { status: res.status, headers: res.headers, text: await res.text() };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      failure = error;
    }
    const last = attempt >= policy.maxAttempts;
    if (response) {
      if (options.classify(response) === 'done' || last) return { response, attempts: attempt };
      const asked = retryAfterMs(response.headers);
      // A provider asking for a longer pause than we would ever wait: give its answer back now.
      if (asked !== null && asked > policy.maxDelayMs) return { response, attempts: attempt };
      const delayMs = Math.max(asked ?? 0, backoffDelay(attempt, policy, random));
      options.onRetry?.({ attempt, delayMs, status: response.status });
      await sleep(delayMs, options.signal);
    } else {
      const timedOut = timeout.aborted;
      const message = timedOut ? `no answer within ${options.timeoutMs} ms` : `request failed: ${(failure as Error)?.cause ? String(((failure as Error).cause as Error).message ?? (failure as Error).cause) : (failure as Error)?.message}`;
      if (last) throw new ProviderUnreachable(`${message} (after ${attempt} attempt${attempt === 1 ? '' : 's'})`, attempt, timedOut, failure);
      const delayMs = backoffDelay(attempt, policy, random);
      options.onRetry?.({ attempt, delayMs, error: message });
      await sleep(delayMs, options.signal);
    }
  }
};
