/**
 * Seeded random margin scenarios for the engine's property tests that run thousands of scenarios against each
 * other (lean against full evaluation, summary against full result, target price against its neighbour): a small
 * reproducible generator, so a failure names its seed. margin.property.test.ts runs the fast-check properties.
 */
import { CATEGORIES, CHANNELS, FEE_TABLES, NAVER_TIERS, RATE_KEYS, ROCKET_GROWTH_TIERS, type FeeTable } from '../../core/analysis/fee-tables.ts';
import type { MarginScenario, PriceTier } from '../../core/analysis/model.ts';

/** mulberry32: a reproducible stream of numbers in [0, 1). */
export const generator = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const draws = (random: () => number) => {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(values: readonly T[]): T => values[int(0, values.length - 1)]!;
  return { int, real: (max: number) => random() * max, pick, maybe: <T>(value: () => T): T | undefined => (random() < 0.5 ? value() : undefined) };
};

/** A scenario within the API's ranges; some are still invalid between fields (no fee table on the date, say). */
export const randomScenario = (random: () => number): MarginScenario => {
  const { int, real, pick, maybe } = draws(random);
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

/**
 * `randomScenario` varied further, into every branch of validation and of the engine: price tiers (duplicates, below
 * the minimum order), a target margin or none, dates without a table, discounts over the price or all of it, both
 * kinds of ads, Rocket Growth units without a size or too large, unknown and out-of-range overrides, customs rates,
 * sale prices at the ends of the search range, duty small enough to be waived.
 */
export const variedScenario = (random: () => number): MarginScenario => {
  const s = randomScenario(random);
  const { int, real, pick, maybe } = draws(random);
  const chance = (p: number) => random() < p;
  const { purchase, selling, freight, customs } = s;
  if (chance(0.6)) s.targetMarginPercent = chance(0.1) ? pick([0, 95, -10]) : real(60);
  if (chance(0.25)) {
    const tiers: PriceTier[] = [];
    for (let n = int(1, 4); n > 0; n--) tiers.push({ minQuantity: pick([1, 2, 10, 100, int(1, 3000)]), unitPriceFen: int(1, 500_000) });
    purchase.priceTiers = tiers;
    if (chance(0.9)) purchase.unitPriceFen = undefined;
    if (chance(0.5)) purchase.quantity = pick([1, 10, 100, int(1, 5000)]);
  } else if (chance(0.02)) purchase.unitPriceFen = undefined;
  if (chance(0.3)) purchase.quantity = 1;
  if (chance(0.2)) purchase.unitPriceFen &&= int(1, 20_000);
  if (chance(0.03)) s.saleDate = pick(['2023-12-31', '2024-01-01']);
  if (chance(0.3)) s.exchange.customs = { cnyKrw: 150 + real(100), usdKrw: 1000 + real(800) };
  if (chance(0.2)) customs.hsCode = pick(['6109.10', '8517.12.0000']);
  if (chance(0.1)) customs.dutyRatePercent = real(2);
  if (chance(0.15)) freight.unitDimensionsCm = undefined;
  else if (chance(0.05)) freight.unitDimensionsCm = { length: 90, width: 60, height: 60 };
  if (chance(0.2)) freight.weightStepGrams = pick([1, 100, int(1, 5000)]);
  if (chance(0.1)) selling.salePriceKrw = pick([1, 2, 999_950_000, 1_000_000_000, int(100_000_000, 1_000_000_000)]);
  if (chance(0.03)) selling.discountKrw = selling.salePriceKrw + int(1, 1000);
  if (chance(0.03)) selling.ads = { costPerSaleKrw: int(0, 1000), spendSharePercent: real(10) };
  if (chance(0.1)) selling.shippingFeeKrw = 0;
  if (chance(0.1)) selling.sellerShippingCostKrw = 0;
  if (chance(0.02)) [selling.discountPercent, selling.discountKrw] = [100, 0];
  if (chance(0.1)) {
    const overrides: Record<string, number> = (s.rateOverrides ??= {});
    const key = chance(0.2) ? 'no.such.rate' : pick(RATE_KEYS);
    overrides[key] = key.includes('fulfilment') ? real(20_000) : chance(0.3) ? 100 + real(1000) : pick([0, 100, real(100)]);
  }
  selling.rocketGrowthTier = maybe(() => selling.rocketGrowthTier);
  return s;
};

/** The shipped tables, and the same tables with every VAT basis flipped and commissions in won, so every fee branch runs. */
export const FLIPPED_TABLES: FeeTable[] = FEE_TABLES.map((t) => ({
  ...t,
  rates: t.rates.map((r) => ({ ...r, vatIncluded: !r.vatIncluded, ...(r.key.includes('.commission.') ? { unit: 'won' as const, value: 1234 } : {}) })),
}));
