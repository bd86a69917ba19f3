import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/index.ts';
import type { TestRuntime } from '../helpers/invoke.ts';
import { withPglite, type TestDatabase } from '../helpers/database.ts';
import { auth, control, naverRuntime as makeRuntime, startNaverSandbox } from './helpers.ts';

let sandbox: RunningSandbox;
let rt: TestRuntime;
// One embedded database for the file: runtimes share rate counters and cache, as processes of one service do.
let db: TestDatabase;
const naverRuntime = (sb: RunningSandbox, options: { env?: Record<string, string> } = {}) => makeRuntime(sb, { ...options, database: db });

beforeAll(async () => {
  [sandbox, db] = await Promise.all([startNaverSandbox(), withPglite()]);
  rt = await naverRuntime(sandbox);
});
afterAll(async () => {
  await rt?.close();
  await sandbox?.close();
  await db?.close();
});
beforeEach(async () => {
  await control(sandbox.urls.naverOpenApi!, 'reset', {});
  await control(sandbox.urls.naverSearchAd!, 'reset', {});
});

describe('GET /v1/naver/shopping/search', () => {
  it('answers normalised products with provenance, then from cache', async () => {
    const res = await rt.call('naver.searchShopping', { query: { query: '캠핑의자', size: 30, sort: 'asc' }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.total).toBeGreaterThan(1000);
    expect(res.body.items).toHaveLength(30);
    expect(res.body).toMatchObject({ source: 'naver-openapi:shopping-search', cached: false, page: 1, size: 30 });
    for (const item of res.body.items) {
      expect(item.title).not.toMatch(/<\/?b>|&amp;/);
      expect(item.title).toContain('캠핑의자');
      expect(Number.isInteger(item.lowPrice)).toBe(true);
      expect(item.highPrice === null || (Number.isInteger(item.highPrice) && item.highPrice > 0)).toBe(true);
      expect(['normal', 'used', 'discontinued', 'pre_sale']).toContain(item.productType.kind);
      expect(item.category[0]).toBe('스포츠/레저');
    }
    // sort=asc: Naver orders by lowest price.
    const prices = res.body.items.map((i: { lowPrice: number }) => i.lowPrice);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    // Entities in titles arrive decoded somewhere in the catalogue.
    const more = await rt.call('naver.searchShopping', { query: { query: '캠핑의자', size: 100 }, headers: auth });
    expect(more.body.items.some((i: { title: string }) => i.title.includes('& 세트'))).toBe(true);

    const again = await rt.call('naver.searchShopping', { query: { query: '캠핑의자', size: 30, sort: 'asc' }, headers: auth });
    expect(again.body).toMatchObject({ cached: true, asOf: res.body.asOf });
    expect((await control(sandbox.urls.naverOpenApi!, 'stats')).byPath['/v1/search/shop.json']).toBe(2);
  });

  it('turns away bad parameters with a 400 naming each field, before any provider call', async () => {
    const res = await rt.call('naver.searchShopping', { query: { query: '', size: 500, sort: 'cheap', exclude: 'used:new' }, headers: auth });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['exclude.1', 'query', 'size', 'sort']);
    const far = await rt.call('naver.searchShopping', { query: { query: '텐트', page: 11, size: 100 }, headers: auth });
    expect(far.status).toBe(400);
    expect(far.body.errors[0]).toMatchObject({ field: 'page' });
    expect((await control(sandbox.urls.naverOpenApi!, 'stats')).requests).toBe(0);
  });

  it('needs tenant credentials', async () => {
    expect((await rt.call('naver.searchShopping', { query: { query: '텐트' } })).status).toBe(401);
  });
});

describe('GET /v1/naver/keywords', () => {
  it('gives volumes per hint, keeping "< 10" as a bound', async () => {
    const res = await rt.call('naver.keywords', { query: { hint: ['캠핑 의자', '희귀캠핑소품'] }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.hints.map((h: { hint: string }) => h.hint)).toEqual(['캠핑의자', '희귀캠핑소품']);
    const [chair, rare] = res.body.hints.map((h: { stat: unknown }) => h.stat);
    expect(chair.monthlyPcSearches).toMatchObject({ kind: 'exact' });
    expect(chair.monthlyTotalSearches.min).toBe(chair.monthlyTotalSearches.max);
    expect(rare.monthlyPcSearches).toEqual({ kind: 'lessThan', bound: 10 });
    expect(rare.monthlyTotalSearches).toEqual({ min: 0, max: 18 });
    expect(['low', 'medium', 'high']).toContain(chair.competition);
    expect(res.body.related.length).toBeGreaterThan(5);
    expect(res.body).toMatchObject({ source: 'naver-searchad:keywordstool', cached: false, packedWith: [] });
  });

  it('accepts 1 to 5 distinct hints and names the field otherwise', async () => {
    const six = await rt.call('naver.keywords', { query: { hint: 'a1,b1,c1,d1,e1,f1' }, headers: auth });
    expect(six.status).toBe(400);
    expect(six.body.errors[0]).toMatchObject({ in: 'query', field: 'hint' });
    expect(six.body.errors[0].message).toContain('at most 5');
    const bad = await rt.call('naver.keywords', { query: { hint: '캠핑<script>' }, headers: auth });
    expect(bad.status).toBe(400);
    const none = await rt.call('naver.keywords', { headers: auth });
    expect(none.status).toBe(400);
    expect(none.body.errors[0].field).toBe('hint');
    // Duplicates after normalisation are one hint, so Naver never sees a 7002.
    const dup = await rt.call('naver.keywords', { query: { hint: ['캠핑 의자', '캠핑의자'] }, headers: auth });
    expect(dup.status).toBe(200);
    expect(dup.body.hints).toHaveLength(1);
  });
});

describe('POST /v1/naver/datalab/*', () => {
  it('search trends: seasonal, the maximum is 100, filters change the series', async () => {
    const body = { startDate: '2024-01-01', endDate: '2024-12-31', timeUnit: 'month', keywordGroups: [{ groupName: '캠핑', keywords: ['캠핑의자'] }, { groupName: '패딩', keywords: ['롱패딩'] }] };
    const res = await rt.call('naver.trends', { body, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.series).toHaveLength(2);
    expect(Math.max(...res.body.series.flatMap((s: { data: { ratio: number }[] }) => s.data.map((d) => d.ratio)))).toBe(100);
    const padding = res.body.series[1].data.map((d: { ratio: number }) => d.ratio);
    expect(padding[11]).toBeGreaterThan(padding[6] * 5); // December far above July
    const filtered = await rt.call('naver.trends', { body: { ...body, device: 'mo', gender: 'f', ages: ['3', '4'] }, headers: auth });
    expect(filtered.body.series[0].data).not.toEqual(res.body.series[0].data);
  });

  it('validates groups, dates and ages with field names', async () => {
    const res = await rt.call('naver.trends', {
      body: { startDate: '2015-12-31', endDate: '2024-01-01', timeUnit: 'year', ages: ['12'], keywordGroups: [] },
      headers: auth,
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['ages.0', 'keywordGroups', 'startDate', 'timeUnit']);
  });

  it('shopping insight for categories and for keywords within a category', async () => {
    const categories = await rt.call('naver.shoppingInsight', {
      body: { kind: 'categories', startDate: '2024-01-01', endDate: '2024-03-31', timeUnit: 'week', categories: [{ name: '패션의류', codes: ['50000000'] }] },
      headers: auth,
    });
    expect(categories.status).toBe(200);
    expect(categories.body).toMatchObject({ source: 'naver-datalab:shopping-categories', timeUnit: 'week' });
    expect(categories.body.series[0].terms).toEqual(['50000000']);
    const keywords = await rt.call('naver.shoppingInsight', {
      body: { kind: 'category_keywords', startDate: '2024-01-01', endDate: '2024-01-31', timeUnit: 'date', category: '50000006', keywords: [{ name: '캠핑의자', keywords: ['캠핑의자'] }], ages: ['20', '30'] },
      headers: auth,
    });
    expect(keywords.status).toBe(200);
    expect(keywords.body.series[0].data).toHaveLength(31);
    const bad = await rt.call('naver.shoppingInsight', { body: { kind: 'category_keywords', startDate: '2024-01-01', endDate: '2024-01-31', timeUnit: 'date', category: 'x', keywords: [], ages: ['1'] }, headers: auth });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['ages.0', 'category', 'keywords']);
  });
});

describe('GET /v1/naver/keywords/{keyword}/overview', () => {
  it('assembles demand, supply, competition and seasonality, each with its source', async () => {
    const res = await rt.call('naver.keywordOverview', { path: { keyword: '캠핑의자' }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.missing).toEqual([]);
    expect(res.body.demand).toMatchObject({ status: 'ok', source: 'naver-searchad:keywordstool' });
    expect(res.body.supply).toMatchObject({ status: 'ok', source: 'naver-openapi:shopping-search' });
    expect(res.body.trend).toMatchObject({ status: 'ok', source: 'naver-datalab:search' });
    expect(res.body.trend.data.points).toHaveLength(12);
    // 캠핑 peaks in spring and autumn.
    expect(res.body.trend.data.peakMonths.some((m: number) => [4, 5].includes(m))).toBe(true);
    expect(res.body.trend.data.peakMonths.some((m: number) => [9, 10].includes(m))).toBe(true);
    const total = res.body.demand.data.monthlyTotalSearches.max;
    expect(res.body.competitionRatio.data.productsPerMonthlySearch).toBeCloseTo(res.body.supply.data.shoppingProducts / total, 2);
  });

  it('answers the other parts when DataLab is down, naming the missing part and why', async () => {
    await control(sandbox.urls.naverOpenApi!, 'faults', { outage: true });
    // Shopping search shares the Open API host: take DataLab down alone by spending only its budget instead.
    await control(sandbox.urls.naverOpenApi!, 'faults', { outage: false });
    const rt2 = await naverRuntime(sandbox, { env: { NAVER_DATALAB_DAILY_BUDGET: '0' } });
    try {
      const res = await rt2.call('naver.keywordOverview', { path: { keyword: '패딩' }, headers: auth });
      expect(res.status).toBe(200);
      expect(res.body.missing).toEqual(['trend']);
      expect(res.body.trend).toMatchObject({ status: 'unavailable', problem: 'rate_limited' });
      expect(res.body.trend.reason).toMatch(/DataLab budget of 0 calls is spent/);
      expect(res.body.demand.status).toBe('ok');
      expect(res.body.supply.status).toBe('ok');
    } finally {
      await rt2.close();
    }
  });

  it('answers demand alone when the Open API is out, and fails whole only when everything is', async () => {
    await control(sandbox.urls.naverOpenApi!, 'faults', { outage: true });
    const res = await rt.call('naver.keywordOverview', { path: { keyword: '선풍기' }, headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.missing).toEqual(['supply', 'competitionRatio', 'trend']);
    expect(res.body.supply).toMatchObject({ status: 'unavailable', problem: 'upstream_failed' });
    expect(res.body.supply.reason).toMatch(/answered 500 SE99.*after 3 attempts/);
    expect(res.body.competitionRatio.reason).toBe('needs demand and supply; supply unavailable');
    expect(res.body.demand.status).toBe('ok');

    await control(sandbox.urls.naverSearchAd!, 'faults', { outage: true });
    const all = await rt.call('naver.keywordOverview', { path: { keyword: '수영복' }, headers: auth });
    expect(all.status).toBe(502);
  });
});

describe('provider failures as problems', () => {
  it('a spent provider quota is a 429 with the reset time, not retried', async () => {
    await control(sandbox.urls.naverOpenApi!, 'faults', { quotaExhausted: true });
    const res = await rt.call('naver.searchShopping', { query: { query: '모니터' }, headers: auth });
    expect(res.status).toBe(429);
    expect(res.body.detail).toMatch(/daily quota .* resets at .*T15:00:00.000Z/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await control(sandbox.urls.naverOpenApi!, 'stats')).requests).toBe(1);
  });

  it('rejected provider credentials are a 502, never our caller\'s 401', async () => {
    const rt2 = await naverRuntime(sandbox, { env: { NAVER_CLIENT_SECRET: 'wrong', NAVER_SEARCHAD_SECRET: 'wrong' } });
    try {
      const search = await rt2.call('naver.searchShopping', { query: { query: '키보드' }, headers: auth });
      expect(search.status).toBe(502);
      expect(search.body.detail).toMatch(/^provider credentials rejected/);
      const kw = await rt2.call('naver.keywords', { query: { hint: '키보드' }, headers: auth });
      expect(kw.status).toBe(502);
      expect(kw.body.detail).toMatch(/^provider credentials rejected/);
      expect(kw.body.transactionId).toMatch(/^sandbox-/);
      // Not retried: an authentication failure does not heal.
      expect((await control(sandbox.urls.naverSearchAd!, 'stats')).requests).toBe(1);
    } finally {
      await rt2.close();
    }
  });
});
