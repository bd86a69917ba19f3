/**
 * Verifies a seller's Coupang Wing credentials with the cheapest signed call there is: one page of one seller
 * product (`GET .../seller-products?vendorId=&maxPerPage=1`, providers.md sections 3 and 8), CEA-signed afresh on
 * each attempt, with `X-Requested-By` naming the vendor. The gateway refusing the key (401 bad key, signature or
 * clock; 403 a key that may not act for the vendor; 400 a vendor id it does not take) is a refusal with its code;
 * 429 is a rate limit, 5xx and silence are outages (upstream_failed), which store nothing either.
 */
import type { CoupangWingCredentials, Verification } from '../../core/platform/ports.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { providerHttp, retryAfterSeconds, type ProviderResponse, type RetryInfo, type RetryPolicy } from '../providers/http.ts';
import { ceaAuthorization } from './cea.ts';

export const SELLER_PRODUCTS_PATH = '/v2/providers/seller_api/apis/api/v1/marketplace/seller-products';
const PROVIDER = 'coupang-wing';

export interface WingVerifierOptions {
  baseUrl: string;
  timeoutMs: number;
  retry: RetryPolicy;
  clock: Clock;
  onRetry?: (info: RetryInfo & { api: string }) => void;
  fetch?: typeof fetch;
}

const bodyOf = (response: ProviderResponse): { code?: unknown; message?: unknown } => {
  try {
    const parsed = JSON.parse(response.text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as { code?: unknown; message?: unknown }) : {};
  } catch {
    return {}; // not JSON: the status speaks
  }
};

/** The gateway's code (numeric on some APIs, "ERROR" on others) and message, without anything we sent. */
const refusalOf = (response: ProviderResponse): { providerCode: string; message: string } => {
  const body = bodyOf(response);
  const named = typeof body.code === 'string' && body.code !== 'ERROR' && body.code !== 'SUCCESS' ? body.code : null;
  return {
    providerCode: named ?? `HTTP_${response.status}`,
    message: typeof body.message === 'string' && body.message ? body.message.slice(0, 200) : `answered ${response.status}`,
  };
};

export const coupangWingVerifier = (options: WingVerifierOptions) => {
  return async (credentials: CoupangWingCredentials, signal?: AbortSignal): Promise<Verification> => {
    const http = providerHttp({
      provider: PROVIDER,
      label: 'Coupang Wing',
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      sign: (request) => ({
        authorization: ceaAuthorization(credentials, request, options.clock.now()),
        'content-type': 'application/json;charset=UTF-8',
        'x-requested-by': credentials.vendorId,
      }),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    const query = new URLSearchParams({ vendorId: credentials.vendorId, maxPerPage: '1' });
    const { response } = await http.send({ api: 'seller-products', method: 'GET', path: SELLER_PRODUCTS_PATH, query, ...(signal ? { signal } : {}) });
    if (response.status === 200) {
      // The envelope may still say ERROR (code "ERROR", or numeric and not 200).
      const code = bodyOf(response).code;
      if (code === undefined || code === 'SUCCESS' || code === 200 || code === '200') return { ok: true };
      return { ok: false, providerCode: code === 'ERROR' ? 'ERROR' : String(code), message: refusalOf(response).message };
    }
    if (response.status === 400 || response.status === 401 || response.status === 403) return { ok: false, ...refusalOf(response) };
    const { providerCode } = refusalOf(response);
    if (response.status === 429) {
      throw new DomainError('rate_limited', 'Coupang Wing is limiting this vendor\'s calls; try connecting again later', {
        details: { provider: PROVIDER, providerCode }, retryAfterSeconds: retryAfterSeconds(response.headers, options.clock.now().getTime()),
      });
    }
    throw new DomainError('upstream_failed', `Coupang Wing could not verify the credentials (${response.status} ${providerCode}); nothing was stored, try again later`, {
      details: { provider: PROVIDER, providerStatus: response.status, providerCode },
    });
  };
};
