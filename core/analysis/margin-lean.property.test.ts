/**
 * The price searches evaluate a sale without building its breakdown. Both evaluations share one piece of
 * arithmetic; this property holds them equal at random prices for random scenarios, so they cannot drift apart.
 *
 * The scenarios come from a small seeded generator rather than fast-check: core/ may import nothing from outside
 * core/ (the `core-is-pure` rule of `npm run lint`), and tests/analysis/margin.property.test.ts already runs the
 * engine's fast-check properties.
 */
import { describe, expect, it } from 'vitest';
import { CATEGORIES, CHANNELS, FEE_TABLES, NAVER_TIERS, RATE_KEYS, ROCKET_GROWTH_TIERS, type FeeTable } from './fee-tables.ts';
import { landedCost, MAX_SALE_PRICE_KRW, saleEvaluations, scenarioIssues, type MarginScenario } from './margin.ts';

/** mulberry32: a reproducible stream of numbers in [0, 1). */
const generator = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const randomScenario = (random: () => number): MarginScenario => {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const real = (max: number) => random() * max;
  const pick = <T>(values: readonly T[]): T => values[int(0, values.length - 1)]!;
  const maybe = <T>(value: () => T): T | undefined => (random() < 0.5 ? value() : undefined);
  const overrides: Record<string, number> = {};
  for (let n = int(0, 3); n > 0; n--) overrides[pick(RATE_KEYS)] = real(100);
  return {
    saleDate: pick(['2024-03-15', '2025-06-01', '2025-06-02', '2026-01-10']),
    category: pick(CATEGORIES),
    purchase: { unitPriceFen: int(1, 2_000_000), quantity: int(1, 5000), agentFeePercent: real(30), chinaShippingFen: int(0, 100_000) },
    exchange: { cnyKrw: 150 + real(100), usdKrw: 1000 + real(800), source: 'property', asOf: '2025-01-01' },
    freight: {
      ratePerKgKrw: int(0, 20_000),
      minimumChargeKrw: int(0, 50_000),
      unitWeightGrams: int(1, 20_000),
      unitDimensionsCm: { length: int(1, 60), width: int(1, 40), height: int(1, 30) },
      volumetricDivisor: 6000,
      weightStepGrams: 500,
    },
    customs: {
      importType: pick(['personal', 'bulk'] as const),
      goodsClass: pick(['general', 'formal_declaration'] as const),
      shippedFrom: pick(['CN', 'US', 'other'] as const),
      dutyRatePercent: maybe(() => real(30)),
      dutyPaidBy: pick(['seller', 'buyer'] as const),
    },
    vatRegistered: random() < 0.5,
    rateOverrides: random() < 0.3 ? overrides : undefined,
    selling: {
      channel: pick(CHANNELS),
      salePriceKrw: int(1, 2_000_000),
      shippingFeeKrw: int(0, 10_000),
      discountKrw: random() < 0.3 ? int(0, 5000) : 0,
      discountPercent: random() < 0.5 ? 0 : real(50),
      naverTier: pick(NAVER_TIERS),
      inflow: pick(['naver_shopping', 'marketing_link', 'other'] as const),
      rocketGrowthTier: maybe(() => pick(ROCKET_GROWTH_TIERS)),
      sellerShippingCostKrw: int(0, 10_000),
      packagingKrw: int(0, 5000),
      ads: maybe(() => (random() < 0.5 ? { costPerSaleKrw: int(0, 20_000) } : { spendSharePercent: real(40) })),
      returns: { ratePercent: real(30), costPerReturnKrw: int(0, 20_000) },
    },
  };
};

/** The shipped tables, and the same tables with every VAT basis flipped and commissions in won, so every fee branch runs. */
const flipped: FeeTable[] = FEE_TABLES.map((t) => ({
  ...t,
  rates: t.rates.map((r) => ({ ...r, vatIncluded: !r.vatIncluded, ...(r.key.includes('.commission.') ? { unit: 'won' as const, value: 1234 } : {}) })),
}));

describe('lean sale evaluation', () => {
  it('gives the breakdown’s profit and buyer-paid amount at any price', () => {
    const random = generator(20250602);
    let checked = 0;
    for (let run = 0; run < 3000; run++) {
      const s = randomScenario(random);
      const tables = random() < 0.5 ? FEE_TABLES : flipped;
      if (scenarioIssues(s, tables).length > 0) continue;
      const sale = saleEvaluations(s, s.selling, landedCost(s), tables);
      // The sale price, prices near it, anywhere in the range, and the range's ends.
      const prices = [s.selling.salePriceKrw, 1, MAX_SALE_PRICE_KRW];
      for (let i = 0; i < 4; i++) prices.push(Math.max(1, s.selling.salePriceKrw + Math.floor((random() - 0.5) * 200_000)));
      for (let i = 0; i < 2; i++) prices.push(1 + Math.floor(random() * MAX_SALE_PRICE_KRW));
      for (const price of prices) {
        const full = sale.breakdown(price);
        expect(sale.lean(price), JSON.stringify({ scenario: s, flipped: tables === flipped, price })).toEqual({ profit: full.profit, buyerPaid: full.buyerPaid });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});
