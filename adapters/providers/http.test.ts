import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/shared/errors.ts';
import { attemptsText, backoffDelay, providerHttp, retryAfterMs, retryAfterSeconds, type ProviderHttpOptions, type RetryInfo } from './http.ts';

/**
 * A fake provider: answers the queued replies in order and records every request it saw. `hanging` resolves when
 * a request reaches a 'hang' reply (which answers only its abort), so a test can act while it is in flight.
 */
const provider = (replies: Array<Response | Error | 'hang'>) => {
  const seen: Array<{ url: string; init: RequestInit; headers: Record<string, string> }> = [];
  let hung!: () => void;
  const hanging = new Promise<void>((resolve) => (hung = resolve));
  const fake = (async (url: string, init: RequestInit) => {
    seen.push({ url, init, headers: { ...(init.headers as Record<string, string>) } });
    const reply = replies.shift() ?? new Response('{}');
    if (reply === 'hang') {
      hung();
      return new Promise((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason), { once: true }));
    }
    if (reply instanceof Error) throw reply;
    return reply;
  }) as unknown as typeof globalThis.fetch;
  return { fetch: fake, seen, hanging };
};

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers });
const retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
const client = (fetch: typeof globalThis.fetch, over: Partial<ProviderHttpOptions> = {}) =>
  providerHttp({ provider: 'acme', label: 'Acme', baseUrl: 'https://acme.test/api/', timeoutMs: 1_000, retry, fetch, random: () => 0, ...over });
const failure = async (p: Promise<unknown>): Promise<DomainError> => {
  const error = await p.then(() => null, (e: unknown) => e);
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
};

describe('providerHttp: the request', () => {
  it('joins base URL, path and query, sends JSON with its content type, and signs every attempt afresh', async () => {
    const { fetch, seen } = provider([json(503, {}), json(200, { ok: true })]);
    let n = 0;
    const http = client(fetch, { sign: ({ method, path, query }) => ({ 'x-signature': `${method} ${path} ${query} #${++n}` }) });
    const { response, attempts } = await http.send({ api: 'orders', method: 'POST', path: '/orders', query: new URLSearchParams({ a: '1 2' }), json: { id: 7 }, headers: { 'idempotency-key': 'k1' } });
    expect(attempts).toBe(2);
    expect(http.json(response, { api: 'orders' })).toEqual({ ok: true });
    expect(seen.map((s) => s.url)).toEqual(['https://acme.test/api/orders?a=1+2', 'https://acme.test/api/orders?a=1+2']);
    expect(seen.map((s) => s.headers['x-signature'])).toEqual(['POST /orders a=1+2 #1', 'POST /orders a=1+2 #2']);
    expect(seen[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': 'k1' });
    expect(seen[0]!.init).toMatchObject({ method: 'POST', body: '{"id":7}' });
  });

  it('sends no body and no content type without JSON', async () => {
    const { fetch, seen } = provider([json(200, {})]);
    await client(fetch).send({ api: 'list', method: 'GET', path: '/items' });
    expect(seen[0]!.url).toBe('https://acme.test/api/items');
    expect(seen[0]!.init.body).toBeUndefined();
    expect(seen[0]!.headers['content-type']).toBeUndefined();
  });

  it('runs beforeAttempt before every attempt, and its throw ends the call before anything is sent', async () => {
    const { fetch, seen } = provider([json(500, {}), json(200, {})]);
    const before: number[] = [];
    await client(fetch).send({ api: 'x', method: 'GET', path: '/x', beforeAttempt: async (attempt) => void before.push(attempt) });
    expect(before).toEqual([1, 2]);
    const refused = new DomainError('rate_limited', 'budget spent');
    const other = provider([]);
    await expect(client(other.fetch).send({ api: 'x', method: 'GET', path: '/x', beforeAttempt: async () => Promise.reject(refused) })).rejects.toBe(refused);
    expect(other.seen).toHaveLength(0);
    expect(seen).toHaveLength(2);
  });
});

describe('providerHttp: retries', () => {
  it('retries 429 and 5xx by default, telling onRetry each time, and returns the success', async () => {
    const { fetch, seen } = provider([json(429, {}), json(502, {}), json(200, { n: 1 })]);
    const retries: Array<RetryInfo & { api: string }> = [];
    const { response, attempts } = await client(fetch, { onRetry: (info) => retries.push(info) }).send({ api: 'x', method: 'GET', path: '/x' });
    expect([response.status, attempts, seen.length]).toEqual([200, 3, 3]);
    expect(retries).toEqual([
      { api: 'x', attempt: 1, delayMs: 0, status: 429 },
      { api: 'x', attempt: 2, delayMs: 0, status: 502 },
    ]);
  });

  it('does not retry other answers', async () => {
    const { fetch, seen } = provider([json(400, {}), json(200, {})]);
    const { response, attempts } = await client(fetch).send({ api: 'x', method: 'GET', path: '/x' });
    expect([response.status, attempts, seen.length]).toEqual([400, 1, 1]);
  });

  it('retries what the adapter classifies as retryable, and nothing else', async () => {
    const { fetch, seen } = provider([json(400, { code: 'BUSY' }), json(500, {})]);
    const { response, attempts } = await client(fetch, { classify: (r) => (r.text.includes('BUSY') ? 'retry' : 'done') }).send({ api: 'x', method: 'GET', path: '/x' });
    expect([response.status, attempts, seen.length]).toEqual([500, 2, 2]);
  });

  it('returns the last retryable answer once the attempts run out', async () => {
    const { fetch, seen } = provider([json(503, {}), json(503, {}), json(503, { last: true }), json(200, {})]);
    const { response, attempts } = await client(fetch).send({ api: 'x', method: 'GET', path: '/x' });
    expect([response.status, attempts, seen.length, response.text]).toEqual([503, 3, 3, '{"last":true}']);
  });

  it('makes one attempt when no retry policy is given', async () => {
    const { fetch, seen } = provider([json(503, {}), json(200, {})]);
    const { response } = await client(fetch, { retry: undefined }).send({ api: 'x', method: 'GET', path: '/x' });
    expect([response.status, seen.length]).toEqual([503, 1]);
  });

  it('waits at least what Retry-After asks, and answers at once when it asks for more than the policy would wait', async () => {
    const waits: number[] = [];
    const patient = provider([json(429, {}, { 'retry-after': '1' }), json(200, {})]);
    const started = performance.now();
    await client(patient.fetch, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2_000 }, onRetry: (i) => waits.push(i.delayMs) }).send({ api: 'x', method: 'GET', path: '/x' });
    expect(waits).toEqual([1_000]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);

    const impatient = provider([json(429, {}, { 'retry-after': '60' }), json(200, {})]);
    const { response, attempts } = await client(impatient.fetch).send({ api: 'x', method: 'GET', path: '/x' });
    expect([response.status, attempts, impatient.seen.length]).toEqual([429, 1, 1]);
  });
});

describe('providerHttp: no answer', () => {
  it('times out each attempt and ends upstream_failed naming the timeout and the attempts', async () => {
    const { fetch, seen } = provider(['hang', 'hang']);
    const started = performance.now();
    const error = await failure(client(fetch, { timeoutMs: 50, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).send({ api: 'orders', method: 'GET', path: '/x' }));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(seen).toHaveLength(2);
    expect(error.code).toBe('upstream_failed');
    expect(error.message).toBe('Acme is unreachable: no answer within 50 ms (after 2 attempts)');
    expect(error.details).toEqual({ provider: 'acme', api: 'orders', timedOut: true });
  });

  it('retries a failed connection and names its cause; a request may name itself', async () => {
    const refused = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
    const { fetch, seen } = provider([refused, refused, refused]);
    const error = await failure(client(fetch).send({ api: 'orders', label: 'Acme orders', method: 'GET', path: '/x' }));
    expect(seen).toHaveLength(3);
    expect(error.message).toBe('Acme orders is unreachable: request failed: connect ECONNREFUSED (after 3 attempts)');
    expect(error.details).toMatchObject({ timedOut: false });
  });

  it('gives the caller its own abort reason and makes no further attempt', async () => {
    const { fetch, seen, hanging } = provider(['hang', json(200, {})]);
    const caller = new AbortController();
    const reason = new Error('caller left');
    const retries: RetryInfo[] = [];
    const pending = client(fetch, { onRetry: (info) => retries.push(info) }).send({ api: 'x', method: 'GET', path: '/x', signal: caller.signal });
    await hanging;
    caller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(seen).toHaveLength(1);
    expect(retries).toEqual([]);
    await expect(client(fetch).send({ api: 'x', method: 'GET', path: '/x', signal: caller.signal })).rejects.toBe(reason);
    expect(seen).toHaveLength(1);

    // On the last attempt too: leaving is not the provider's failure.
    const last = provider(['hang']);
    const another = new AbortController();
    const single = client(last.fetch, { retry: undefined }).send({ api: 'x', method: 'GET', path: '/x', signal: another.signal });
    await last.hanging;
    another.abort(reason);
    await expect(single).rejects.toBe(reason);
  });
});

describe('providerHttp: bodies', () => {
  it('reads a JSON body, and a body that is not JSON is upstream_failed', async () => {
    const { fetch } = provider([new Response('<html>')]);
    const http = client(fetch);
    const { response } = await http.send({ api: 'x', method: 'GET', path: '/x' });
    const error = await failure(Promise.resolve().then(() => http.json(response, { api: 'x' })));
    expect(error.code).toBe('upstream_failed');
    expect(error.message).toBe('Acme answered 200 with a body that is not JSON');
    expect(error.details).toEqual({ provider: 'acme', api: 'x' });
  });
});

describe('backoff and Retry-After', () => {
  it('backoff is full jitter under an exponential cap', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, () => 0.999))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(100);
  });

  it('Retry-After is read as seconds or an HTTP date; ours is whole seconds, at least one', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': ' 3 ' }))).toBe(3_000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6_000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(1_000).toUTCString() }), 4_000)).toBe(0);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeNull();
    expect(retryAfterMs(new Headers())).toBeNull();
    expect(retryAfterSeconds(new Headers({ 'retry-after': '7' }), 0)).toBe(7);
    expect(retryAfterSeconds(new Headers({ 'retry-after': new Date(2_500).toUTCString() }), 0)).toBe(2);
    expect(retryAfterSeconds(new Headers({ 'retry-after': '0' }), 0)).toBe(1);
    expect(retryAfterSeconds(new Headers(), 0)).toBe(1);
    expect([attemptsText(1), attemptsText(2)]).toEqual(['1 attempt', '2 attempts']);
  });
});
