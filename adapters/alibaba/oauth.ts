/**
 * 1688 OAuth for a tenant's own account (providers.md section 10): the authorize URL
 * `{authorizeUrl}?client_id=&site=1688&redirect_uri=&state=`, and `POST {base}/openapi/http/1/system.oauth2/getToken/{appKey}`
 * (form-encoded, unsigned) with `grant_type=authorization_code` (the code, `need_refresh_token=true`) or
 * `grant_type=refresh_token`. The answer: `{access_token, expires_in: "36000", refresh_token, refresh_token_timeout,
 * aliId, memberId}`; a refresh may leave the refresh token out (it is kept). Refusals (`error`, 400/401) are outcomes;
 * 429 and 5xx are retried, then thrown. No token or secret goes into a message or a log line.
 */
import type { AlibabaGrants, GrantOutcome, GrantedTokens } from '../../core/platform/ports.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { ProviderUnreachable, retryAfterSeconds, retryRateLimitsAndServerErrors, sendWithRetry, type RetryPolicy } from '../providers/http.ts';

export interface AlibabaOAuthOptions {
  /** The gateway, e.g. https://gw.open.1688.com. */
  baseUrl: string;
  /** The page the seller grants access on, e.g. https://auth.1688.com/oauth/authorize. */
  authorizeUrl: string;
  appKey: string;
  appSecret: string;
  /** Where 1688 sends the seller back with `code` and `state` (registered with the app). */
  redirectUri: string;
  timeoutMs: number;
  retry: RetryPolicy;
  now?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; status?: number; error?: string }) => void;
  fetch?: typeof fetch;
}

/**
 * `refresh_token_timeout` as 1688 writes it, `yyyyMMddHHmmssSSS+0800` (UNCONFIRMED beyond third-party clients), or
 * milliseconds since the epoch; null when absent or unreadable.
 */
export const parseRefreshTimeout = (value: unknown): Date | null => {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return new Date(value);
  if (typeof value !== 'string') return null;
  if (/^\d{12,13}$/.test(value)) return new Date(Number(value));
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})([+-])(\d{2})(\d{2})$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, ms, sign, oh, om] = m as unknown as string[];
  const at = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${sign}${oh}:${om}`);
  return Number.isNaN(at) ? null : new Date(at);
};

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

export const alibabaOAuth = (options: AlibabaOAuthOptions): AlibabaGrants => {
  const now = options.now ?? Date.now;
  const base = options.baseUrl.replace(/\/+$/, '');
  const tokenUrl = `${base}/openapi/http/1/system.oauth2/getToken/${encodeURIComponent(options.appKey)}`;

  const token = async (grant: Record<string, string>, signal?: AbortSignal): Promise<GrantOutcome> => {
    const form = { ...grant, client_id: options.appKey, client_secret: options.appSecret };
    let sent;
    try {
      sent = await sendWithRetry({
        request: () => ({
          url: tokenUrl,
          init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' }, body: new URLSearchParams(form).toString() },
        }),
        classify: retryRateLimitsAndServerErrors,
        policy: options.retry,
        timeoutMs: options.timeoutMs,
        ...(signal ? { signal } : {}),
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    } catch (error) {
      if (error instanceof ProviderUnreachable) {
        throw new DomainError('upstream_failed', `1688 OAuth is unreachable: ${error.message}`, { details: { provider: '1688', api: 'system.oauth2/getToken', timedOut: error.timedOut }, cause: error });
      }
      throw error;
    }
    const { response } = sent;
    let body: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(response.text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: judged by the status below.
    }
    if (response.status === 429) {
      throw new DomainError('rate_limited', '1688 OAuth is limiting token requests', { retryAfterSeconds: retryAfterSeconds(response.headers, now()), details: { provider: '1688' } });
    }
    if (response.status >= 500) {
      throw new DomainError('upstream_failed', `1688 OAuth failed (HTTP ${response.status})`, { details: { provider: '1688', api: 'system.oauth2/getToken', status: response.status } });
    }
    const refusal = text(body.error) ?? text(body.error_code);
    if (response.status !== 200 || refusal) {
      const message = (text(body.error_description) ?? text(body.error_message) ?? `HTTP ${response.status}`).slice(0, 200);
      return { ok: false, providerCode: refusal ?? `HTTP_${response.status}`, message };
    }
    const accessToken = text(body.access_token);
    const expiresIn = Number(body.expires_in);
    if (!accessToken || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new DomainError('upstream_failed', '1688 OAuth answered without an access token and its lifetime', { details: { provider: '1688', api: 'system.oauth2/getToken' } });
    }
    const tokens: GrantedTokens = {
      accessToken,
      accessTokenExpiresInSeconds: expiresIn,
      refreshToken: text(body.refresh_token),
      refreshTokenExpiresAt: parseRefreshTimeout(body.refresh_token_timeout),
      memberId: text(body.memberId),
      aliId: text(body.aliId),
    };
    return { ok: true, tokens };
  };

  return {
    authorizeUrl: async (state) => {
      const url = new URL(options.authorizeUrl);
      url.search = new URLSearchParams({ client_id: options.appKey, site: '1688', redirect_uri: options.redirectUri, state }).toString();
      return url.toString();
    },
    exchange: (code, signal) =>
      token({ grant_type: 'authorization_code', need_refresh_token: 'true', redirect_uri: options.redirectUri, code }, signal),
    refresh: (refreshToken, signal) => token({ grant_type: 'refresh_token', refresh_token: refreshToken }, signal),
  };
};
