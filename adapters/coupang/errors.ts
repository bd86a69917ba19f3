/**
 * Coupang's answers turned into our domain errors. Both envelopes are read: Partners `{rCode, rMessage}` and the
 * gateway's / Wing's `{code, message}` with `code` numeric or "SUCCESS"/"ERROR". Request errors become 400 with
 * Coupang's code and message; refused credentials 502 (our caller's credentials were fine, so never 401 or 403);
 * spent quotas and rates 429 with Retry-After; outages 502.
 */
import { DomainError } from '../../core/shared/errors.ts';
import { attemptsText, retryAfterSeconds, type ProviderResponse } from '../providers/http.ts';

/**
 * JSON whose integers beyond 2^53 stay exact: they come back as strings of their digits (Wing's 18-digit
 * shipmentBoxId), read from the source text.
 */
export const parseExact = (text: string): unknown =>
  JSON.parse(text, ((_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) && context?.source ? context.source : value) as (key: string, value: unknown) => unknown);

export const parseBody = (text: string): Record<string, unknown> => {
  try {
    const value = parseExact(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** Partners' code for a spent quota (in the body, whatever the HTTP status). */
export const PARTNERS_QUOTA_CODE = '403';

export const partnersQuotaSpent = (response: ProviderResponse): boolean => String(parseBody(response.text).rCode ?? '') === PARTNERS_QUOTA_CODE;

const messageOf = (body: Record<string, unknown>, text: string): string => {
  const m = [body.rMessage, body.message].find((v) => typeof v === 'string' && v !== '');
  return typeof m === 'string' ? m : text.slice(0, 200);
};

export const partnersError = (response: ProviderResponse, attempts: number, now: number, quotaResetSeconds: number): DomainError => {
  const body = parseBody(response.text);
  const code = body.rCode !== undefined ? String(body.rCode) : body.code !== undefined ? String(body.code) : null;
  const message = messageOf(body, response.text);
  const details = { provider: 'coupang-partners', api: 'product-search', providerStatus: response.status, providerCode: code, providerMessage: message };
  if (code === PARTNERS_QUOTA_CODE && body.rCode !== undefined) {
    return new DomainError('rate_limited', `Coupang's Partners quota is spent for now; try again in ${quotaResetSeconds} s`, { retryAfterSeconds: quotaResetSeconds, details });
  }
  if (response.status === 400) return new DomainError('invalid', `Coupang rejected the search: ${message}${code ? ` (${code})` : ''}`, { details });
  if (response.status === 401 || response.status === 403) {
    return new DomainError('upstream_failed', `provider credentials rejected: Coupang refused the configured Partners access key or its signature (${response.status})`, { details });
  }
  if (response.status === 429) {
    return new DomainError('rate_limited', `Coupang is limiting Partners calls (still 429 after ${attemptsText(attempts)})`, { retryAfterSeconds: retryAfterSeconds(response.headers, now), details });
  }
  return new DomainError('upstream_failed', `Coupang Partners answered ${response.status}${code ? ` ${code}` : ''}: ${message} (after ${attemptsText(attempts)})`, { details });
};

/** A 401 about the signed date is our clock, not the seller's keys: it does not reject the connection. */
const SIGNED_DATE = /signed-date|expired|clock/i;

export const wingError = (response: ProviderResponse, request: { api: string; vendorId: string; notFound?: string }, attempts: number, now: number): DomainError => {
  const body = parseBody(response.text);
  const code = body.code !== undefined ? String(body.code) : null;
  // The tenant's vendor id stays out of answers, as its connection promises (docs/connections.md), even where
  // Coupang's own message names it.
  const message = request.vendorId ? messageOf(body, response.text).replaceAll(request.vendorId, 'the vendor') : messageOf(body, response.text);
  const details = { provider: 'coupang-wing', api: request.api, providerStatus: response.status, providerCode: code, providerMessage: message };
  const { status } = response;
  if (status === 400) return new DomainError('invalid', `Coupang rejected the request: ${message}${code && code !== 'ERROR' && code !== '400' ? ` (${code})` : ''}`, { details });
  if (status === 401 && SIGNED_DATE.test(message)) {
    return new DomainError('upstream_failed', `Coupang refused the request's signed date (is this server's clock right?): ${message}`, { details });
  }
  if (status === 401 || status === 403) {
    return new DomainError('upstream_failed', `the Coupang Wing connection's credentials were refused (${status}: ${message}); renew the connection`, {
      details: { ...details, credentialsRejected: true },
    });
  }
  if (status === 404 && request.notFound) return new DomainError('not_found', `${request.notFound} was not found in the Wing account`, { details });
  if (status === 429) {
    return new DomainError('rate_limited', `Coupang is limiting calls for the Wing account (still 429 after ${attemptsText(attempts)})`, {
      retryAfterSeconds: retryAfterSeconds(response.headers, now),
      details,
    });
  }
  return new DomainError('upstream_failed', `Coupang Wing ${request.api} answered ${status}${code ? ` ${code}` : ''}: ${message} (after ${attemptsText(attempts)})`, { details });
};
