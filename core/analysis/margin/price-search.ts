/** The price searches: the lowest sale price that breaks even, or that earns a target margin. */
import { emptyTotals, evaluateSale, type SaleModel, type SaleTotals } from './sale.ts';

/** Highest sale price the engine searches up to when looking for a break-even or target price. */
export const MAX_SALE_PRICE_KRW = 1_000_000_000;

/** Every price search starts from two prices: the sale price (kept inside the range) and this much above it. */
export const SEARCH_SPAN = 100_000;
const searchStart = (salePrice: number): number => Math.min(Math.max(salePrice, 1), MAX_SALE_PRICE_KRW - SEARCH_SPAN);

/**
 * Smallest sale price in [1, MAX_SALE_PRICE_KRW] where `f` is at least zero, or null when none is. `f` rises by at
 * most one won per won of price (every cost that grows with the price is rounded from a rate below 100 %), so a
 * linear estimate followed by a short walk lands on the first crossing. The caller passes f at the two starting
 * prices `p1` (from `searchStart`) and `p1 + SEARCH_SPAN`, which the break-even and target searches share.
 * Exported for its tests, which hand it functions whose first crossing is known.
 */
export const firstPriceWhere = (f: (price: number) => number, p1: number, f1: number, f2: number): number | null => {
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
    else return p;
  }
  return at(MAX_SALE_PRICE_KRW) >= 0 ? bisect(at, 1, MAX_SALE_PRICE_KRW) : null;
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
  const search = (objective: (t: SaleTotals) => number): number | null =>
    firstPriceWhere((price) => objective(evaluateSale(model, price, scratch, null)), p1, objective(at1), objective(at2));
  const breakEven = search((t) => t.profit);
  let target: number | null = null;
  if (targetMarginPercent !== undefined) {
    const m = targetMarginPercent / 100;
    target = search((t) => t.profit - m * t.buyerPaid);
  }
  return { breakEven, target };
};
