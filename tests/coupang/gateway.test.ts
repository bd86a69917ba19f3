/**
 * The sandbox gateway and the clients' signatures, each checked against a CEA signature computed in this file from
 * the contract (helpers.ts), not by the adapter's cea.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { coupangPartners } from '../../adapters/coupang/partners.ts';
import { coupangWing } from '../../adapters/coupang/wing.ts';
import { memoryRateCounter, memoryResponseCache } from '../naver/helpers.ts';
import { control, creds, independentSignature, signedDateOf, signedFetch, useCoupangSandbox } from './helpers.ts';

const coupang = useCoupangSandbox();
let base: string;
beforeAll(() => {
  base = coupang.base();
});

const SEARCH = '/v2/providers/affiliate_open_api/apis/openapi/v1/products/search';
const PRODUCTS = '/v2/providers/seller_api/apis/api/v1/marketplace/seller-products';
const partnersKey = { accessKey: creds.partnersAccessKey, secretKey: creds.partnersSecretKey };
const deps = () => ({ rateCounter: memoryRateCounter(), cache: memoryResponseCache(), clock: { now: () => new Date() } });
const retry = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 40 };

describe('the sandbox verifies CEA signatures', () => {
  it('accepts a request signed from the contract, over the raw query string as sent', async () => {
    // %20 for the space, as a client other than URLSearchParams would send it: the signature covers these bytes.
    const raw = 'keyword=%EC%BA%A0%ED%95%91%20%EC%9D%98%EC%9E%90&limit=3';
    const res = await signedFetch(base, partnersKey, SEARCH, raw);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.rCode).toBe('0');
    expect(body.data.productData).toHaveLength(3);
    expect(body.data.productData[0].keyword).toBe('캠핑 의자');
  });

  it('answers 401 for a wrong secret, an unknown key, a signed date outside five minutes, a missing header', async () => {
    const raw = 'keyword=%ED%85%90%ED%8A%B8&limit=1';
    const wrong = await signedFetch(base, partnersKey, SEARCH, raw, { secret: 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ code: 401, message: 'Invalid signature' });
    expect((await signedFetch(base, { ...partnersKey, accessKey: 'someone-else' }, SEARCH, raw)).status).toBe(401);
    const old = await signedFetch(base, partnersKey, SEARCH, raw, { at: new Date(Date.now() - 6 * 60_000) });
    expect(old.status).toBe(401);
    expect(((await old.json()) as any).message).toMatch(/signed-date/);
    expect((await signedFetch(base, partnersKey, SEARCH, raw, { at: new Date(Date.now() + 6 * 60_000) })).status).toBe(401);
    expect((await signedFetch(base, partnersKey, SEARCH, raw, { at: new Date(Date.now() - 4 * 60_000) })).status).toBe(200);
    expect((await fetch(`${base}${SEARCH}?${raw}`)).status).toBe(401);
    // Signing another query than the one sent fails too.
    const date = signedDateOf(new Date());
    const other = await fetch(`${base}${SEARCH}?${raw}`, {
      headers: { authorization: `CEA algorithm=HmacSHA256, access-key=${partnersKey.accessKey}, signed-date=${date}, signature=${independentSignature(partnersKey.secretKey, date, 'GET', SEARCH, 'keyword=x&limit=1')}` },
    });
    expect(other.status).toBe(401);
  });

  it('keeps vendors apart: a Wing key acts for its own vendor only, and not on Partners', async () => {
    const own = await signedFetch(base, creds.wing, PRODUCTS, `vendorId=${creds.wing.vendorId}&maxPerPage=1`);
    expect(own.status).toBe(200);
    expect((await signedFetch(base, creds.wing, PRODUCTS, `vendorId=${creds.otherWing.vendorId}&maxPerPage=1`)).status).toBe(403);
    expect((await signedFetch(base, creds.wing, PRODUCTS, `vendorId=${creds.wing.vendorId}`, { headers: { 'x-requested-by': creds.otherWing.vendorId } })).status).toBe(403);
    expect((await signedFetch(base, creds.wing, SEARCH, 'keyword=a')).status).toBe(403);
  });
});

describe('the clients sign what the contract says', () => {
  it('Partners: the Authorization header the sandbox saw matches an independent HMAC of that request', async () => {
    await coupangPartners({ baseUrl: base, ...partnersKey, timeoutMs: 2000, retry, perMinute: 50, searchTtlMs: 60_000 }, deps()).search({ keyword: '캠핑 의자', limit: 3 });
    const last = (await control(base, 'stats')).lastRequest;
    const m = /^CEA algorithm=HmacSHA256, access-key=(.+), signed-date=(\d{6}T\d{6}Z), signature=([0-9a-f]{64})$/.exec(last.headers.Authorization)!;
    expect(m[1]).toBe(partnersKey.accessKey);
    expect(m[3]).toBe(independentSignature(partnersKey.secretKey, m[2]!, 'GET', SEARCH, last.query));
    // The client always asks for 10 (one cached answer serves every limit) with URLSearchParams' encoding.
    expect(last.query).toBe('keyword=%EC%BA%A0%ED%95%91+%EC%9D%98%EC%9E%90&limit=10');
  });

  it('Wing: signed with the seller\'s key, X-Requested-By the vendor', async () => {
    const wing = coupangWing({ baseUrl: base, timeoutMs: 2000, retry, ratePerSecond: 100, rocketGrowthPerMinute: 50, rateMaxWaitMs: 1000, slowdownMs: 1000 }, deps());
    await wing.sellerProducts(creds.wing, { limit: 5 });
    const last = (await control(base, 'stats')).lastRequest;
    const m = /signed-date=(\d{6}T\d{6}Z), signature=([0-9a-f]{64})$/.exec(last.headers.Authorization)!;
    expect(m[2]).toBe(independentSignature(creds.wing.secretKey, m[1]!, 'GET', PRODUCTS, last.query));
    expect(last.headers['X-Requested-By']).toBe(creds.wing.vendorId);
    expect(last.headers.Authorization).not.toContain(creds.wing.secretKey);
  });
});
