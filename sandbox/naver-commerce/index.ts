/**
 * Naver Commerce API sandbox (providers.md section 9): the token endpoint a seller's application signs in at,
 * `POST /external/v1/oauth2/token`. It checks what Naver checks: the form fields, the client id, the timestamp
 * within 5 minutes of its clock, and `client_secret_sign` = base64(bcrypt(`${client_id}_${timestamp}`, salt =
 * the client secret)). A token lives 3 hours and the same one comes back while more than 30 minutes remain.
 * Where the documentation names no code, the sandbox answers in the gateway's error shape
 * `{code, message, timestamp, traceId}`: 400 `BAD_REQUEST` (a missing or malformed field), 404 `GW.NOT_FOUND`
 * (an unknown client id), 403 `GW.AUTHN` (a wrong signature or a timestamp outside the window).
 * Controls under /__sandbox/ as the Naver sandbox's (sandbox/naver/controls.ts): faults, stats, held, release, reset.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { Controls, type Refusal } from '../naver/controls.ts';
import type { SandboxProvider, SandboxRequest, SandboxResponse } from '../types.ts';

/** Provider name, also the key of its base URL in RunningSandbox.urls. */
export const NAVER_COMMERCE_SANDBOX_NAME = 'naverCommerce';

/**
 * The application the sandbox knows from the start (a Naver client secret is a bcrypt salt). Tests and local runs
 * connect with it; any other client id is unknown.
 */
export const NAVER_COMMERCE_SANDBOX_APP = {
  clientId: 'sandboxCommerceClient01',
  clientSecret: '$2a$04$SandboxCommerceSecre0u',
} as const;

export const TOKEN_PATH = '/external/v1/oauth2/token';
const TOKEN_LIFETIME_S = 3 * 3600;
const REUSE_WHILE_S = 30 * 60;
const WINDOW_MS = 5 * 60_000;

export interface NaverCommerceSandboxOptions {
  /** client id -> client secret; default the one sandbox application. */
  apps?: Record<string, string>;
  /** The sandbox's clock (epoch ms). */
  now?: () => number;
}

const traceId = () => randomBytes(8).toString('hex');
const problem = (status: number, code: string, message: string): SandboxResponse => ({
  status,
  headers: { 'GNCP-GW-Trace-ID': traceId() },
  body: { code, message, timestamp: new Date().toISOString(), traceId: traceId() },
});

const refuse: Refusal = (kind) => {
  switch (kind) {
    case 'rate':
    case 'connections':
    case 'quota':
      return problem(429, 'GW.RATE_LIMIT', '요청이 많아 처리할 수 없습니다 (rate limit)');
    case 'maintenance':
      return problem(503, 'GW.BLOCK.MAINTENANCE', 'The service is under maintenance');
    case 'outage':
    case 'server':
      return problem(500, 'GW.INTERNAL_SERVER_ERROR', 'Internal server error');
  }
};

const equal = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export const naverCommerceSandbox = (options: NaverCommerceSandboxOptions = {}): SandboxProvider => {
  const apps = new Map(Object.entries(options.apps ?? { [NAVER_COMMERCE_SANDBOX_APP.clientId]: NAVER_COMMERCE_SANDBOX_APP.clientSecret }));
  const now = options.now ?? Date.now;
  const controls = new Controls(['content-type']);
  const issued = new Map<string, { token: string; expiresAt: number }>();

  /** null when the request is signed as Naver requires; the refusal otherwise. */
  const check = (form: URLSearchParams): SandboxResponse | null => {
    const missing = ['client_id', 'timestamp', 'client_secret_sign', 'grant_type', 'type'].filter((f) => !form.get(f));
    if (missing.length) return problem(400, 'BAD_REQUEST', `missing form fields: ${missing.join(', ')}`);
    if (form.get('grant_type') !== 'client_credentials') return problem(400, 'BAD_REQUEST', 'grant_type must be client_credentials');
    if (form.get('type') !== 'SELF') return problem(400, 'BAD_REQUEST', 'type must be SELF (SELLER needs a solution provider account)');
    const clientId = form.get('client_id')!;
    const timestamp = form.get('timestamp')!;
    if (!/^\d{13}$/.test(timestamp)) return problem(400, 'BAD_REQUEST', 'timestamp must be epoch milliseconds');
    const secret = apps.get(clientId);
    if (secret === undefined) return problem(404, 'GW.NOT_FOUND', 'no application has this client_id');
    if (Math.abs(now() - Number(timestamp)) > WINDOW_MS) return problem(403, 'GW.AUTHN', 'timestamp is outside the 5-minute window');
    const expected = Buffer.from(bcrypt.hashSync(`${clientId}_${timestamp}`, secret), 'utf8').toString('base64');
    if (!equal(form.get('client_secret_sign')!, expected)) return problem(403, 'GW.AUTHN', 'client_secret_sign does not match');
    return null;
  };

  const token = (clientId: string): SandboxResponse => {
    const at = now();
    let current = issued.get(clientId);
    if (!current || current.expiresAt - at <= REUSE_WHILE_S * 1000) {
      current = { token: randomBytes(24).toString('base64url'), expiresAt: at + TOKEN_LIFETIME_S * 1000 };
      issued.set(clientId, current);
    }
    return { status: 200, body: { access_token: current.token, expires_in: Math.floor((current.expiresAt - at) / 1000), token_type: 'Bearer' } };
  };

  return {
    name: NAVER_COMMERCE_SANDBOX_NAME,
    handle: async (request: SandboxRequest) => {
      if (request.path !== TOKEN_PATH) return controls.serve(request, () => null, refuse, () => problem(404, 'GW.NOT_FOUND', `no API at ${request.path} in this sandbox`));
      if (request.method !== 'POST') return problem(405, 'GW.METHOD_NOT_ALLOWED', 'use POST');
      const type = String(request.headers['content-type'] ?? '');
      if (!type.startsWith('application/x-www-form-urlencoded')) return problem(400, 'BAD_REQUEST', 'the body must be application/x-www-form-urlencoded');
      const form = new URLSearchParams(request.body.toString('utf8'));
      return controls.serve(request, () => check(form), refuse, () => token(form.get('client_id')!));
    },
    control: (action, request) => controls.control(action, request),
    close: async () => controls.close(),
  };
};
