/**
 * The price searches when the sale price moves nothing: a 100 % discount leaves the buyer paying only the shipping
 * fee, so the profit is the same at every price. Then every price breaks even, or none does.
 *
 * One unit at 10 CNY x 190 = 1,900 won, no freight (0 won/kg), duty free (US$1.36): landed 1,900 won.
 * Naver Smart Store on 2025-06-02, general tier: the sales commission is on the price after discounts (0 won);
 * order management is 3.3 % plus 10 % VAT on what the buyer paid, the shipping fee S.
 */
import { describe, expect, it } from 'vitest';
import { computeMargin } from '../margin.ts';
import type { MarginScenario } from '../model.ts';
import { firstPriceWhere, MAX_SALE_PRICE_KRW, SEARCH_SPAN } from './price-search.ts';
import { saleEvaluations } from './sale.ts';

const flat = (shippingFeeKrw: number, targetMarginPercent?: number): MarginScenario => ({
  saleDate: '2025-06-02',
  category: 'other',
  purchase: { unitPriceFen: 1000, quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 },
  exchange: { cnyKrw: 190, usdKrw: 1400, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 0, minimumChargeKrw: 0, unitWeightGrams: 1000, volumetricDivisor: 6000, weightStepGrams: 500 },
  customs: { importType: 'personal', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller' },
  vatRegistered: false,
  targetMarginPercent,
  selling: {
    channel: 'naver_smart_store',
    salePriceKrw: 5000,
    shippingFeeKrw,
    discountKrw: 0,
    discountPercent: 100,
    naverTier: 'general',
    inflow: 'naver_shopping',
    sellerShippingCostKrw: 0,
    packagingKrw: 0,
    returns: { ratePercent: 0, costPerReturnKrw: 0 },
  },
});

describe('price searches on a flat profit', () => {
  it('a profit of exactly zero at every price: the lowest price, 1 won, breaks even', () => {
    // S = 1,972: 3.3 % = 65.076 -> 65, VAT 6.5 -> 7, fees 72; profit 1,972 - 1,900 - 72 = 0
    const r = computeMargin(flat(1972));
    expect(r.landed.perUnit.total).toBe(1900);
    expect(r.sale.fees.total).toBe(72);
    expect(r.profit).toBe(0);
    expect(r.breakEvenSalePrice).toBe(1);
  });

  it('one won of loss at every price: no price breaks even', () => {
    // S = 1,971: 3.3 % = 65.043 -> 65, VAT 7, fees 72; profit 1,971 - 1,900 - 72 = -1
    const r = computeMargin(flat(1971));
    expect(r.profit).toBe(-1);
    expect(r.breakEvenSalePrice).toBeNull();
  });

  it('a target margin met at every price is met at 1 won; one met at none has no price', () => {
    // S = 10,000: 3.3 % = 330, VAT 33, fees 363; profit 10,000 - 1,900 - 363 = 7,737, margin 77.37 %
    const met = computeMargin(flat(10_000, 30));
    expect(met.profit).toBe(7737);
    expect(met.marginPercent).toBe(77.37);
    expect(met.breakEvenSalePrice).toBe(1);
    expect(met.target).toEqual({ marginPercent: 30, salePrice: 1 });
    // 77.37 % is below an 80 % target at every price.
    expect(computeMargin(flat(10_000, 80)).target).toEqual({ marginPercent: 80, salePrice: null });
  });
});

/**
 * The searches on a sale whose profit is worked by hand at every price: the same unit (landed 1,900 won), no
 * shipping fee, no discount; the order-management fee overridden to 0 % and the sales commission to 10 %, so at a
 * price p the fees are c = won(p x 10 %) plus VAT won(c / 10), and the profit is p - 1,900 - c - won(c / 10).
 */
const tenPercent = (salePriceKrw: number, targetMarginPercent?: number): MarginScenario => {
  const s = flat(0, targetMarginPercent);
  return {
    ...s,
    rateOverrides: { 'naver_smart_store.order_management.general': 0, 'naver_smart_store.sales_commission': 10 },
    selling: { ...s.selling, salePriceKrw, discountPercent: 0 },
  };
};

/** The profit at one price, read from the engine's own evaluation of the sale. */
const profitAt = (s: MarginScenario) => {
  const landed = computeMargin(s).landed;
  const { lean } = saleEvaluations(s, s.selling, landed);
  return lean;
};

describe('the lowest price that breaks even or reaches the target', () => {
  // 2,133: c = won(213.3) = 213, VAT won(21.3) = 21, fees 234, profit 2,133 - 1,900 - 234 = -1
  // 2,134: c = won(213.4) = 213, VAT 21, fees 234, profit 2,134 - 1,900 - 234 = 0 (exactly: a profit of 0 breaks even)
  it('breaks even at 2,134 won, from any sale price the search starts at', () => {
    for (const salePrice of [1, 2133, 2134, 5000, 150_000, MAX_SALE_PRICE_KRW - SEARCH_SPAN - 1, MAX_SALE_PRICE_KRW - 1, MAX_SALE_PRICE_KRW]) {
      const r = computeMargin(tenPercent(salePrice));
      expect(r.breakEvenSalePrice, `sale price ${salePrice}`).toBe(2134);
    }
    const lean = profitAt(tenPercent(5000));
    expect(lean(2134).profit).toBe(0);
    expect(lean(2133).profit).toBe(-1);
  });

  // A 25 % target: profit - 25 % of what the buyer paid >= 0.
  // 2,969: c = won(296.9) = 297, VAT won(29.7) = 30, fees 327, profit 742; 742 - 742.25 < 0
  // 2,970: c = won(297.0) = 297, VAT 30, fees 327, profit 743; 743 - 742.5 = 0.5 >= 0
  it('reaches a 25 % margin at 2,970 won, from any sale price the search starts at', () => {
    for (const salePrice of [1, 2969, 2970, 5000, 150_000, MAX_SALE_PRICE_KRW]) {
      const r = computeMargin(tenPercent(salePrice, 25));
      expect(r.target, `sale price ${salePrice}`).toEqual({ marginPercent: 25, salePrice: 2970 });
      expect(r.breakEvenSalePrice).toBe(2134);
    }
  });

  it('no price below the answer breaks even or reaches the target (every price checked)', () => {
    const s = tenPercent(40_000, 25);
    const r = computeMargin(s);
    const lean = profitAt(s);
    for (let p = 1; p < r.breakEvenSalePrice!; p++) expect(lean(p).profit < 0, `price ${p}`).toBe(true);
    for (let p = 1; p < r.target!.salePrice!; p++) {
      const t = lean(p);
      if (t.profit - 0.25 * t.buyerPaid >= 0) expect.fail(`price ${p} reaches 25 %`);
    }
  });

  // A 89 % target: the fees alone take 11 % (10 % and its VAT), so the margin stays below 89 % at every price up to
  // the highest searched (at 1,000,000,000 won: 89 % of the price less 1,900 won is still short of 89 %).
  it('a target the fees leave out of reach has no price; the break-even still has one', () => {
    const r = computeMargin(tenPercent(5000, 89));
    expect(r.target).toEqual({ marginPercent: 89, salePrice: null });
    expect(r.breakEvenSalePrice).toBe(2134);
  });

  // A seller-funded discount of 999,950,000 won on a 1,000,000,000-won list price: below the discount the buyer pays
  // nothing. The search starts at 999,900,000 (the list price less the span), where the profit is -1,900, far below
  // the crossing the straight line from there predicts; past the discount the profit is that of a sale at p - 999,950,000.
  it('finds the crossing past a discount that flattens the profit below it (999,952,134 won)', () => {
    const s = tenPercent(MAX_SALE_PRICE_KRW);
    s.selling.discountKrw = MAX_SALE_PRICE_KRW - 50_000;
    const r = computeMargin(s);
    expect(r.breakEvenSalePrice).toBe(MAX_SALE_PRICE_KRW - 50_000 + 2134);
  });
});

/**
 * A profit that falls back below zero one won past the lowest break-even price: the sales commission and the
 * order-management fee both overridden to 10 % (VAT on top), on the same 1,900-won unit, so at a price p the fees
 * are 2 x (c + won(c / 10)) with c = won(p x 10 %), and both lines round up at the same prices.
 */
describe('the lowest price where the profit is not monotone', () => {
  const twoLines = (salePriceKrw: number): MarginScenario => {
    const s = tenPercent(salePriceKrw);
    return { ...s, rateOverrides: { 'naver_smart_store.order_management.general': 10, 'naver_smart_store.sales_commission': 10 } };
  };
  // 2,433: c = won(243.3) = 243, VAT won(24.3) = 24, 267 a line, fees 534, profit 2,433 - 1,900 - 534 = -1
  // 2,434: c = won(243.4) = 243, VAT 24, fees 534, profit 2,434 - 1,900 - 534 = 0
  // 2,435: c = won(243.5) = 244, VAT won(24.4) = 24, 268 a line, fees 536, profit 2,435 - 1,900 - 536 = -1
  // 2,436: c = 244, VAT 24, fees 536, profit 2,436 - 1,900 - 536 = 0
  // The line through the starting prices lands on 2,435 from a low sale price; walking up from there stops at 2,436.
  it('breaks even at 2,434 won, not at the crossing at 2,436 just above it', () => {
    const lean = profitAt(twoLines(5000));
    expect([2433, 2434, 2435, 2436].map((p) => lean(p).profit)).toEqual([-1, 0, -1, 0]);
    for (let p = 1; p < 2434; p++) expect(lean(p).profit < 0, `price ${p}`).toBe(true);
    for (const salePrice of [1, 5, 2435, 2436, 5000, 150_000, MAX_SALE_PRICE_KRW]) {
      expect(computeMargin(twoLines(salePrice)).breakEvenSalePrice, `sale price ${salePrice}`).toBe(2434);
    }
  });
});

describe('firstPriceWhere, the search under both', () => {
  const search = (f: (p: number) => number, p1 = 1): number | null => firstPriceWhere(f, p1, f(p1), f(p1 + SEARCH_SPAN), 0);
  const MAX = MAX_SALE_PRICE_KRW;

  it('a straight line: its crossing, a value of exactly 0 included', () => {
    expect(search((p) => p - 5000)).toBe(5000);
    expect(search((p) => p - 5000.5)).toBe(5001);
    expect(search((p) => p - 5000, 700_000)).toBe(5000);
  });

  it('a crossing below 1 won gives 1', () => {
    expect(search((p) => p + 10)).toBe(1);
    expect(search((p) => 0.5 * p + 3, 40)).toBe(1);
  });

  it('the line from the two starting prices overshoots: the walk comes down to the crossing', () => {
    // 1 won per won up to 1,000, then 0.99: the line from 1 and 100,001 crosses zero at 1,010; f(1,000) = 0, f(999) = -1.
    const f = (p: number) => Math.min(p - 1000, (p - 1000) * 0.99);
    expect(search(f)).toBe(1000);
  });

  it('the line undershoots: the walk goes up to the crossing', () => {
    // 0.99 per won up to 1,000, then 1: the line crosses at 990, f(999) = -0.99, f(1,000) = 0.
    const f = (p: number) => Math.max(p - 1000, (p - 1000) * 0.99);
    expect(search(f)).toBe(1000);
  });

  it('no crossing up to the highest price: null, whether the line ends past it or just before', () => {
    expect(search((p) => p - MAX - 1)).toBeNull();
    // The line ends at MAX + 0.4, which rounds to MAX: the walk stops there.
    expect(search((p) => p - MAX - 0.4, MAX - SEARCH_SPAN)).toBeNull();
    expect(search((p) => p - MAX, MAX - SEARCH_SPAN)).toBe(MAX);
  });

  it('a crossing far from the line: bisection finds it', () => {
    // Rising by a thousandth of a won per won to -500, flat there, then 1 per won from 2,000,000: the line says
    // 1,000,001, 256 steps of walking do not get there, and bisection over the whole range does.
    const plateau = (p: number) => Math.max(Math.min(-1000 + (p - 1) * 1e-3, -500), p - 2_000_000);
    expect(search(plateau)).toBe(2_000_000);
    // Rising by a ten-millionth per won, then 1 per won from 500,000,000: the line ends past the highest price,
    // which does break even, so bisection finds the crossing at 500,001,000.
    const slow = (p: number) => Math.max(-1000 + (p - 1) * 1e-7, p - 500_000_000 - 1000);
    expect(search(slow)).toBe(500_001_000);
  });

  it('below a crossing, the prices the rounding band can still reach: the lowest of them that qualifies', () => {
    // The line p - 1,002 with 3 won more below 1,000 (a band of width 3): f(999) = 0, f(1,000) = -2, f(1,001) = -1,
    // f(1,002) = 0. From 5,000 the line through the starting prices crosses at 1,002, a crossing; 999 is the lowest.
    const dip = (p: number) => p - 1002 + (p < 1000 ? 3 : 0);
    const from = (rounding: number) => firstPriceWhere(dip, 5000, dip(5000), dip(5000 + SEARCH_SPAN), rounding);
    expect(from(0)).toBe(1002);
    expect(from(3)).toBe(999);
    // Below 999 the floor is 1,000 - (3 - 2) / slope, just under 999: 998 is not asked for.
    const asked: number[] = [];
    firstPriceWhere((p) => (asked.push(p), dip(p)), 5000, dip(5000), dip(5000 + SEARCH_SPAN), 3);
    expect(Math.min(...asked)).toBe(999);
  });

  it('a profit the same at every price: 1 won when it is not negative, else null', () => {
    expect(search(() => 0)).toBe(1);
    expect(search(() => 7, 5000)).toBe(1);
    expect(search(() => -1)).toBeNull();
  });
});
