/**
 * A keyword from demand to sourcing to margin over HTTP, offline: the real server with no provider credentials,
 * so the Naver and 1688 sandboxes stand in (and say so), a seeded tenant's key, and only public URLs.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/http-server.ts';
import { bearer, seedTenant } from '../platform/fixtures.ts';

let srv: TestServer;
let key: string;
beforeAll(async () => {
  srv = await startTestServer();
  key = (await seedTenant(srv.rt.ports, 'sourcing-flow')).secret;
});
afterAll(async () => {
  await srv?.close();
});

const get = async (path: string) => {
  const res = await fetch(`${srv.url}${path}`, { headers: bearer(key) });
  return { status: res.status, body: (await res.json()) as any };
};

it('캠핑의자: demand on Naver, offers on 1688, one offer in detail, its margin at the Naver price', async () => {
  const keyword = '캠핑의자';
  const overview = await get(`/v1/naver/keywords/${encodeURIComponent(keyword)}/overview`);
  expect(overview.status).toBe(200);
  expect(overview.body.demand.status).toBe('ok');
  const shop = await get(`/v1/naver/shopping/search?query=${encodeURIComponent(keyword)}&size=20`);
  const prices = shop.body.items.map((i: { lowPrice: number }) => i.lowPrice).sort((a: number, b: number) => a - b);
  const salePriceKrw = prices[Math.floor(prices.length / 2)];

  const found = await get(`/v1/alibaba/offers/search?keyword=${encodeURIComponent(keyword)}&pageSize=5`);
  expect(found.status).toBe(200);
  expect(found.body.searched).toMatchObject({ method: 'glossary', keyword: '露营椅' });
  const offerId = found.body.offers[0].offerId;

  const detail = await get(`/v1/alibaba/offers/${offerId}`);
  expect(detail.status).toBe(200);
  const skuId = detail.body.quoteType === 'by_sku' ? detail.body.skus[0].skuId : undefined;

  const res = await fetch(`${srv.url}/v1/analysis/margin`, {
    method: 'POST',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    body: JSON.stringify({
      category: 'sports',
      purchase: { quantity: detail.body.minOrderQuantity, offer: { offerId, ...(skuId ? { skuId } : {}) } },
      exchange: { cnyKrw: 190, usdKrw: 1380, source: 'test', asOf: '2025-06-01' },
      freight: { ratePerKgKrw: 4000 },
      selling: { channel: 'naver_smart_store', salePriceKrw },
    }),
  });
  const margin = (await res.json()) as any;
  expect(res.status).toBe(200);
  expect(margin.offer).toMatchObject({ offerId, asOf: detail.body.asOf, minOrderQuantity: detail.body.minOrderQuantity });
  expect(margin.landed.priceTier.unitPriceFen).toBe(detail.body.priceTiers[0]?.unitPriceFen ?? detail.body.skus[0].priceFen);
  expect(margin.sale.salePrice).toBe(salePriceKrw);

  // The server said, once, that 1688 calls go to the sandbox.
  const lines = srv.rt.captured.logs.filter((l) => String(l.message).startsWith('no 1688 credentials configured: using the provider sandbox at http://127.0.0.1:'));
  expect(lines).toHaveLength(1);
}, 120_000);
