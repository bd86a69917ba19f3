/**
 * The HTTP side of a provider adapter: one call = bounded attempts, each with a timeout combined with the caller's
 * signal; exponential backoff with full jitter between attempts, Retry-After honoured; only answers the adapter
 * classifies as retryable are retried. Each attempt is signed afresh (signatures carry a timestamp). A provider
 * that never answers becomes upstream_failed; what its answers mean stays the adapter's to say.
 */
import { DomainError } from '../../core/shared/errors.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included (1 = no retries). */
  maxAttempts: number;
  /** Backoff before retry n is uniform in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))] ("full jitter"). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const NO_RETRY: RetryPolicy = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 };

export interface ProviderResponse {
  status: number;
  headers: Headers;
  text: string;
}

export type Verdict = 'done' | 'retry';

/** Rate limits and server errors may pass; everything else is the provider's final word. */
export const retryRateLimitsAndServerErrors = (response: ProviderResponse): Verdict => (response.status === 429 || response.status >= 500 ? 'retry' : 'done');

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  status?: number;
  error?: string;
}

export interface SendOptions {
  /** Builds each attempt afresh. */
  request: () => { url: string; init: RequestInit };
  /** Runs before every attempt (rate slot, daily budget); a throw ends the call with that error. */
  beforeAttempt?: (attempt: number) => Promise<void>;
  /** 'retry' for retryable answers; 'done' returns the response as it is. */
  classify: (response: ProviderResponse) => Verdict;
  policy: RetryPolicy;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Told of each retry (for logs): why, and how long the wait is. */
  onRetry?: (info: RetryInfo) => void;
  random?: () => number;
  fetch?: typeof fetch;
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

/** Whole seconds for our own Retry-After: the provider's if it said, else one. */
export const retryAfterSeconds = (headers: Headers, nowMs: number): number => Math.max(1, Math.ceil((retryAfterMs(headers, nowMs) ?? 1000) / 1000));

export const attemptsText = (attempts: number): string => `${attempts} attempt${attempts === 1 ? '' : 's'}`;

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

const failureText = (failure: unknown): string => {
  const error = failure as Error | undefined;
  const cause = error?.cause as Error | undefined;
  return cause ? String(cause.message ?? cause) : String(error?.message);
};

/**
 * Sends with retries. Resolves with the final response (a success, a non-retryable answer, or the last retryable
 * one when attempts run out or Retry-After asks for longer than the policy allows); rejects with
 * ProviderUnreachable when the last attempt got no answer, or with the caller's abort reason.
 */
export const sendWithRetry = async (options: SendOptions): Promise<{ response: ProviderResponse; attempts: number }> => {
  const { policy } = options;
  const random = options.random ?? Math.random;
  const doFetch = options.fetch ?? fetch;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    await options.beforeAttempt?.(attempt);
    const { url, init } = options.request();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: ProviderResponse | undefined;
    let failure: unknown;
    try {
      const res = await doFetch(url, { ...init, signal });
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
      const message = timedOut ? `no answer within ${options.timeoutMs} ms` : `request failed: ${failureText(failure)}`;
      if (last) throw new ProviderUnreachable(`${message} (after ${attemptsText(attempt)})`, attempt, timedOut, failure);
      const delayMs = backoffDelay(attempt, policy, random);
      options.onRetry?.({ attempt, delayMs, error: message });
      await sleep(delayMs, options.signal);
    }
  }
};

export interface ProviderHttpOptions {
  /** Names the provider in error details ('naver-searchad'). */
  provider: string;
  /** Names it in messages ('Naver Search Ad'); a request may name itself more precisely. */
  label: string;
  baseUrl: string;
  timeoutMs: number;
  retry?: RetryPolicy;
  /**
   * Headers for one attempt (credentials, a signature over method, path and the raw query string without `?`);
   * runs again for every attempt.
   */
  sign?: (request: { method: string; path: string; query: string }) => Record<string, string>;
  /** Default: 429 and 5xx are retried. */
  classify?: (response: ProviderResponse) => Verdict;
  onRetry?: (info: RetryInfo & { api: string }) => void;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface ProviderRequest {
  /** The operation, in error details and logs. */
  api: string;
  /** Overrides the client's label in messages. */
  label?: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Without the query string (what signatures cover). */
  path: string;
  query?: URLSearchParams;
  /** Sent as JSON. */
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Runs before every attempt (rate slot, daily budget); a throw ends the call with that error. */
  beforeAttempt?: (attempt: number) => Promise<void>;
}

export interface ProviderHttp {
  /**
   * The final answer and how many attempts it took; upstream_failed (details.timedOut) when no attempt got an
   * answer, the caller's abort reason when the caller gave up.
   */
  send(request: ProviderRequest): Promise<{ response: ProviderResponse; attempts: number }>;
  /** A success body as JSON, or upstream_failed. */
  json<T = Record<string, unknown>>(response: ProviderResponse, request: Pick<ProviderRequest, 'api' | 'label'>): T;
}

export const providerHttp = (options: ProviderHttpOptions): ProviderHttp => {
  const base = options.baseUrl.replace(/\/+$/, '');
  const classify = options.classify ?? retryRateLimitsAndServerErrors;
  return {
    send: async (request) => {
      const { api, method, path } = request;
      const body = request.json === undefined ? {} : { body: JSON.stringify(request.json) };
      const query = request.query ? request.query.toString() : '';
      const url = `${base}${path}${query ? `?${query}` : ''}`;
      try {
        return await sendWithRetry({
          request: () => ({
            url,
            init: {
              method,
              headers: { ...options.sign?.({ method, path, query }), ...(request.json === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
              ...body,
            },
          }),
          ...(request.beforeAttempt ? { beforeAttempt: request.beforeAttempt } : {}),
          classify,
          policy: options.retry ?? NO_RETRY,
          timeoutMs: options.timeoutMs,
          ...(request.signal ? { signal: request.signal } : {}),
          ...(options.onRetry ? { onRetry: (info: RetryInfo) => options.onRetry!({ api, ...info }) } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
          ...(options.random ? { random: options.random } : {}),
        });
      } catch (error) {
        if (error instanceof ProviderUnreachable) {
          throw new DomainError('upstream_failed', `${request.label ?? options.label} is unreachable: ${error.message}`, {
            details: { provider: options.provider, api, timedOut: error.timedOut },
            cause: error,
          });
        }
        throw error;
      }
    },
    json: <T>(response: ProviderResponse, request: Pick<ProviderRequest, 'api' | 'label'>): T => {
      try {
        return JSON.parse(response.text) as T;
      } catch (error) {
        throw new DomainError('upstream_failed', `${request.label ?? options.label} answered ${response.status} with a body that is not JSON`, {
          details: { provider: options.provider, api: request.api },
          cause: error,
        });
      }
    },
  };
};
