/**
 * 1688 answers turned into our domain errors. Two kinds of failure come back: the gateway's own (`error_code` such
 * as `gw.SignatureInvalid`, an HTTP error status) and the API's business failures (HTTP 200 with
 * `result.success: false`, a `code` and a `message`). Rejected credentials are 502 "provider credentials rejected"
 * (our caller's credentials were fine, so never 401); an offer 1688 does not know is 404; a refused parameter 400.
 */
import { DomainError } from '../../core/shared/errors.ts';
import { attemptsText, retryAfterSeconds, type ProviderResponse } from '../providers/http.ts';

const parse = (text: string): Record<string, unknown> => {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

/**
 * Gateway codes for a throttled app or API (UNCONFIRMED beyond the names seen in third-party clients; any
 * `gw.Qos*` is treated as throttling).
 */
const THROTTLED = /^gw\.Qos/i;
/** Gateway codes about the app key, signature, timestamp or access token: our configuration, not the caller's. */
const CREDENTIALS = /signature|appkey|app_key|token|authori[sz]|timestamp|permission/i;

/** A gateway error body (`error_code`, `error_message`), or null when the body is not one. */
export const gatewayError = (response: ProviderResponse): { code: string; message: string; requestId: string | null } | null => {
  const body = parse(response.text);
  const code = str(body.error_code);
  if (!code) return null;
  return { code, message: str(body.error_message) ?? '', requestId: str(body.request_id) };
};

export const alibabaGatewayError = (response: ProviderResponse, api: string, attempts: number, now: number): DomainError => {
  const gw = gatewayError(response);
  const code = gw?.code ?? null;
  const message = gw?.message ?? response.text.slice(0, 200);
  const details = { provider: '1688', api, providerStatus: response.status, providerCode: code, providerMessage: message, requestId: gw?.requestId ?? null };
  if ((code && THROTTLED.test(code)) || response.status === 429) {
    return new DomainError('rate_limited', `1688 is throttling ${api}${code ? ` (${code})` : ''} after ${attemptsText(attempts)}`, { retryAfterSeconds: retryAfterSeconds(response.headers, now), details });
  }
  if ((code && CREDENTIALS.test(code)) || response.status === 401 || response.status === 403) {
    return new DomainError('upstream_failed', `provider credentials rejected: 1688 refused the configured app key, signature or access token${code ? ` (${code})` : ''}`, { details });
  }
  if (response.status === 400 && code) return new DomainError('invalid', `1688 rejected the request: ${message} (${code})`, { details });
  return new DomainError('upstream_failed', `1688 ${api} answered ${response.status}${code ? ` ${code}` : ''}: ${message} (after ${attemptsText(attempts)})`, { details });
};

/** Business codes meaning "no such offer" (the sandbox's and those seen in third-party clients), or its message. */
const NOT_FOUND_CODES = new Set(['OFFER_NOT_FOUND', 'PRODUCT_NOT_EXIST', '500_004']);
const NOT_FOUND_MESSAGE = /不存在|not exist|not found|已下架/i;
const PARAM_CODES = /PARAM|ILLEGAL|INVALID/i;

/** A `success: false` answer inside a 200. */
export const alibabaBusinessError = (api: string, code: string | null, message: string, context: { offerId?: string } = {}): DomainError => {
  const details = { provider: '1688', api, providerCode: code, providerMessage: message, ...(context.offerId ? { offerId: context.offerId } : {}) };
  if ((code && NOT_FOUND_CODES.has(code)) || NOT_FOUND_MESSAGE.test(message)) {
    return new DomainError('not_found', `1688 offer ${context.offerId ?? ''} was not found (${code ?? 'no code'}: ${message})`.replace('offer  was', 'offer was'), { details });
  }
  if (code && PARAM_CODES.test(code)) return new DomainError('invalid', `1688 refused the request: ${message} (${code})`, { details });
  return new DomainError('upstream_failed', `1688 ${api} failed: ${message}${code ? ` (${code})` : ''}`, { details });
};
