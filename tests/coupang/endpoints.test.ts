/**
 * The Coupang endpoints through the toolkit, the real clients pointed at the Naver and Coupang sandboxes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/index.ts';
import { matchTitles } from '../../core/coupang/matching.ts';
import type { TestRuntime } from '../helpers/invoke.ts';
import { auth, control, coupangRuntime, startMarketsSandbox } from './helpers.ts';

let sandbox: RunningSandbox;
let rt: TestRuntime;
beforeAll(async () => {
  sandbox = await startMarketsSandbox();
  rt = await coupangRuntime(sandbox);
});
afterAll(async () => {
  await rt?.close();
  await sandbox?.close();
});
beforeEach(async () => {
  await control(sandbox.urls.coupang!, 'reset', {});
  await control(sandbox.urls.naverOpenApi!, 'reset', {});
});

describe('GET /v1/coupang/products/search', () => {
  it('answers normalised products with provenance, then from cache', async () => {
    const res = await rt.call('coupang.searchProducts', { query: { keyword: '롱패딩', limit: '4' }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ keyword: '롱패딩', source: 'coupang-partners:product-search', cached: false });
    expect(res.body.items).toHaveLength(4);
    expect(Object.keys(res.body.items[0]).sort()).toEqual(['ad', 'freeShipping', 'image', 'name', 'price', 'productId', 'rank', 'rocket', 'url']);
    const again = await rt.call('coupang.searchProducts', { query: { keyword: '롱패딩' }, headers: auth });
    expect(again.body).toMatchObject({ cached: true, asOf: res.body.asOf });
    expect(again.body.items).toHaveLength(10);
  });

  it('turns away bad parameters with a 400 naming each field, before any provider call', async () => {
    const res = await rt.call('coupang.searchProducts', { query: { keyword: ' ', limit: '11' }, headers: auth });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['keyword', 'limit']);
    expect((await control(sandbox.urls.coupang!, 'stats')).requests).toBe(0);
  });

  it('a spent Partners quota is a 429 with Retry-After, never the provider\'s 403', async () => {
    await control(sandbox.urls.coupang!, 'limits', { partnersPerMinute: 1 });
    // A runtime of its own: the quota answer spends its budget for the minute, which the other tests would feel.
    const own = await coupangRuntime(sandbox);
    try {
      expect((await own.call('coupang.searchProducts', { query: { keyword: '비타민' }, headers: auth })).status).toBe(200);
      const res = await own.call('coupang.searchProducts', { query: { keyword: '유산균' }, headers: auth });
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.body).toMatchObject({ type: 'urn:sellpo:problem:rate-limited', status: 429 });
    } finally {
      await own.close();
    }
  });

  it('needs tenant credentials', async () => {
    expect((await rt.call('coupang.searchProducts', { query: { keyword: '텐트' } })).status).toBe(401);
  });
});

describe('GET /v1/coupang/cross-market', () => {
  it('puts both marketplaces side by side with real matches and near misses left out', async () => {
    const res = await rt.call('coupang.crossMarket', { query: { keyword: '캠핑의자' }, headers: auth });
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.missing).toEqual([]);
    expect(body.naver).toMatchObject({ status: 'ok', source: 'naver-openapi:shopping-search', data: { listings: 40, rocketShare: null } });
    expect(body.naver.data.totalListings).toBeGreaterThan(1000);
    expect(body.coupang).toMatchObject({ status: 'ok', source: 'coupang-partners:product-search', data: { listings: 10, totalListings: null } });
    for (const side of [body.naver.data.prices, body.coupang.data.prices]) {
      expect(side.min).toBeLessThanOrEqual(side.q1);
      expect(side.q1).toBeLessThanOrEqual(side.median);
      expect(side.median).toBeLessThanOrEqual(side.q3);
      expect(side.q3).toBeLessThanOrEqual(side.max);
    }
    // The sandbox lists four Naver products again on Coupang (ranks 1, 3, 5, 7) and two near misses (another size).
    expect(body.matches.length).toBeGreaterThanOrEqual(4);
    for (const m of body.matches) {
      expect(m.coupang.title).not.toContain('기획세트');
      expect(m.priceGap).toBe(m.coupang.price - m.naver.price);
      const size = (t: string) => /(\d+)호/.exec(t)?.[1];
      expect(size(m.coupang.title)).toBe(size(m.naver.title));
      expect(m.coupang.title.split(' ')[0]).toBe(m.naver.title.split(' ')[0]);
    }
    const search = await rt.call('coupang.searchProducts', { query: { keyword: '캠핑의자' }, headers: auth });
    const nearMisses = search.body.items.filter((i: { name: string }) => i.name.includes('기획세트'));
    expect(nearMisses.length).toBe(2);
    // A near miss shares brand and keyword with some Naver listing, so only the size rule keeps it out.
    expect(nearMisses.every((i: { name: string }) => body.matches.every((m: { coupang: { title: string } }) => m.coupang.title !== i.name))).toBe(true);
    expect(matchTitles(nearMisses[0].name.replace(/\d+호/, '3호'), nearMisses[0].name).match).toBe(false);
  });

  it('one marketplace failing is reported missing while the other answers', async () => {
    await control(sandbox.urls.coupang!, 'faults', { outage: true });
    const res = await rt.call('coupang.crossMarket', { query: { keyword: '선풍기' }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.missing).toEqual(['coupang']);
    expect(res.body.coupang).toMatchObject({ status: 'unavailable', problem: 'upstream_failed' });
    expect(res.body.naver.status).toBe('ok');
    expect(res.body.matches).toEqual([]);

    await control(sandbox.urls.coupang!, 'reset', {});
    await control(sandbox.urls.naverOpenApi!, 'faults', { outage: true });
    const other = await rt.call('coupang.crossMarket', { query: { keyword: '서큘레이터' }, headers: auth });
    expect(other.status).toBe(200);
    expect(other.body.missing).toEqual(['naver']);
    expect(other.body.coupang.status).toBe('ok');
  });

  it('both failing is the Naver failure as a problem', async () => {
    await control(sandbox.urls.coupang!, 'faults', { outage: true });
    await control(sandbox.urls.naverOpenApi!, 'faults', { outage: true });
    const res = await rt.call('coupang.crossMarket', { query: { keyword: '키보드' }, headers: auth });
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.detail).toMatch(/^Naver shopping-search answered 500/);
  });
});
