/**
 * The alibaba endpoints over the 1688 sandbox gateway: search with translation, detail, image search, landed cost,
 * margin priced from an offer, bad input, and 1688's failures mapped to our problems.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/index.ts';
import type { TestRuntime } from '../helpers/invoke.ts';
import { control } from '../naver/helpers.ts';
import { alibabaRuntime, auth, startAlibabaSandbox } from './helpers.ts';

let sandbox: RunningSandbox;
let rt: TestRuntime;
const base = () => sandbox.urls.alibaba!;
const stats = () => control(base(), 'stats');

beforeAll(async () => {
  sandbox = await startAlibabaSandbox();
  rt = await alibabaRuntime(sandbox);
});
afterAll(async () => {
  await rt?.close();
  await sandbox?.close();
});
beforeEach(async () => {
  await control(base(), 'reset', {});
});

const DETAIL = '/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.queryProductDetail/9900001';
const SEARCH = '/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.keywordQuery/9900001';

describe('GET /v1/alibaba/offers/search', () => {
  it('translates a Korean keyword with the glossary, says what it searched, then serves the page from cache', async () => {
    const res = await rt.call('alibaba.searchOffers', { query: { keyword: '접이식 캠핑의자', pageSize: 10, sort: 'price_asc' }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.searched).toEqual({
      query: '접이식 캠핑의자',
      keyword: '折叠 露营椅',
      terms: ['折叠', '露营椅'],
      method: 'glossary',
      translated: [{ from: '접이식', to: '折叠' }, { from: '캠핑의자', to: '露营椅' }],
      untranslated: [],
    });
    expect(res.body).toMatchObject({ source: '1688:product.search.keywordQuery', cached: false, page: 1, pageSize: 10 });
    expect(res.body.offers).toHaveLength(10);
    const prices = res.body.offers.map((o: { priceFen: number }) => o.priceFen);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    for (const o of res.body.offers) {
      expect(o.offerId).toMatch(/^60\d{10}$/); // the camping family
      expect(o.subjectTranslated).toMatch(/[가-힣]/);
      expect(Number.isInteger(o.priceFen)).toBe(true);
      expect(typeof o.repurchaseRatePercent).toBe('number');
    }
    const again = await rt.call('alibaba.searchOffers', { query: { keyword: '접이식 캠핑의자', pageSize: 10, sort: 'price_asc' }, headers: auth });
    expect(again.body).toMatchObject({ cached: true, asOf: res.body.asOf });
    expect((await stats()).byPath[SEARCH]).toBe(1);
    // Another page is another provider call.
    await rt.call('alibaba.searchOffers', { query: { keyword: '접이식 캠핑의자', pageSize: 10, sort: 'price_asc', page: 2 }, headers: auth });
    expect((await stats()).byPath[SEARCH]).toBe(2);
  });

  it('searches Chinese, or anything with translate=off, as given; filters by price in yuan', async () => {
    const res = await rt.call('alibaba.searchOffers', { query: { keyword: '蓝牙耳机', priceMin: '20', priceMax: '60' }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.searched).toMatchObject({ method: 'as_given', keyword: '蓝牙耳机', terms: ['蓝牙耳机'] });
    expect(res.body.offers.length).toBeGreaterThan(0);
    for (const o of res.body.offers) expect(o.priceFen).toBeGreaterThanOrEqual(2000), expect(o.priceFen).toBeLessThanOrEqual(6000);
    const off = await rt.call('alibaba.searchOffers', { query: { keyword: '캠핑의자', translate: 'off' }, headers: auth });
    expect(off.body.searched).toMatchObject({ method: 'as_given', keyword: '캠핑의자' });
  });

  it('answers 422 naming the words when no Chinese term is known, before calling 1688', async () => {
    const res = await rt.call('alibaba.searchOffers', { query: { keyword: '뿌잉뿌잉' }, headers: auth });
    expect(res.status).toBe(422);
    expect(res.body.detail).toContain('translate=off');
    expect((await stats()).requests).toBe(0);
  });

  it('turns away bad parameters with one 400 naming each, before calling 1688', async () => {
    const res = await rt.call('alibaba.searchOffers', { query: { keyword: '', pageSize: '51', page: '0', sort: 'cheap', translate: 'maybe', priceMin: 'x' }, headers: auth });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['keyword', 'page', 'pageSize', 'priceMin', 'sort', 'translate']);
    const order = await rt.call('alibaba.searchOffers', { query: { keyword: '텐트', priceMin: '50', priceMax: '10' }, headers: auth });
    expect(order.status).toBe(400);
    expect(order.body.errors[0]).toMatchObject({ field: 'priceMax' });
    expect((await stats()).requests).toBe(0);
    expect((await rt.call('alibaba.searchOffers', { query: { keyword: '텐트' } })).status).toBe(401);
  });
});

describe('GET /v1/alibaba/offers/{offerId}', () => {
  it('gives SKUs with translated attributes, tiers, the quote rule, MOQ, weight and size', async () => {
    const res = await rt.call('alibaba.getOffer', { path: { offerId: '610000000001' }, headers: auth });
    expect(res.status).toBe(200);
    // Family 1 template 0: a long padded coat sold in sizes, SKUs priced by the tiers, per-size weights in grams.
    expect(res.body).toMatchObject({ offerId: '610000000001', quoteType: 'sku_by_quantity', source: '1688:product.search.queryProductDetail', cached: false });
    expect(res.body.subject).toContain('羽绒服');
    expect(res.body.priceTiers.length).toBe(3);
    expect(res.body.priceTiers[0].minQuantity).toBe(res.body.minOrderQuantity);
    expect(res.body.skus.map((s: any) => s.attributes[0].valueTranslated)).toEqual(['S', 'M', 'L', 'XL']);
    expect(res.body.skus[0].attributes[0]).toMatchObject({ name: '尺码', nameTranslated: '사이즈' });
    expect(res.body.skus.every((s: any) => Number.isInteger(s.weightGrams))).toBe(true);
    expect(res.body.shipping).toEqual({ weightKg: 1.25, lengthCm: 40, widthCm: 30, heightCm: 10 });
    expect(res.body.seller.companyName).toMatch(/公司|厂/);
  });

  it('answers 404 for an offer 1688 does not know and 400 for an id that is not one', async () => {
    const missing = await rt.call('alibaba.getOffer', { path: { offerId: '999999999999' }, headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('999999999999');
    const bad = await rt.call('alibaba.getOffer', { path: { offerId: 'abc' }, headers: auth });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ in: 'path', field: 'offerId' });
  });
});

// A 1x1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('POST /v1/alibaba/offers/image-search', () => {
  it('uploads a base64 image, then searches with its id', async () => {
    const res = await rt.call('alibaba.imageSearch', { body: { imageBase64: `data:image/png;base64,${PNG}`, pageSize: 5 }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.image).toMatchObject({ kind: 'upload', format: 'png', bytes: 70 });
    expect(res.body.offers).toHaveLength(5);
    expect(res.body.source).toBe('1688:product.search.imageQuery');
    const byUrl = await rt.call('alibaba.imageSearch', { body: { imageUrl: 'https://example.com/chair.jpg' }, headers: auth });
    expect(byUrl.status).toBe(200);
    expect(byUrl.body.image).toEqual({ kind: 'url', imageUrl: 'https://example.com/chair.jpg' });
  });

  it('refuses what is not one image it can send, with a 400 naming the field, before calling 1688', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{}, 'imageBase64', /exactly one/],
      [{ imageBase64: PNG, imageUrl: 'https://example.com/a.jpg' }, 'imageBase64', /exactly one/],
      [{ imageBase64: 'not base64!' }, 'imageBase64', /not base64/],
      [{ imageBase64: btoa('just some text, no image') }, 'imageBase64', /not a JPEG, PNG/],
      [{ imageBase64: 'A'.repeat(1_024_104) }, 'imageBase64', /at most 750 KiB/],
      // 1,024,004 characters decode to 768,003 bytes: 3 over the limit.
      [{ imageBase64: '/9j/' + 'A'.repeat(1_024_000) }, 'imageBase64', /768003 bytes; the most accepted is 768000/],
      [{ imageUrl: 'ftp://example.com/a.jpg' }, 'imageUrl', /http/],
    ];
    for (const [body, field, message] of cases) {
      const res = await rt.call('alibaba.imageSearch', { body, headers: auth });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ field });
      expect(res.body.errors[0].message).toMatch(message);
    }
    // A body over the toolkit's 1 MiB limit is a 413 before any of this.
    expect((await rt.call('alibaba.imageSearch', { body: { imageBase64: 'A'.repeat(1_100_000) }, headers: auth })).status).toBe(413);
    expect((await stats()).requests).toBe(0);
  });
});

describe('GET /v1/alibaba/offers/{offerId}/landed', () => {
  it('prices each tier and the margin on a channel, naming the defaults used', async () => {
    const res = await rt.call('alibaba.landedCost', { path: { offerId: '600000000001' }, query: { salePriceKrw: '29900', channel: 'coupang_wing', cnyKrw: '195' }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.assumptions).toMatchObject({ channel: 'coupang_wing', cnyKrw: 195, usdKrw: 1380 });
    expect(res.body.assumptions.defaulted).toEqual(['usdKrw', 'ratePerKgKrw', 'agentFeePercent', 'chinaShippingFen', 'category', 'quantity']);
    expect(res.body.tiers.length).toBe(3);
    expect(res.body.margin).toMatchObject({ channel: 'coupang_wing', quantity: res.body.offer.minOrderQuantity });
    const below = await rt.call('alibaba.landedCost', { path: { offerId: '600000000001' }, query: { quantity: String(res.body.offer.minOrderQuantity - 1 || 0) }, headers: auth });
    expect(below.status).toBe(400);
  });

  it('takes a salePriceKrw up to the margin engine\'s 1,000,000,000 won, as POST /v1/analysis/margin does', async () => {
    const high = await rt.call('alibaba.landedCost', { path: { offerId: '600000000001' }, query: { salePriceKrw: '500000000' }, headers: auth });
    expect(high.status).toBe(200);
    expect(high.body.margin).not.toBeNull();
    const over = await rt.call('alibaba.landedCost', { path: { offerId: '600000000001' }, query: { salePriceKrw: '1000000001' }, headers: auth });
    expect([over.status, over.body.errors]).toEqual([400, [{ in: 'query', field: 'salePriceKrw', code: 'too_big', message: 'expected at most 1000000000 won' }]]);
  });

  it('needs the SKU of a per-SKU offer and answers 400 naming skuId', async () => {
    // Family 0 template 2: a tarp priced per size.
    const res = await rt.call('alibaba.landedCost', { path: { offerId: '602000000001' }, headers: auth });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ in: 'query', field: 'skuId' });
  });
});

describe("1688's failures", () => {
  it('an outage is a 502 after the retries; a throttled call that recovers answers 200', async () => {
    await control(base(), 'faults', { outage: true });
    const down = await rt.call('alibaba.getOffer', { path: { offerId: '600000000002' }, headers: auth });
    expect(down.status).toBe(502);
    expect(down.body.detail).toContain('gw.InternalError');
    expect((await stats()).byPath[DETAIL]).toBe(3);
    await control(base(), 'reset', {});
    await control(base(), 'faults', { failNext: { count: 1, kind: 'rate' } });
    const recovered = await rt.call('alibaba.getOffer', { path: { offerId: '600000000002' }, headers: auth });
    expect(recovered.status).toBe(200);
    expect((await stats()).byStatus).toEqual({ 200: 1, 429: 1 });
  });

  it('a wrong app secret or access token is a 502 "provider credentials rejected", never showing the secret', async () => {
    for (const env of [{ ALIBABA_APP_SECRET: 'not-the-secret' }, { ALIBABA_ACCESS_TOKEN: 'expired-token' }] as Record<string, string>[]) {
      const other = await alibabaRuntime(sandbox, { env });
      try {
        const res = await other.call('alibaba.getOffer', { path: { offerId: '600000000003' }, headers: auth });
        expect(res.status).toBe(502);
        expect(res.body.detail).toMatch(/provider credentials rejected.*gw\.(SignatureInvalid|AccessTokenInvalid)/);
        expect(JSON.stringify(res.body)).not.toMatch(/not-the-secret|expired-token|sandbox-1688/);
        expect(JSON.stringify(other.captured.logs)).not.toMatch(/not-the-secret|expired-token|sandbox-1688-app-secret/);
      } finally {
        await other.close();
      }
    }
    // Two runtimes of their own: a generous bound on a loaded machine.
  }, 240_000);

  it('the sandbox checks the signature itself: a request signed with another secret is refused as the gateway does', async () => {
    const form = new URLSearchParams({ offerDetailParam: '{"offerId":600000000001,"country":"ko"}', access_token: 'sandbox-1688-access-token', _aop_timestamp: '1765000000000', _aop_signature: '0'.repeat(40) });
    const res = await fetch(`${base()}${DETAIL}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error_code: 'gw.SignatureInvalid' });
  });
});

describe('POST /v1/analysis/margin with purchase.offer', () => {
  const body = (quantity: number, offer: Record<string, string>) => ({
    saleDate: '2025-06-02',
    category: 'sports',
    purchase: { quantity, offer },
    exchange: { cnyKrw: 190, usdKrw: 1380, source: 'test', asOf: '2025-06-01' },
    freight: { ratePerKgKrw: 4000 },
    selling: { channel: 'naver_smart_store', salePriceKrw: 39_000 },
  });

  it('prices from the offer, names it and its as-of, and a batch of rows fetches the offer once', async () => {
    // Rows arriving together share one 1688 call (the sandbox's minimum orders are at most 10 for this family).
    const rows = await Promise.all([10, 100, 500, 10].map((q) => rt.call('analysis.margin', { query: { view: 'summary' }, body: body(q, { offerId: '601000000007' }), headers: auth })));
    expect(rows.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect((await stats()).byPath[DETAIL]).toBe(1);
    // Later ones, and the detail endpoint, are served from the cache with the same as-of.
    const detail = await rt.call('alibaba.getOffer', { path: { offerId: '601000000007' }, headers: auth });
    expect(detail.body.cached).toBe(true);
    expect(rows[0]!.body.offer).toMatchObject({ offerId: '601000000007', asOf: detail.body.asOf, minOrderQuantity: detail.body.minOrderQuantity, weightFrom: 'offer', unitWeightGrams: 3200 });
    expect(rows[1]!.body.landedCost).toBeLessThan(rows[0]!.body.landedCost);
    expect((await rt.call('analysis.margin', { query: { view: 'summary' }, body: body(10, { offerId: '601000000007' }), headers: auth })).body.offer.cached).toBe(true);
    expect((await stats()).byPath[DETAIL]).toBe(1);
  });

  it('a quantity below the MOQ is a 400 naming it; an unknown offer a 400 on purchase.offer.offerId', async () => {
    const detail = await rt.call('alibaba.getOffer', { path: { offerId: '601000000008' }, headers: auth });
    const moq = detail.body.minOrderQuantity;
    expect(moq).toBeGreaterThan(1);
    const below = await rt.call('analysis.margin', { body: body(moq - 1, { offerId: '601000000008' }), headers: auth });
    expect(below.status).toBe(400);
    expect(below.body.errors).toEqual([{ in: 'body', field: 'purchase.quantity', message: `Below the minimum order quantity of ${moq} of offer 601000000008.`, code: 'invalid' }]);
    const unknown = await rt.call('analysis.margin', { body: body(5, { offerId: '999999999999' }), headers: auth });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0]).toMatchObject({ field: 'purchase.offer.offerId' });
    const noWeight = await rt.call('analysis.margin', { body: { ...body(5, { offerId: '601000000008' }), purchase: { quantity: 5, unitPriceFen: 1000 } }, headers: auth });
    expect(noWeight.status).toBe(400);
    expect(noWeight.body.errors[0]).toMatchObject({ field: 'freight.unitWeightGrams' });
  });
});

describe('configuration', () => {
  it('half a credential set stops the start naming the missing variables; none, with the sandbox off, is a 503 naming them', async () => {
    const { ConfigError, loadConfig } = await import('../../adapters/config.ts');
    const error = (() => {
      try {
        loadConfig({ ALIBABA_APP_KEY: '123', ALIBABA_APP_SECRET: 'x' });
      } catch (e) {
        return e as InstanceType<typeof ConfigError>;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.join('\n')).toMatch(/ALIBABA_ACCESS_TOKEN: required when ALIBABA_APP_KEY and ALIBABA_APP_SECRET are set/);
    const { testRuntime } = await import('../helpers/invoke.ts');
    const { memoryAuthenticator } = await import('../../adapters/memory/auth.ts');
    const off = await testRuntime({
      env: { ALIBABA_SANDBOX: 'off' },
      overrides: { auth: memoryAuthenticator(new Map([['k', { kind: 'tenant', tenantId: 't', actorId: 'u', role: 'owner', via: 'api_key' }]])) },
    });
    try {
      const res = await off.call('alibaba.getOffer', { path: { offerId: '600000000001' }, headers: { authorization: 'Bearer k' } });
      expect(res.status).toBe(503);
      expect(res.body.detail).toContain('ALIBABA_APP_KEY, ALIBABA_APP_SECRET and ALIBABA_ACCESS_TOKEN');
    } finally {
      await off.close();
    }
  });
});
