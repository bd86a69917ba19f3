/**
 * Provider answers turned into our domain errors. Their request errors become 400/422 with their code and reason;
 * their authentication failures become 502 "provider credentials rejected" (our caller's credentials were fine,
 * so never 401); spent quotas 429 with a reset time; outages 502.
 */
import { DomainError } from '../../core/shared/errors.ts';
import { attemptsText, retryAfterSeconds, type ProviderResponse } from '../providers/http.ts';
import { KOREAN_DAY, nextMidnight } from '../providers/limits.ts';

const parse = (text: string): Record<string, unknown> => {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** Open API shopping-search request errors and the parameter each one is about. */
const SEARCH_FIELDS: Record<string, string> = { SE01: 'query', SE02: 'size', SE03: 'page', SE04: 'sort', SE06: 'query' };
/** The Open API's code for a spent daily quota (its rate limit answers 429 too, with another code). */
export const OPENAPI_QUOTA_CODE = '010';

export const openApiError = (response: ProviderResponse, api: string, attempts: number, now: number = Date.now()): DomainError => {
  const body = parse(response.text);
  const code = typeof body.errorCode === 'string' ? body.errorCode : String(body.errorCode ?? '');
  const message = typeof body.errorMessage === 'string' ? body.errorMessage : response.text.slice(0, 200);
  const details = { provider: 'naver-openapi', api, providerStatus: response.status, providerCode: code || null, providerMessage: message };
  const { status } = response;
  if (status === 400) {
    const field = api === 'shopping-search' ? SEARCH_FIELDS[code] : undefined;
    return new DomainError('invalid', `Naver rejected the request: ${message}${code ? ` (${code})` : ''}`, { details: { ...details, ...(field ? { field } : {}) } });
  }
  if (status === 401 || status === 403) {
    const scope = /scope/i.test(message);
    return new DomainError(
      'upstream_failed',
      scope
        ? 'provider credentials rejected: the Naver application is not allowed to use this API (Scope Status Invalid)'
        : `provider credentials rejected: Naver refused the configured client id and secret${code ? ` (${code})` : ''}`,
      { details },
    );
  }
  if (status === 429) {
    if (code === OPENAPI_QUOTA_CODE) {
      const reset = nextMidnight(now, KOREAN_DAY);
      return new DomainError('rate_limited', `Naver's daily quota for ${api} is spent; it resets at ${reset.resetAt} (midnight in Korea)`, {
        retryAfterSeconds: reset.seconds,
        details: { ...details, resetAt: reset.resetAt },
      });
    }
    return new DomainError('rate_limited', `Naver is rate limiting ${api} (still 429 after ${attempts} attempts)`, { retryAfterSeconds: retryAfterSeconds(response.headers, now), details });
  }
  return new DomainError('upstream_failed', `Naver ${api} answered ${status}${code ? ` ${code}` : ''}: ${message} (after ${attemptsText(attempts)})`, { details });
};

/** Search Ad codes: 7001 too many hints, 7002 duplicate hint, 7003 invalid characters. */
const KEYWORD_CODES = new Set([7001, 7002, 7003]);
export const SEARCHAD_BUSY_CODE = 1016;
const PERMISSION_CODES = new Set([1018, 1006]);

export const searchAdCode = (response: ProviderResponse): number | null => {
  const code = Number(parse(response.text).code);
  return Number.isInteger(code) ? code : null;
};

export const searchAdError = (response: ProviderResponse, attempts: number, now: number = Date.now()): DomainError => {
  const body = parse(response.text);
  const code = searchAdCode(response);
  const message = [body.title, body.message, body.detail].find((v) => typeof v === 'string') as string | undefined ?? response.text.slice(0, 200);
  const details = {
    provider: 'naver-searchad',
    api: 'keywordstool',
    providerStatus: response.status,
    providerCode: code,
    providerMessage: message,
    transactionId: response.headers.get('x-transaction-id'),
  };
  if (code !== null && KEYWORD_CODES.has(code)) {
    return new DomainError('unprocessable', `Naver's keyword tool refused the hints: ${message} (${code})`, { details: { ...details, field: 'hint' } });
  }
  if (response.status === 401 || response.status === 403 || (code !== null && PERMISSION_CODES.has(code))) {
    return new DomainError('upstream_failed', `provider credentials rejected: Naver Search Ad refused the configured API key, customer id or signature${code ? ` (${code})` : ''}`, { details });
  }
  if (response.status === 429 || code === SEARCHAD_BUSY_CODE) {
    return new DomainError('rate_limited', `Naver Search Ad is limiting requests (${code ?? response.status}, after ${attempts} attempts)`, { retryAfterSeconds: retryAfterSeconds(response.headers, now), details });
  }
  if (response.status === 400) return new DomainError('invalid', `Naver's keyword tool rejected the request: ${message}${code ? ` (${code})` : ''}`, { details });
  return new DomainError('upstream_failed', `Naver Search Ad answered ${response.status}${code ? ` ${code}` : ''}: ${message} (after ${attemptsText(attempts)})`, { details });
};
