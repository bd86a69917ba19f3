/** The price searches: the lowest sale price that breaks even, or that earns a target margin. */
import { discountAt, emptyTotals, evaluateSale, type SaleModel, type SaleTotals } from './sale.ts';

/** Highest sale price the engine searches up to when looking for a break-even or target price. */
export const MAX_SALE_PRICE_KRW = 1_000_000_000;

/** Every price search starts from two prices: the sale price (kept inside the range) and this much above it. */
export const SEARCH_SPAN = 100_000;
const searchStart = (salePrice: number): number => Math.min(Math.max(salePrice, 1), MAX_SALE_PRICE_KRW - SEARCH_SPAN);

/**
 * Smallest sale price in [1, MAX_SALE_PRICE_KRW] where `f` is at least zero, or null when none is. `f` rises by at
 * most one won per won of price (every cost that grows with the price is rounded from a rate below 100 %), so a
 * linear estimate followed by a short walk lands on a crossing: a price c with f(c) >= 0 and f(c - 1) < 0. It is
 * not always the first one, since f is a straight line plus rounding and can fall by a won or more from one price
 * to the next; `lowestBelow` then scans the few prices below c that the rounding can still reach (`rounding`, from
 * `roundingSpread`; 0 for an f that never falls). The caller passes f at the two starting prices `p1` (from
 * `searchStart`) and `p1 + SEARCH_SPAN`, which the break-even and target searches share.
 * Exported for its tests, which hand it functions whose first crossing is known.
 */
export const firstPriceWhere = (f: (price: number) => number, p1: number, f1: number, f2: number, rounding: number): number | null => {
  // The walk asks again for the price it evaluated one or two calls before (p - 1 after p, p after p + 1): the
  // last two values are kept. f is a pure function of the price, so this changes no answer.
  let lastP = p1 + SEARCH_SPAN;
  let lastF = f2;
  let prevP = p1;
  let prevF = f1;
  const at = (price: number): number => {
    if (price === lastP) return lastF;
    if (price === prevP) return prevF;
    prevP = lastP;
    prevF = lastF;
    lastP = price;
    lastF = f(price);
    return lastF;
  };
  const slope = (f2 - f1) / SEARCH_SPAN;
  if (!(slope > 1e-9)) return f1 >= 0 && at(1) >= 0 ? 1 : null;
  let p = Math.round(p1 - f1 / slope);
  if (p > MAX_SALE_PRICE_KRW) return at(MAX_SALE_PRICE_KRW) >= 0 ? bisect(at, 1, MAX_SALE_PRICE_KRW) : null;
  if (p < 1) p = 1;
  for (let steps = 0; steps < 256; steps++) {
    if (at(p) < 0) {
      if (p >= MAX_SALE_PRICE_KRW) return null;
      p++;
    } else if (p > 1 && at(p - 1) >= 0) p--;
    else return lowestBelow(at, p, rounding, (f2 - f1 - rounding) / SEARCH_SPAN);
  }
  if (at(MAX_SALE_PRICE_KRW) < 0) return null;
  return lowestBelow(at, bisect(at, 1, MAX_SALE_PRICE_KRW), rounding, (f2 - f1 - rounding) / SEARCH_SPAN);
};

/**
 * The lowest price at or below the crossing `c` (f(c) >= 0, f(c - 1) < 0, or c = 1) where f >= 0.
 *
 * Why a short scan is exact: f(p) = s * p + k + e(p), a straight line plus the rounding, whose error e stays in a
 * band of width B (`rounding`). So for x < y, f(y) - f(x) >= s * (y - x) - B: between two prices f falls short of
 * the line's rise by at most B. If x qualifies (f(x) >= 0) and f(y) < 0, then s * (y - x) <= B + f(y), that is
 * x >= y - (B + f(y)) / s. Every price below the crossing already seen to fall short raises that floor, so the
 * scan goes down from c - 1 only while it is above the floor; with B of a few won and s well above zero, that is
 * a handful of prices. s is not known exactly: the two starting prices give a lower bound,
 * (f(p1 + SPAN) - f(p1) - B) / SPAN, and failing that the whole range [1, MAX] gives a finer one.
 *
 * Left as found: an f whose rise over the whole range is within the rounding (a target margin equal, to a
 * billionth, to what the fees leave): no bound then tells a crossing from the noise, and scanning every price
 * below it would take seconds to minutes, so the crossing found is returned.
 */
const lowestBelow = (at: (price: number) => number, c: number, rounding: number, slopeFromStart: number): number => {
  if (c <= 1 || rounding <= 0) return c;
  let slope = slopeFromStart;
  if (!(slope > 0)) slope = (at(MAX_SALE_PRICE_KRW) - at(1) - rounding) / (MAX_SALE_PRICE_KRW - 1);
  if (!(slope > 0)) return c;
  let lowest = c;
  let floor = -Infinity;
  for (let x = c - 1; x >= 1 && x >= floor; x--) {
    const fx = at(x);
    if (fx >= 0) lowest = x;
    else floor = Math.max(floor, x - (rounding + fx) / slope);
  }
  return lowest;
};

/**
 * B for `lowestBelow`: the width of the band the rounding keeps the profit in around its straight line, in won,
 * from the rounding rule (docs/analysis.md) applied to the lines of `evaluateSale` that move with the price. Each
 * half-up rounding is off by at most half a won either way (a band of width 1; the noise it absorbs first adds
 * 1/10,000 of a won, covered by the 0.01 at the end). Everything moves with the price only through the price
 * after discounts q (what the buyer paid is q plus a fixed shipping fee), and:
 * - a percent discount rounds q itself: width 1 times the profit's slope in q, which is at most 1 (every cost in
 *   it is a rate from 0 to 100 % of q or of what the buyer paid);
 * - a percent fee on q or on what the buyer paid, c = q x r + e: with VAT on top the seller pays c + won(c / 10),
 *   whose error 1.1 e + e' spans 2.1; VAT-inclusive, c itself, 1. A VAT-registered seller gets the fee's VAT back,
 *   so pays c (1) or c - won(c / 11) (10/11 + 1);
 * - ads as a share of q: 1, or 10/11 + 1 when the VAT of the selling costs, won(costs / 11), comes back;
 * - a VAT-registered seller's output VAT, won(buyer paid / 11): 1.
 * Fixed charges (won rates, a fee on the shipping fee, ads per sale) do not move with the price. A target margin
 * subtracts m x what the buyer paid, which is not rounded, so the same B serves both searches.
 */
export const roundingSpread = (model: SaleModel): number => {
  const vat = model.vatRegistered;
  let b = model.sell.discountPercent > 0 ? 1 : 0;
  for (const c of model.charges) {
    if (c.rate.unit === 'won' || (c.base !== 'price_after_discounts' && c.base !== 'price_after_discounts_plus_shipping')) continue;
    b += vat ? (c.rate.vatIncluded ? 1 + 10 / 11 : 1) : c.rate.vatIncluded ? 1 : 2.1;
  }
  if (model.sell.ads?.costPerSaleKrw === undefined && model.sell.ads?.spendSharePercent !== undefined) b += vat ? 1 + 10 / 11 : 1;
  if (vat) b += 1;
  return b + 0.01;
};

/** First price where f >= 0 in [lo, hi], given f(hi) >= 0. */
const bisect = (f: (price: number) => number, lo: number, hi: number): number => {
  if (f(lo) >= 0) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (f(mid) >= 0) hi = mid;
    else lo = mid;
  }
  return hi;
};

/**
 * The break-even price and, when the scenario asks for a margin, the target price of a sale already evaluated at
 * its own price (`atSalePrice`). The searches read only profit and what the buyer paid: lean evaluations into one
 * reused object, no fee lines. Both start from the same two prices; the first is usually the sale price.
 */
export const searchPrices = (model: SaleModel, targetMarginPercent: number | undefined, atSalePrice: SaleTotals): { breakEven: number | null; target: number | null } => {
  const salePrice = model.sell.salePriceKrw;
  const p1 = searchStart(salePrice);
  const at1 = p1 === salePrice ? atSalePrice : evaluateSale(model, p1, emptyTotals(), null);
  const at2 = evaluateSale(model, p1 + SEARCH_SPAN, emptyTotals(), null);
  const scratch = emptyTotals();
  const rounding = roundingSpread(model);
  // Below the price where the discounts take the whole price every price sells for the same, so when the lowest
  // qualifying price found is one of them, 1 won qualifies too (the scan's bound holds only above that price).
  const search = (objective: (t: SaleTotals) => number): number | null => {
    const p = firstPriceWhere((price) => objective(evaluateSale(model, price, scratch, null)), p1, objective(at1), objective(at2), rounding);
    // The price after discounts alone, not a whole evaluation of the sale (two of a row's ~14 evaluations).
    return p !== null && p - discountAt(model.sell, p) === 0 ? 1 : p;
  };
  const breakEven = search((t) => t.profit);
  let target: number | null = null;
  if (targetMarginPercent !== undefined) {
    const m = targetMarginPercent / 100;
    target = search((t) => t.profit - m * t.buyerPaid);
  }
  return { breakEven, target };
};
