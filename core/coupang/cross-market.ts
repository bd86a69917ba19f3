/**
 * GET /v1/coupang/cross-market: one keyword on Naver shopping and on Coupang side by side. Each side is the first
 * page of its marketplace's search (Naver: CROSS_MARKET_NAVER_SIZE listings by relevance; Coupang: Partners' top
 * 10); prices are summarised per side, and each Coupang listing is paired with the Naver listing its title matches
 * best (matching.ts), with the price gap. A marketplace that fails is reported missing and the other still
 * answers; only when both fail does the request fail, with Naver's error.
 */
import type { ShoppingSearch } from '../naver/ports.ts';
import { DomainError, isDomainError } from '../shared/errors.ts';
import { featuresOf, compareTitles, joinSpacing, titleTokens } from './matching.ts';
import type { CoupangProduct, CrossMarket, CrossMarketMatch, MarketSide, Marketplace, PriceSpread, SidePart } from './model.ts';
import type { CallOptions, CoupangPorts } from './ports.ts';

export const CROSS_MARKET_NAVER_SIZE = 40;
export const CROSS_MARKET_COUPANG_LIMIT = 10;

type NaverProduct = Awaited<ReturnType<ShoppingSearch['search']>>['data']['items'][number];

/** Nearest rank: the value at position ceil(p * n) of the sorted list (1-based). */
const rank = (sorted: number[], p: number): number => sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;

export const priceSpread = (prices: number[]): PriceSpread | null => {
  if (prices.length === 0) return null;
  const sorted = [...prices].sort((a, b) => a - b);
  return { min: sorted[0]!, q1: rank(sorted, 0.25), median: rank(sorted, 0.5), q3: rank(sorted, 0.75), max: sorted.at(-1)! };
};

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

const unavailable = (error: unknown): Extract<SidePart, { status: 'unavailable' }> =>
  isDomainError(error)
    ? { status: 'unavailable', reason: error.message, problem: error.code, ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}) }
    : { status: 'unavailable', reason: 'the provider call failed unexpectedly', problem: 'internal' };

/** Each Coupang listing with the Naver listing it matches best (ties: the cheaper, then the higher ranked). */
export const matchListings = (naver: NaverProduct[], coupang: CoupangProduct[]): CrossMarketMatch[] => {
  const priced = naver.filter((n): n is NaverProduct & { lowPrice: number } => n.lowPrice !== null);
  const naverTokens = priced.map((n) => titleTokens(n.title));
  const matches: Array<CrossMarketMatch & { rank: number }> = [];
  for (const c of coupang) {
    if (c.price <= 0) continue;
    const cTokens = titleTokens(c.name);
    let best: { n: (typeof priced)[number]; score: number; basis: 'model' | 'tokens' } | null = null;
    priced.forEach((n, i) => {
      const a = naverTokens[i]!;
      const verdict = compareTitles(featuresOf(joinSpacing(a, new Set(cTokens))), featuresOf(joinSpacing(cTokens, new Set(a))));
      if (!verdict.match) return;
      if (!best || verdict.score > best.score || (verdict.score === best.score && n.lowPrice < best.n.lowPrice)) best = { n, score: verdict.score, basis: verdict.basis };
    });
    if (!best) continue;
    const { n, score, basis } = best as { n: (typeof priced)[number]; score: number; basis: 'model' | 'tokens' };
    const priceGap = c.price - n.lowPrice;
    matches.push({
      naver: { id: n.productId, title: n.title, price: n.lowPrice, url: n.link },
      coupang: { id: c.productId, title: c.name, price: c.price, url: c.url, rocket: c.rocket },
      score,
      basis,
      priceGap,
      priceGapPercent: round((priceGap / n.lowPrice) * 100, 1),
      rank: c.rank,
    });
  }
  return matches.sort((a, b) => b.score - a.score || a.rank - b.rank).map(({ rank: _rank, ...m }) => m);
};

export const crossMarket = async (
  ports: { naver: { shopping: ShoppingSearch }; coupang: Pick<CoupangPorts, 'products'> },
  rawKeyword: string,
  options: CallOptions = {},
): Promise<CrossMarket> => {
  const keyword = rawKeyword.trim().replace(/\s+/g, ' ');
  if (keyword === '') throw new DomainError('invalid', 'keyword must not be empty', { details: { field: 'keyword' } });
  const call = options.signal ? { signal: options.signal } : {};
  const [naver, coupang] = await Promise.allSettled([
    ports.naver.shopping.search({ query: keyword, sort: 'sim', page: 1, size: CROSS_MARKET_NAVER_SIZE, exclude: [] }, call),
    ports.coupang.products.search({ keyword, limit: CROSS_MARKET_COUPANG_LIMIT }, call),
  ]);
  if (naver.status === 'rejected' && coupang.status === 'rejected') throw naver.reason;

  let naverPart: SidePart;
  if (naver.status === 'fulfilled') {
    const { data, source, asOf, cached } = naver.value;
    const side: MarketSide = {
      listings: data.items.length,
      totalListings: data.total,
      prices: priceSpread(data.items.flatMap((i) => (i.lowPrice === null ? [] : [i.lowPrice]))),
      rocketShare: null,
    };
    naverPart = { status: 'ok', source, asOf, cached, data: side };
  } else naverPart = unavailable(naver.reason);

  let coupangPart: SidePart;
  if (coupang.status === 'fulfilled') {
    const { data, source, asOf, cached } = coupang.value;
    const priced = data.items.filter((i) => i.price > 0);
    const side: MarketSide = {
      listings: data.items.length,
      totalListings: null,
      prices: priceSpread(priced.map((i) => i.price)),
      rocketShare: data.items.length ? round(data.items.filter((i) => i.rocket).length / data.items.length, 2) : null,
    };
    coupangPart = { status: 'ok', source, asOf, cached, data: side };
  } else coupangPart = unavailable(coupang.reason);

  const matches = naver.status === 'fulfilled' && coupang.status === 'fulfilled' ? matchListings(naver.value.data.items, coupang.value.data.items) : [];
  const missing: Marketplace[] = [naverPart.status === 'ok' ? null : 'naver', coupangPart.status === 'ok' ? null : 'coupang'].filter((m): m is Marketplace => m !== null);
  return { keyword, naver: naverPart, coupang: coupangPart, matches, missing };
};
