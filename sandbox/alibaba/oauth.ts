/**
 * 1688 OAuth in the sandbox (providers.md section 10): `GET /oauth/authorize?client_id=&site=1688&redirect_uri=&state=`
 * stands for the page where a seller signs in and grants access: it grants at once as the sandbox's member and
 * redirects (302) to `redirect_uri?code=&state=`. `POST /openapi/http/1/system.oauth2/getToken/{appKey}` (form,
 * unsigned) exchanges a code (single use, 2 minutes) or refreshes: it checks the app key in the path, `client_id`
 * and `client_secret`, and answers `{access_token, expires_in:"36000", refresh_token, refresh_token_timeout, aliId,
 * memberId}` (a refresh: without a new refresh token). Refusals are `{error, error_description}` with 400 or 401.
 * `POST /__sandbox/revoke` revokes every grant made so far, as a seller withdrawing access would.
 */
import { createHash } from 'node:crypto';
import type { SandboxResponse } from '../types.ts';

export const SANDBOX_1688_MEMBER = { memberId: 'b2b-2200000000001sb', aliId: '2200000000001' } as const;

const CODE_TTL_MS = 2 * 60_000;
const ACCESS_TTL_S = 36_000;
const REFRESH_TTL_MS = 180 * 86_400_000;

/** `yyyyMMddHHmmssSSS+0800`, as 1688 writes `refresh_token_timeout`. */
const beijing = (ms: number): string => {
  const d = new Date(ms + 8 * 3_600_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}${p(d.getUTCMilliseconds(), 3)}+0800`;
};

const oauthError = (status: number, error: string, description: string): SandboxResponse => ({ status, body: { error, error_description: description } });

export interface SandboxOAuth {
  authorize(query: URLSearchParams): SandboxResponse;
  token(appKey: string, form: URLSearchParams): SandboxResponse;
  revoke(): SandboxResponse;
  reset(): void;
}

export const sandboxOAuth = (app: { appKey: string; appSecret: string }, now: () => number = Date.now): SandboxOAuth => {
  let counter = 0;
  const codes = new Map<string, { redirectUri: string; expiresAt: number }>();
  const refreshTokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  const mint = (kind: string) => `${kind}-${createHash('sha256').update(`${kind}:${++counter}:${app.appKey}`).digest('hex').slice(0, 32)}`;

  return {
    authorize: (query) => {
      if (query.get('client_id') !== app.appKey) return oauthError(400, 'invalid_client', 'client_id is not an app of this platform');
      if (query.get('site') !== '1688') return oauthError(400, 'invalid_request', 'site must be 1688');
      const redirectUri = query.get('redirect_uri') ?? '';
      if (!/^https?:\/\//.test(redirectUri)) return oauthError(400, 'invalid_request', 'redirect_uri must be an http(s) URL');
      const code = mint('code');
      codes.set(code, { redirectUri, expiresAt: now() + CODE_TTL_MS });
      const target = new URL(redirectUri);
      target.searchParams.set('code', code);
      const state = query.get('state');
      if (state !== null) target.searchParams.set('state', state);
      return { status: 302, headers: { location: target.toString() }, body: '' };
    },
    token: (appKey, form) => {
      if (appKey !== app.appKey || form.get('client_id') !== app.appKey) return oauthError(401, 'invalid_client', 'The app key is unknown');
      if (form.get('client_secret') !== app.appSecret) return oauthError(401, 'invalid_client', 'The app secret is wrong');
      const grant = form.get('grant_type');
      if (grant === 'authorization_code') {
        const code = form.get('code') ?? '';
        const issued = codes.get(code);
        codes.delete(code);
        if (!issued || issued.expiresAt < now()) return oauthError(400, 'invalid_grant', 'The code is invalid, used or expired');
        if (form.get('redirect_uri') !== issued.redirectUri) return oauthError(400, 'invalid_grant', 'redirect_uri does not match the authorization');
        const refreshToken = mint('refresh');
        const expiresAt = now() + REFRESH_TTL_MS;
        refreshTokens.set(refreshToken, { expiresAt, revoked: false });
        const body: Record<string, unknown> = { access_token: mint('access'), expires_in: String(ACCESS_TTL_S), ...SANDBOX_1688_MEMBER };
        if (form.get('need_refresh_token') === 'true') Object.assign(body, { refresh_token: refreshToken, refresh_token_timeout: beijing(expiresAt) });
        return { status: 200, body };
      }
      if (grant === 'refresh_token') {
        const held = refreshTokens.get(form.get('refresh_token') ?? '');
        if (!held || held.revoked || held.expiresAt < now()) return oauthError(400, 'invalid_grant', 'The refresh token is invalid, expired or revoked');
        return { status: 200, body: { access_token: mint('access'), expires_in: String(ACCESS_TTL_S), ...SANDBOX_1688_MEMBER } };
      }
      return oauthError(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    },
    revoke: () => {
      let revoked = 0;
      for (const t of refreshTokens.values()) if (!t.revoked) (t.revoked = true), revoked++;
      return { status: 200, body: { revoked } };
    },
    reset: () => {
      codes.clear();
      refreshTokens.clear();
    },
  };
};
