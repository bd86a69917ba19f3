import { describe, expect, it } from 'vitest';
import type { ShoppingSearch } from '../naver/ports.ts';
import { DomainError } from '../shared/errors.ts';
import { crossMarket, priceSpread } from './cross-market.ts';
import type { CoupangProduct } from './model.ts';
import type { ProductSearch } from './ports.ts';

type NaverItem = Awaited<ReturnType<ShoppingSearch['search']>>['data']['items'][number];
const naverItem = (productId: string, title: string, lowPrice: number | null): NaverItem => ({
  productId, title, link: `https://n/${productId}`, image: '', lowPrice, highPrice: null, mall: '네이버', productType: null, brand: null, maker: null, category: [],
});
const coupangItem = (rank: number, name: string, price: number, rocket: boolean): CoupangProduct => ({
  productId: `c${rank}`, name, price, rocket, freeShipping: true, ad: false, rank, url: `https://c/${rank}`, image: '',
});

const NAVER: NaverItem[] = [
  naverItem('n1', '코베아 초경량 캠핑의자 3호', 30_000),
  naverItem('n2', '헬리녹스 체어원 캠핑의자', 150_000),
  naverItem('n3', '코베아 캠핑의자 4호', 40_000),
  naverItem('n4', '캠핑칸 캠핑의자 대형', 20_000),
  naverItem('n5', '가격없는 캠핑의자', null),
];
const COUPANG: CoupangProduct[] = [
  coupangItem(1, '코베아 캠핑의자 3호 블랙', 27_000, true),
  coupangItem(2, '탐사 캠핑의자 실속형', 15_000, true),
  coupangItem(3, '헬리녹스 체어 원 캠핑의자', 165_000, false),
  coupangItem(4, '코베아 캠핑의자 5호 기획세트', 50_000, false),
];

const shopping = (result: NaverItem[] | Error): ShoppingSearch => ({
  search: async (q) => {
    if (result instanceof Error) throw result;
    return { source: 'naver-openapi:shopping-search', asOf: '2026-12-06T00:00:00.000Z', cached: false, data: { query: q.query, total: 123_456, page: 1, size: q.size, items: result } };
  },
});
const products = (result: CoupangProduct[] | Error): ProductSearch => ({
  search: async (q) => {
    if (result instanceof Error) throw result;
    return { source: 'coupang-partners:product-search', asOf: '2026-12-06T00:00:01.000Z', cached: true, data: { keyword: q.keyword, landingUrl: 'https://c', items: result } };
  },
});

describe('price spread', () => {
  it('nearest-rank quartiles, worked by hand', () => {
    // Sorted 10, 20, 30, 40, 50, 60, 70: q1 = rank ceil(1.75) = 2nd, median = rank 4, q3 = rank ceil(5.25) = 6th.
    expect(priceSpread([70, 10, 40, 30, 60, 20, 50])).toEqual({ min: 10, q1: 20, median: 40, q3: 60, max: 70 });
    // Four values: q1 = 1st, median = 2nd, q3 = 3rd.
    expect(priceSpread([400, 100, 300, 200])).toEqual({ min: 100, q1: 100, median: 200, q3: 300, max: 400 });
    expect(priceSpread([5])).toEqual({ min: 5, q1: 5, median: 5, q3: 5, max: 5 });
    expect(priceSpread([])).toBeNull();
  });
});

describe('cross-market', () => {
  it('summarises both sides and pairs the same products with their price gaps', async () => {
    const result = await crossMarket({ naver: { shopping: shopping(NAVER) }, coupang: { products: products(COUPANG) } }, '  캠핑의자 ');
    expect(result.keyword).toBe('캠핑의자');
    expect(result.missing).toEqual([]);
    expect(result.naver).toMatchObject({
      status: 'ok',
      source: 'naver-openapi:shopping-search',
      // Priced: 20,000 30,000 40,000 150,000 -> q1 1st, median 2nd, q3 3rd.
      data: { listings: 5, totalListings: 123_456, prices: { min: 20_000, q1: 20_000, median: 30_000, q3: 40_000, max: 150_000 }, rocketShare: null },
    });
    expect(result.coupang).toMatchObject({
      status: 'ok',
      cached: true,
      // 15,000 27,000 50,000 165,000; 2 of 4 Rocket.
      data: { listings: 4, totalListings: null, prices: { min: 15_000, q1: 15_000, median: 27_000, q3: 50_000, max: 165_000 }, rocketShare: 0.5 },
    });
    // Coupang 1 = Naver 1 (3호 both; not n3's 4호); Coupang 3 = Naver 2 (체어 원 = 체어원); 탐사 is another brand; 5호 matches no size.
    expect(result.matches).toEqual([
      // {헬리녹스, 체어원, 캠핑의자} both: score 1.
      {
        naver: { id: 'n2', title: '헬리녹스 체어원 캠핑의자', price: 150_000, url: 'https://n/n2' },
        coupang: { id: 'c3', title: '헬리녹스 체어 원 캠핑의자', price: 165_000, url: 'https://c/3', rocket: false },
        score: 1,
        basis: 'tokens',
        priceGap: 15_000,
        priceGapPercent: 10,
      },
      // 2 x 3 / 8 = 0.75; 27,000 - 30,000 = -3,000, -10 % of 30,000.
      {
        naver: { id: 'n1', title: '코베아 초경량 캠핑의자 3호', price: 30_000, url: 'https://n/n1' },
        coupang: { id: 'c1', title: '코베아 캠핑의자 3호 블랙', price: 27_000, url: 'https://c/1', rocket: true },
        score: 0.75,
        basis: 'tokens',
        priceGap: -3_000,
        priceGapPercent: -10,
      },
    ]);
  });

  it('reports a failing marketplace as missing while the other answers', async () => {
    const outage = new DomainError('upstream_failed', 'Coupang Partners answered 500', { details: { provider: 'coupang-partners' } });
    const result = await crossMarket({ naver: { shopping: shopping(NAVER) }, coupang: { products: products(outage) } }, '캠핑의자');
    expect(result.missing).toEqual(['coupang']);
    expect(result.coupang).toEqual({ status: 'unavailable', reason: 'Coupang Partners answered 500', problem: 'upstream_failed' });
    expect(result.naver.status).toBe('ok');
    expect(result.matches).toEqual([]);

    const limited = new DomainError('rate_limited', 'Naver is rate limiting', { retryAfterSeconds: 7 });
    const other = await crossMarket({ naver: { shopping: shopping(limited) }, coupang: { products: products(COUPANG) } }, '캠핑의자');
    expect(other.missing).toEqual(['naver']);
    expect(other.naver).toEqual({ status: 'unavailable', reason: 'Naver is rate limiting', problem: 'rate_limited', retryAfterSeconds: 7 });
    expect(other.coupang.status).toBe('ok');
  });

  it('fails with Naver\'s error only when both fail, and refuses an empty keyword', async () => {
    const naverDown = new DomainError('upstream_failed', 'Naver down');
    await expect(crossMarket({ naver: { shopping: shopping(naverDown) }, coupang: { products: products(new Error('boom')) } }, '텐트')).rejects.toBe(naverDown);
    await expect(crossMarket({ naver: { shopping: shopping(NAVER) }, coupang: { products: products(COUPANG) } }, '   ')).rejects.toMatchObject({ code: 'invalid' });
  });
});
