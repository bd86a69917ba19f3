import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, CHANNELS, NAVER_TIERS } from '../../core/analysis/fee-tables.ts';
import { computeMargin } from '../../core/analysis/margin.ts';
import type { MarginResult, MarginScenario } from '../../core/analysis/model.ts';

/** Scenarios within the API's ranges (handlers/analysis/schemas.ts). */
const scenario: fc.Arbitrary<MarginScenario> = fc
  .record({
    saleDate: fc.constantFrom('2024-03-15', '2025-06-01', '2025-06-02', '2026-01-10'),
    category: fc.constantFrom(...CATEGORIES),
    unitPriceFen: fc.integer({ min: 1, max: 2_000_000 }),
    quantity: fc.integer({ min: 1, max: 5000 }),
    agentFeePercent: fc.double({ min: 0, max: 30, noNaN: true }),
    chinaShippingFen: fc.integer({ min: 0, max: 100_000 }),
    cnyKrw: fc.double({ min: 150, max: 250, noNaN: true }),
    usdKrw: fc.double({ min: 1000, max: 1800, noNaN: true }),
    ratePerKgKrw: fc.integer({ min: 0, max: 20_000 }),
    minimumChargeKrw: fc.integer({ min: 0, max: 50_000 }),
    unitWeightGrams: fc.integer({ min: 1, max: 20_000 }),
    dims: fc.option(fc.record({ length: fc.integer({ min: 1, max: 60 }), width: fc.integer({ min: 1, max: 40 }), height: fc.integer({ min: 1, max: 30 }) }), { nil: undefined }),
    importType: fc.constantFrom('personal' as const, 'bulk' as const),
    goodsClass: fc.constantFrom('general' as const, 'formal_declaration' as const),
    shippedFrom: fc.constantFrom('CN' as const, 'US' as const, 'other' as const),
    dutyRatePercent: fc.option(fc.double({ min: 0, max: 30, noNaN: true }), { nil: undefined }),
    dutyPaidBy: fc.constantFrom('seller' as const, 'buyer' as const),
    channel: fc.constantFrom(...CHANNELS),
    salePriceKrw: fc.integer({ min: 1000, max: 2_000_000 }),
    shippingFeeKrw: fc.integer({ min: 0, max: 10_000 }),
    discountPercent: fc.double({ min: 0, max: 50, noNaN: true }),
    naverTier: fc.constantFrom(...NAVER_TIERS),
    inflow: fc.constantFrom('naver_shopping' as const, 'marketing_link' as const, 'other' as const),
    sellerShippingCostKrw: fc.integer({ min: 0, max: 10_000 }),
    packagingKrw: fc.integer({ min: 0, max: 5000 }),
    ads: fc.option(fc.oneof(fc.record({ costPerSaleKrw: fc.integer({ min: 0, max: 20_000 }) }), fc.record({ spendSharePercent: fc.double({ min: 0, max: 40, noNaN: true }) })), {
      nil: undefined,
    }),
    returnRate: fc.double({ min: 0, max: 30, noNaN: true }),
    returnCost: fc.integer({ min: 0, max: 20_000 }),
    vatRegistered: fc.boolean(),
  })
  .map((r) => ({
    saleDate: r.saleDate,
    category: r.category,
    purchase: { unitPriceFen: r.unitPriceFen, quantity: r.quantity, agentFeePercent: r.agentFeePercent, chinaShippingFen: r.chinaShippingFen },
    exchange: { cnyKrw: r.cnyKrw, usdKrw: r.usdKrw, source: 'property', asOf: '2025-01-01' },
    freight: { ratePerKgKrw: r.ratePerKgKrw, minimumChargeKrw: r.minimumChargeKrw, unitWeightGrams: r.unitWeightGrams, unitDimensionsCm: r.dims, volumetricDivisor: 6000, weightStepGrams: 500 },
    customs: { importType: r.importType, goodsClass: r.goodsClass, shippedFrom: r.shippedFrom, dutyRatePercent: r.dutyRatePercent, dutyPaidBy: r.dutyPaidBy },
    vatRegistered: r.vatRegistered,
    selling: {
      channel: r.channel,
      salePriceKrw: r.salePriceKrw,
      shippingFeeKrw: r.shippingFeeKrw,
      discountKrw: 0,
      discountPercent: r.discountPercent,
      naverTier: r.naverTier,
      inflow: r.inflow,
      // Rocket Growth without dimensions needs a tier.
      rocketGrowthTier: r.dims ? undefined : ('medium' as const),
      sellerShippingCostKrw: r.sellerShippingCostKrw,
      packagingKrw: r.packagingKrw,
      ads: r.ads,
      returns: { ratePercent: r.returnRate, costPerReturnKrw: r.returnCost },
    },
  }));

const numbersIn = (value: unknown, out: number[] = []): number[] => {
  if (typeof value === 'number') out.push(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) numbersIn(v, out);
  return out;
};

const checkSane = (r: MarginResult) => {
  for (const n of numbersIn(r)) expect(Number.isFinite(n)).toBe(true);
  for (const l of r.sale.fees.lines) {
    expect(l.amountExVat).toBeGreaterThanOrEqual(0);
    expect(l.vat).toBeGreaterThanOrEqual(0);
    expect(l.amount).toBe(l.amountExVat + l.vat);
  }
  const u = r.landed.perUnit;
  for (const v of Object.values(u)) {
    expect(Number.isInteger(v)).toBe(true);
    expect(v).toBeGreaterThanOrEqual(0);
  }
  expect(u.total).toBe(u.goods + u.agentFee + u.chinaShipping + u.internationalFreight + u.duty + u.importVat);
  const s = r.sale;
  expect(s.fees.total).toBe(s.fees.lines.reduce((a, l) => a + l.amount, 0));
  expect(r.profit).toBe(s.buyerPaid - u.total - s.fees.total - s.sellingCosts.total - (s.vat?.net ?? 0));
};

describe('margin engine properties', () => {
  it('never gives NaN, a negative fee or a breakdown that does not add up', () => {
    fc.assert(fc.property(scenario, (s) => checkSane(computeMargin(s))), { numRuns: 400 });
  });

  it('profit falls (or stays) as the purchase price or the freight rate rises', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 500_000 }), fc.integer({ min: 1, max: 10_000 }), (s, morePrice, moreFreight) => {
        const base = computeMargin(s).profit;
        const dearer = computeMargin({ ...s, purchase: { ...s.purchase, unitPriceFen: s.purchase.unitPriceFen! + morePrice } }).profit;
        const heavier = computeMargin({ ...s, freight: { ...s.freight, ratePerKgKrw: s.freight.ratePerKgKrw + moreFreight } }).profit;
        expect(dearer).toBeLessThanOrEqual(base);
        expect(heavier).toBeLessThanOrEqual(base);
      }),
      { numRuns: 300 },
    );
  });

  it('the break-even price gives zero profit within a won, and one won less loses money', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = computeMargin(s);
        if (r.breakEvenSalePrice === null) return;
        const at = (price: number) => computeMargin({ ...s, selling: { ...s.selling, salePriceKrw: price } }).profit;
        const p = r.breakEvenSalePrice;
        const profit = at(p);
        if (p === 1) expect(profit).toBeGreaterThanOrEqual(0);
        else {
          expect(Math.abs(profit)).toBeLessThanOrEqual(1);
          expect(profit).toBeGreaterThanOrEqual(0);
          expect(at(p - 1)).toBeLessThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the target price earns at least the target margin', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 60 }), (s, target) => {
        const r = computeMargin({ ...s, targetMarginPercent: target });
        const price = r.target!.salePrice;
        if (price === null) return;
        const m = computeMargin({ ...s, selling: { ...s.selling, salePriceKrw: price } });
        expect(m.profit).toBeGreaterThanOrEqual((target / 100) * m.sale.buyerPaid - 1e-6);
      }),
      { numRuns: 200 },
    );
  });
});
