/** Verifying Wing credentials: the signed request it sends, and what each gateway answer means. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { coupangWingVerifier, SELLER_PRODUCTS_PATH } from './verify.ts';

const credentials = { vendorId: 'A00012345', accessKey: 'a1b2c3d4-access', secretKey: 'wing-secret-0001' };
const at = new Date(Date.UTC(2026, 11, 6, 3, 4, 5));

const answering = (status: number, body: unknown, seen: Request[] = []): typeof fetch =>
  (async (input: string | URL | Request, init?: RequestInit) => {
    seen.push(new Request(input, init));
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;

const verifier = (fetch: typeof globalThis.fetch) =>
  coupangWingVerifier({ baseUrl: 'https://wing.test', timeoutMs: 1_000, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, clock: { now: () => at }, fetch });

describe('coupang_wing verification', () => {
  it('sends one CEA-signed seller-products page of one, naming the vendor', async () => {
    const seen: Request[] = [];
    expect(await verifier(answering(200, { code: 'SUCCESS', message: '', data: [], nextToken: '' }, seen))(credentials)).toEqual({ ok: true });
    expect(seen).toHaveLength(1);
    const url = new URL(seen[0]!.url);
    expect(url.pathname).toBe(SELLER_PRODUCTS_PATH);
    expect(url.search).toBe('?vendorId=A00012345&maxPerPage=1');
    expect(seen[0]!.headers.get('x-requested-by')).toBe('A00012345');
    // The signature recomputed here from the documented message: signed date + method + path + raw query.
    const message = `261206T030405ZGET${SELLER_PRODUCTS_PATH}vendorId=A00012345&maxPerPage=1`;
    const signature = createHmac('sha256', credentials.secretKey).update(message).digest('hex');
    expect(seen[0]!.headers.get('authorization')).toBe(`CEA algorithm=HmacSHA256, access-key=a1b2c3d4-access, signed-date=261206T030405Z, signature=${signature}`);
  });

  it('a numeric success envelope is a success too', async () => {
    expect(await verifier(answering(200, { code: 200, message: 'OK', data: [] }))(credentials)).toEqual({ ok: true });
  });

  it('the gateway refusing the key is a refusal with its code and message', async () => {
    expect(await verifier(answering(401, { code: 401, message: 'Invalid signature' }))(credentials)).toEqual({ ok: false, providerCode: 'HTTP_401', message: 'Invalid signature' });
    expect(await verifier(answering(403, { code: 'ERROR', message: 'the access key may not act for vendor A00012345' }))(credentials)).toMatchObject({ ok: false, providerCode: 'HTTP_403' });
    expect(await verifier(answering(400, { code: 'INVALID_VENDOR', message: 'vendorId is not valid' }))(credentials)).toEqual({ ok: false, providerCode: 'INVALID_VENDOR', message: 'vendorId is not valid' });
    expect(await verifier(answering(200, { code: 'ERROR', message: 'vendor is suspended' }))(credentials)).toEqual({ ok: false, providerCode: 'ERROR', message: 'vendor is suspended' });
  });

  it('a rate limit is a 429, a server error or silence a 502: never a refusal', async () => {
    await expect(verifier(answering(429, { code: 429, message: 'Too many requests' }))(credentials)).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(verifier(answering(503, 'gateway down'))(credentials)).rejects.toMatchObject({ code: 'upstream_failed', details: { providerStatus: 503 } });
    await expect(verifier(answering(404, { code: 404, message: 'no such path' }))(credentials)).rejects.toMatchObject({ code: 'upstream_failed' });
    const silent = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const error = (await verifier(silent)(credentials).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ code: 'upstream_failed', details: { provider: 'coupang-wing' } });
    expect(error.message).not.toContain(credentials.secretKey);
  });
});
