/**
 * Naver Search Ad sandbox (providers.md section 2): GET /keywordstool. Verifies X-API-KEY, X-Customer, the
 * X-Timestamp window and X-Signature = base64(HMAC-SHA256(secret, `${timestamp}.${METHOD}.${path}`)), enforces
 * the hint rules (at most 5, no duplicates, valid characters) with codes 7001..7003, and serves deterministic
 * volumes, "< 10" included.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SandboxProvider, SandboxRequest, SandboxResponse } from '../types.ts';
import { Controls, type Refusal } from './controls.ts';
import { keywordRow, relatedKeywords } from './data.ts';

export interface SearchAdSandboxOptions {
  apiKey: string;
  secret: string;
  customerId: string;
  /** How far X-Timestamp may be from the sandbox's clock. */
  timestampWindowMs?: number;
  now?: () => number;
}

let transactions = 0;
const error = (status: number, code: number, title: string): SandboxResponse => ({
  status,
  headers: { 'x-transaction-id': `sandbox-${Date.now().toString(36)}-${(++transactions).toString(36)}` },
  body: { code, title },
});

const refuse: Refusal = (kind) => {
  switch (kind) {
    case 'rate':
    case 'quota':
      return error(429, 429, 'Too many requests.');
    case 'connections':
      return error(400, 1016, 'Too many connections (너무 많은 접속을 시도 하였습니다.)');
    case 'maintenance':
    case 'outage':
      return error(503, 503, 'Service is under maintenance.');
    case 'server':
      return error(500, 500, 'Internal server error.');
  }
};

const header = (request: SandboxRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
};

const HINT_CHARS = /^[\p{L}\p{N}.&+_-]+$/u;

export const naverSearchAdSandbox = (options: SearchAdSandboxOptions): SandboxProvider & { controls: Controls } => {
  const windowMs = options.timestampWindowMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const controls = new Controls(['X-Timestamp', 'X-API-KEY', 'X-Customer', 'X-Signature']);

  const authenticate = (request: SandboxRequest): SandboxResponse | null => {
    const timestamp = header(request, 'x-timestamp');
    const apiKey = header(request, 'x-api-key');
    const customer = header(request, 'x-customer');
    const signature = header(request, 'x-signature');
    if (!timestamp || !apiKey || !customer || !signature) return error(401, 1018, 'Authentication headers are missing (X-Timestamp, X-API-KEY, X-Customer, X-Signature).');
    if (apiKey !== options.apiKey || customer !== options.customerId) return error(401, 1018, 'No permission to access the resource.');
    if (!/^\d{13}$/.test(timestamp) || Math.abs(now() - Number(timestamp)) > windowMs) return error(403, 1018, 'The request timestamp is outside the allowed window.');
    const expected = createHmac('sha256', options.secret).update(`${timestamp}.${request.method}.${request.path}`).digest();
    const given = Buffer.from(signature, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return error(403, 1018, 'Invalid signature.');
    return null;
  };

  const keywordstool = (request: SandboxRequest): SandboxResponse => {
    const raw = request.query.get('hintKeywords');
    if (raw === null || raw.trim() === '') return error(400, 1002, 'hintKeywords is required.');
    const hints = raw.split(',').map((h) => h.trim());
    if (hints.length > 5) return error(400, 7001, 'Too many keywords: at most 5 hintKeywords.');
    if (hints.some((h) => h === '' || !HINT_CHARS.test(h))) return error(400, 7003, 'hintKeywords contain invalid characters.');
    const upper = hints.map((h) => h.toUpperCase());
    if (new Set(upper).size !== upper.length) return error(400, 7002, 'Duplicate keywords in hintKeywords.');
    const detail = request.query.get('showDetail') === '1';
    const seen = new Set<string>();
    const list: unknown[] = [];
    for (const keyword of [...upper, ...upper.flatMap(relatedKeywords)]) {
      if (seen.has(keyword)) continue;
      seen.add(keyword);
      list.push(keywordRow(keyword, detail));
    }
    return { status: 200, body: { keywordList: list } };
  };

  return {
    name: 'naverSearchAd',
    controls,
    handle: (request) =>
      controls.serve(request, () => authenticate(request), refuse, () =>
        request.method === 'GET' && request.path === '/keywordstool' ? keywordstool(request) : error(404, 1009, 'Invalid URL format.'),
      ),
    control: (action, request) => controls.control(action, request),
    close: async () => controls.close(),
  };
};
