/**
 * Naver Commerce API tokens (providers.md section 9): a seller's application signs in with its client id and a
 * bcrypt signature of `${client_id}_${timestamp}` whose salt is the client secret, and gets a bearer token that
 * lives 3 hours (Naver hands back the same one while more than 30 minutes remain). Tokens are kept in this
 * process's memory per application, refreshed 10 minutes before they end, and one request signs in for every
 * caller waiting on the same application. Tokens and secrets never leave this module except as the bearer header.
 */
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { NaverCommerceCredentials } from '../../core/platform/ports.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { ProviderUnreachable, retryAfterSeconds, sendWithRetry, type ProviderResponse, type RetryInfo, type RetryPolicy } from '../providers/http.ts';

export const NAVER_COMMERCE_PROVIDER = 'naver-commerce';
export const TOKEN_PATH = '/external/v1/oauth2/token';
/** Asked for again this long before it ends (Naver issues a new one once less than 30 minutes remain). */
const REFRESH_BEFORE_MS = 10 * 60_000;

/** A Naver client secret is a bcrypt salt: `$2a$` (or 2b, 2y), two cost digits, `$`, 22 characters. */
export const CLIENT_SECRET_PATTERN = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{22}$/;

/** base64 of bcrypt(`${clientId}_${timestamp}`, salt = the client secret). */
export const clientSecretSign = (clientId: string, clientSecret: string, timestamp: number): string => {
  if (!CLIENT_SECRET_PATTERN.test(clientSecret)) {
    throw new DomainError('invalid', 'clientSecret is not a Naver Commerce client secret (a bcrypt salt such as $2a$04$ and 22 characters)', { details: { field: 'clientSecret' } });
  }
  return Buffer.from(bcrypt.hashSync(`${clientId}_${timestamp}`, clientSecret), 'utf8').toString('base64');
};

export interface AccessToken {
  token: string;
  expiresAt: Date;
}

/** What one sign-in answered: a token, or Naver's refusal of the credentials with its code. */
export type SignIn = { ok: true; token: AccessToken } | { ok: false; status: number; providerCode: string; message: string };

export interface NaverCommerceTokenOptions {
  baseUrl: string;
  timeoutMs: number;
  retry: RetryPolicy;
  clock: Clock;
  onRetry?: (info: RetryInfo & { api: string }) => void;
  fetch?: typeof fetch;
}

export interface NaverCommerceTokens {
  /** A token for the application, from memory while it is fresh; throws when the credentials are refused. */
  token(credentials: NaverCommerceCredentials, signal?: AbortSignal): Promise<AccessToken>;
  /** Signs in now (the token is remembered); a refusal is an answer, an outage throws (502, 429). */
  signIn(credentials: NaverCommerceCredentials, signal?: AbortSignal): Promise<SignIn>;
  /**
   * Drops the remembered token (Naver refused it: revoked, or the secret was reissued). With `refused`, only while
   * that is still the one remembered: calls refused side by side then sign in once, not once each.
   */
  forget(credentials: NaverCommerceCredentials, refused?: string): void;
}

const label = 'Naver Commerce API';

/** Keyed by the client id and a digest of the secret, so a reissued secret never gets the old secret's token. */
const keyOf = (c: NaverCommerceCredentials): string => createHash('sha256').update(`${c.clientId}\n${c.clientSecret}`).digest('hex');

const refusalOf = (response: ProviderResponse): { providerCode: string; message: string } => {
  try {
    const body = JSON.parse(response.text) as { code?: unknown; message?: unknown; error?: unknown; error_description?: unknown };
    const code = typeof body.code === 'string' ? body.code : typeof body.error === 'string' ? body.error : null;
    const message = typeof body.message === 'string' ? body.message : typeof body.error_description === 'string' ? body.error_description : null;
    // Naver's words about the request, cut short: never our form (which carries the signature).
    return { providerCode: code ?? `HTTP_${response.status}`, message: (message ?? `answered ${response.status}`).slice(0, 200) };
  } catch {
    return { providerCode: `HTTP_${response.status}`, message: `answered ${response.status}` };
  }
};

export const naverCommerceTokens = (options: NaverCommerceTokenOptions): NaverCommerceTokens => {
  const base = options.baseUrl.replace(/\/+$/, '');
  const remembered = new Map<string, AccessToken>();
  const inFlight = new Map<string, Promise<SignIn>>();

  const request = async (credentials: NaverCommerceCredentials, signal?: AbortSignal): Promise<SignIn> => {
    let response: ProviderResponse;
    try {
      ({ response } = await sendWithRetry({
        // Signed afresh on every attempt: the timestamp is good for 5 minutes.
        request: () => {
          const timestamp = options.clock.now().getTime();
          const form = new URLSearchParams({
            client_id: credentials.clientId,
            timestamp: String(timestamp),
            client_secret_sign: clientSecretSign(credentials.clientId, credentials.clientSecret, timestamp),
            grant_type: 'client_credentials',
            type: 'SELF',
          });
          return { url: `${base}${TOKEN_PATH}`, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() } };
        },
        classify: (r) => (r.status === 429 || r.status >= 500 ? 'retry' : 'done'),
        policy: options.retry,
        timeoutMs: options.timeoutMs,
        ...(signal ? { signal } : {}),
        ...(options.onRetry ? { onRetry: (info: RetryInfo) => options.onRetry!({ api: 'oauth2.token', ...info }) } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }));
    } catch (error) {
      if (error instanceof ProviderUnreachable) {
        throw new DomainError('upstream_failed', `${label} is unreachable: ${error.message}`, {
          details: { provider: NAVER_COMMERCE_PROVIDER, api: 'oauth2.token', timedOut: error.timedOut },
          cause: error,
        });
      }
      throw error;
    }
    if (response.status === 429) {
      throw new DomainError('rate_limited', `${label} is refusing sign-ins for now (rate limit); try again later`, {
        details: { provider: NAVER_COMMERCE_PROVIDER, api: 'oauth2.token' },
        retryAfterSeconds: retryAfterSeconds(response.headers, options.clock.now().getTime()),
      });
    }
    if (response.status >= 500) {
      const { providerCode } = refusalOf(response);
      throw new DomainError('upstream_failed', `${label} failed to sign in (${response.status} ${providerCode})`, {
        details: { provider: NAVER_COMMERCE_PROVIDER, api: 'oauth2.token', providerStatus: response.status, providerCode },
      });
    }
    if (response.status !== 200) return { ok: false, status: response.status, ...refusalOf(response) };
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(response.text) as typeof body;
    } catch {
      body = {};
    }
    if (typeof body.access_token !== 'string' || !body.access_token || typeof body.expires_in !== 'number' || !(body.expires_in > 0)) {
      throw new DomainError('upstream_failed', `${label} answered a sign-in without a token`, { details: { provider: NAVER_COMMERCE_PROVIDER, api: 'oauth2.token' } });
    }
    return { ok: true, token: { token: body.access_token, expiresAt: new Date(options.clock.now().getTime() + body.expires_in * 1000) } };
  };

  const signIn = (credentials: NaverCommerceCredentials, signal?: AbortSignal): Promise<SignIn> => {
    const key = keyOf(credentials);
    const running = inFlight.get(key);
    if (running) return running;
    const started = request(credentials, signal)
      .then((outcome) => {
        if (outcome.ok) remembered.set(key, outcome.token);
        else remembered.delete(key);
        return outcome;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };

  return {
    signIn,
    token: async (credentials, signal) => {
      const fresh = remembered.get(keyOf(credentials));
      if (fresh && fresh.expiresAt.getTime() - options.clock.now().getTime() > REFRESH_BEFORE_MS) return fresh;
      const outcome = await signIn(credentials, signal);
      if (outcome.ok) return outcome.token;
      throw new DomainError('upstream_failed', `${label} refused the application's credentials (${outcome.providerCode}); the connection must be renewed`, {
        details: { provider: NAVER_COMMERCE_PROVIDER, providerCode: outcome.providerCode, credentialsRejected: true },
      });
    },
    forget: (credentials, refused) => {
      const key = keyOf(credentials);
      if (refused === undefined || remembered.get(key)?.token === refused) remembered.delete(key);
    },
  };
};
