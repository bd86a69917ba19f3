/**
 * The Naver Commerce API as a seller's application (providers.md section 9): every call carries a bearer token
 * from the token cache (token.ts) and takes a rate slot of the application first (20 requests a second per
 * client id, kept in the shared rate counter so every process spends one allowance).
 *
 * Answers, by what the gateway says:
 * - 401 `GW.AUTHN`: the token was refused (revoked, or the secret reissued): it is forgotten and the call signs in
 *   again once; a refused sign-in throws upstream_failed with `details.credentialsRejected` (the caller marks the
 *   connection rejected); a second 401 after a fresh token is a failure of this call.
 * - 429 `GW.RATE_LIMIT`: retried after the time the bucket needs to refill one token
 *   (`GNCP-GW-RateLimit-Replenish-Rate`, or Retry-After), never sooner than the backoff; 5xx and no answer are
 *   retried with backoff. When attempts run out: rate_limited (429) or upstream_failed.
 * - Any other non-2xx: upstream_failed with the provider's status, code, message and `invalidInputs` names.
 * Every error and retry log carries `GNCP-GW-Trace-ID` (traceId), never the token or the secret.
 */
import type { NaverCommerceCredentials } from '../../core/platform/ports.ts';
import { DomainError, isDomainError } from '../../core/shared/errors.ts';
import type { ProviderDeps } from '../providers/deps.ts';
import { attemptsText, backoffDelay, NO_RETRY, retryAfterMs, sendWithRetry, sleep, ProviderUnreachable, type ProviderResponse, type RetryPolicy } from '../providers/http.ts';
import { rateLimiter, type RateLimiter } from '../providers/limits.ts';
import { NAVER_COMMERCE_PROVIDER, type NaverCommerceTokens } from './token.ts';

const label = 'Naver Commerce API';

export interface NaverCommerceClientOptions {
  baseUrl: string;
  tokens: NaverCommerceTokens;
  timeoutMs: number;
  /** Attempts for 429, 5xx and no answer (a refused token's one sign-in again is not counted). */
  retry: RetryPolicy;
  /** Naver's product APIs allow 20 a second per application. */
  ratePerSecond: number;
  /** How long a call may wait for a rate slot before answering rate_limited. */
  rateMaxWaitMs: number;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface NaverCommerceRequest {
  /** The operation, in error details and logs ('products.read'). */
  api: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: URLSearchParams;
  json?: unknown;
  signal?: AbortSignal;
}

export interface NaverCommerceClient {
  /** The 2xx answer's JSON body (an empty body is `{}`), or a DomainError as the module comment says. */
  call<T = Record<string, unknown>>(credentials: NaverCommerceCredentials, request: NaverCommerceRequest): Promise<T>;
}

interface GatewayError {
  code: string;
  message: string;
  invalidInputs: string[];
  traceId: string | null;
}

/** Naver's words about the failure (code, message cut short, invalid input names), never our request. */
export const gatewayErrorOf = (response: ProviderResponse): GatewayError => {
  const traceId = response.headers.get('gncp-gw-trace-id');
  try {
    const body = JSON.parse(response.text) as { code?: unknown; message?: unknown; traceId?: unknown; invalidInputs?: unknown };
    const inputs = Array.isArray(body.invalidInputs)
      ? (body.invalidInputs as { name?: unknown; message?: unknown }[]).slice(0, 10).map((i) => `${String(i?.name ?? '?')}: ${String(i?.message ?? '').slice(0, 100)}`)
      : [];
    return {
      code: typeof body.code === 'string' ? body.code : `HTTP_${response.status}`,
      message: typeof body.message === 'string' ? body.message.slice(0, 200) : `answered ${response.status}`,
      invalidInputs: inputs,
      traceId: traceId ?? (typeof body.traceId === 'string' ? body.traceId : null),
    };
  } catch {
    return { code: `HTTP_${response.status}`, message: `answered ${response.status}`, invalidInputs: [], traceId };
  }
};

/**
 * How long until the application's bucket holds a token again: Retry-After when given, else one token's refill
 * time at the replenish rate when the bucket is empty; null when the answer says neither.
 */
export const rateLimitWaitMs = (headers: Headers, nowMs: number): number | null => {
  const asked = retryAfterMs(headers, nowMs);
  if (asked !== null) return asked;
  const rate = Number(headers.get('gncp-gw-ratelimit-replenish-rate'));
  const remaining = Number(headers.get('gncp-gw-ratelimit-remaining') ?? '0');
  if (!(rate > 0)) return null;
  return remaining >= 1 ? 0 : Math.ceil(1000 / rate);
};

export const naverCommerceClient = (options: NaverCommerceClientOptions, deps: ProviderDeps): NaverCommerceClient => {
  const base = options.baseUrl.replace(/\/+$/, '');
  const random = options.random ?? Math.random;
  const limiters = new Map<string, RateLimiter>();
  const limiterOf = (clientId: string): RateLimiter => {
    let limiter = limiters.get(clientId);
    if (!limiter) {
      limiter = rateLimiter(deps, {
        name: `naver-commerce:rate:${clientId}`, provider: `${label} (application ${clientId.slice(-4)})`, perSecond: options.ratePerSecond, maxWaitMs: options.rateMaxWaitMs,
      });
      limiters.set(clientId, limiter);
    }
    return limiter;
  };

  const failure = (request: NaverCommerceRequest, response: ProviderResponse, attempts: number): DomainError => {
    const e = gatewayErrorOf(response);
    const inputs = e.invalidInputs.length ? ` [${e.invalidInputs.join('; ')}]` : '';
    const details = { provider: NAVER_COMMERCE_PROVIDER, api: request.api, providerStatus: response.status, providerCode: e.code, traceId: e.traceId, ...(e.invalidInputs.length ? { invalidInputs: e.invalidInputs } : {}) };
    if (response.status === 429) {
      return new DomainError('rate_limited', `${label} is rate limiting this application (${e.code}) after ${attemptsText(attempts)}; try again shortly`, {
        details, retryAfterSeconds: Math.max(1, Math.ceil((rateLimitWaitMs(response.headers, deps.clock.now().getTime()) ?? 1000) / 1000)),
      });
    }
    return new DomainError('upstream_failed', `${label} ${request.api} answered ${response.status} ${e.code}: ${e.message}${inputs}`, { details });
  };

  return {
    call: async <T>(credentials: NaverCommerceCredentials, request: NaverCommerceRequest): Promise<T> => {
      const query = request.query?.toString() ?? '';
      const url = `${base}${request.path}${query ? `?${query}` : ''}`;
      const limiter = limiterOf(credentials.clientId);
      let refreshed = false;
      for (let attempt = 1; ; ) {
        request.signal?.throwIfAborted();
        const { token } = await options.tokens.token(credentials, request.signal);
        await limiter.acquire(request.signal);
        let response: ProviderResponse;
        try {
          ({ response } = await sendWithRetry({
            request: () => ({
              url,
              init: {
                method: request.method,
                headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(request.json === undefined ? {} : { 'content-type': 'application/json' }) },
                ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
              },
            }),
            classify: () => 'done',
            policy: NO_RETRY,
            timeoutMs: options.timeoutMs,
            ...(request.signal ? { signal: request.signal } : {}),
            ...(options.fetch ? { fetch: options.fetch } : {}),
          }));
        } catch (error) {
          if (!(error instanceof ProviderUnreachable)) throw error;
          if (attempt >= options.retry.maxAttempts) {
            throw new DomainError('upstream_failed', `${label} is unreachable: ${error.message} (after ${attemptsText(attempt)})`, {
              details: { provider: NAVER_COMMERCE_PROVIDER, api: request.api, timedOut: error.timedOut },
              cause: error,
            });
          }
          const delayMs = backoffDelay(attempt, options.retry, random);
          deps.warn?.('Naver Commerce call retried', { api: request.api, attempt, delayMs, error: error.message });
          await sleep(delayMs, request.signal);
          attempt++;
          continue;
        }
        if (response.status >= 200 && response.status < 300) {
          if (!response.text.trim()) return {} as T;
          try {
            return JSON.parse(response.text) as T;
          } catch (error) {
            throw new DomainError('upstream_failed', `${label} ${request.api} answered ${response.status} with a body that is not JSON`, {
              details: { provider: NAVER_COMMERCE_PROVIDER, api: request.api, traceId: response.headers.get('gncp-gw-trace-id') },
              cause: error,
            });
          }
        }
        const e = gatewayErrorOf(response);
        if (response.status === 401 && !refreshed) {
          // The token was refused (revoked, or the secret reissued): sign in once more before giving up.
          refreshed = true;
          options.tokens.forget(credentials, token);
          deps.warn?.('Naver Commerce token refused; signing in again', { api: request.api, providerCode: e.code, traceId: e.traceId });
          continue;
        }
        const retryable = response.status === 429 || response.status >= 500;
        if (!retryable || attempt >= options.retry.maxAttempts) throw failure(request, response, attempt);
        const bucketWait = response.status === 429 ? rateLimitWaitMs(response.headers, deps.clock.now().getTime()) : null;
        if (bucketWait !== null && bucketWait > options.retry.maxDelayMs) throw failure(request, response, attempt);
        const delayMs = Math.max(bucketWait ?? 0, backoffDelay(attempt, options.retry, random));
        deps.warn?.('Naver Commerce call retried', { api: request.api, attempt, delayMs, status: response.status, providerCode: e.code, traceId: e.traceId });
        await sleep(delayMs, request.signal);
        attempt++;
      }
    },
  };
};

/** True for the token client's refusal of the application's credentials (token.ts). */
export const credentialsRejected = (error: unknown): error is DomainError => isDomainError(error) && error.details?.credentialsRejected === true;
