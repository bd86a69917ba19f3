/**
 * The rules between fields, one at a time: each issue names its field and says what is wrong. A scenario that
 * breaks no rule has no issue.
 */
import { describe, expect, it } from 'vitest';
import { FEE_TABLES } from '../fee-tables.ts';
import type { MarginScenario, SellingInput } from '../model.ts';
import { InvalidScenario, productIssues, scenarioIssues, sellingIssues, validTable } from './checks.ts';

const sale = (s: Partial<SellingInput> = {}): SellingInput => ({
  channel: 'naver_smart_store',
  salePriceKrw: 10_000,
  shippingFeeKrw: 0,
  discountKrw: 0,
  discountPercent: 0,
  naverTier: 'general',
  inflow: 'naver_shopping',
  sellerShippingCostKrw: 0,
  packagingKrw: 0,
  returns: { ratePercent: 0, costPerReturnKrw: 0 },
  ...s,
});

const scenario = (over: Partial<MarginScenario> = {}): MarginScenario => ({
  saleDate: '2025-06-02',
  category: 'other',
  purchase: { unitPriceFen: 1000, quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 },
  exchange: { cnyKrw: 190, usdKrw: 1400, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 5000, minimumChargeKrw: 0, unitWeightGrams: 1000, unitDimensionsCm: { length: 30, width: 30, height: 19 }, volumetricDivisor: 6000, weightStepGrams: 500 },
  customs: { importType: 'personal', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller' },
  vatRegistered: false,
  selling: sale(),
  ...over,
});

describe('rules between fields', () => {
  it('finds nothing wrong with a plain scenario', () => {
    expect(scenarioIssues(scenario())).toEqual([]);
    expect(validTable(scenario(), FEE_TABLES).id).toBe('naver_smart_store.2025-06-02');
  });

  it('wants one unit price or price tiers, not both or neither', () => {
    const message = 'Give either purchase.unitPriceFen or purchase.priceTiers, not both or neither.';
    const both = scenario({ purchase: { unitPriceFen: 1000, priceTiers: [{ minQuantity: 1, unitPriceFen: 900 }], quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 } });
    const neither = scenario({ purchase: { quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 } });
    const emptyTiers = scenario({ purchase: { priceTiers: [], quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 } });
    const tiersOnly = scenario({ purchase: { priceTiers: [{ minQuantity: 1, unitPriceFen: 900 }], quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 } });
    for (const s of [both, neither, emptyTiers]) expect(productIssues(s)).toEqual([{ field: 'purchase.unitPriceFen', message }]);
    expect(productIssues(tiersOnly)).toEqual([]);
  });

  it('names the second of two tiers that start at the same quantity', () => {
    const tiers = [{ minQuantity: 2, unitPriceFen: 900 }, { minQuantity: 10, unitPriceFen: 800 }, { minQuantity: 2, unitPriceFen: 850 }];
    const s = scenario({ purchase: { priceTiers: tiers, quantity: 10, agentFeePercent: 0, chinaShippingFen: 0 } });
    expect(productIssues(s)).toEqual([{ field: 'purchase.priceTiers.2.minQuantity', message: 'Two tiers start at 2.' }]);
  });

  it('refuses unknown rate keys and percent rates over 100, but not won rates over 100', () => {
    const s = scenario({
      rateOverrides: {
        'no.such.rate': 1,
        'naver_smart_store.sales_commission': 100.5,
        'naver_smart_store.order_management.general': 100,
        'coupang_rocket_growth.fulfilment.small': 3000,
      },
    });
    expect(productIssues(s)).toEqual([
      { field: 'rateOverrides.no.such.rate', message: 'Unknown rate key; the fee tables list every key.' },
      { field: 'rateOverrides.naver_smart_store.sales_commission', message: 'A percent rate must be from 0 to 100.' },
    ]);
    // A caller's own tables decide which keys exist.
    expect(productIssues(scenario({ rateOverrides: { 'naver_smart_store.sales_commission': 1 } }), [])).toEqual([
      { field: 'rateOverrides.naver_smart_store.sales_commission', message: 'Unknown rate key; the fee tables list every key.' },
    ]);
  });

  it('names the earliest table of the channel when none is in force on the sale date', () => {
    expect(scenarioIssues(scenario({ saleDate: '2023-12-31' }))).toEqual([
      { field: 'saleDate', message: 'No naver_smart_store fee table is in force on 2023-12-31; tables start 2024-01-01.' },
    ]);
    // The tables in any order: the earliest start is named.
    const reversed = [...FEE_TABLES].reverse();
    expect(scenarioIssues(scenario({ saleDate: '2023-12-31' }), reversed)[0]!.message).toBe('No naver_smart_store fee table is in force on 2023-12-31; tables start 2024-01-01.');
    // No table of the channel at all.
    expect(scenarioIssues(scenario(), FEE_TABLES.filter((t) => t.channel !== 'naver_smart_store'))).toEqual([
      { field: 'saleDate', message: 'No naver_smart_store fee table is in force on 2025-06-02.' },
    ]);
  });

  it('refuses discounts over the sale price, at the place of the sale', () => {
    // 10,000 won: 6,000 off plus 40 % (4,000) is the whole price, allowed; 6,001 off is one won over.
    expect(sellingIssues(sale({ discountKrw: 6000, discountPercent: 40 }), scenario(), FEE_TABLES, 'channels.1')).toEqual([]);
    expect(sellingIssues(sale({ discountKrw: 6001, discountPercent: 40 }), scenario(), FEE_TABLES, 'channels.1')).toEqual([
      { field: 'channels.1.discountKrw', message: 'Discounts exceed the sale price.' },
    ]);
  });

  it('wants ads as a cost per sale or a share, not both', () => {
    expect(scenarioIssues(scenario({ selling: sale({ ads: { costPerSaleKrw: 100 } }) }))).toEqual([]);
    expect(scenarioIssues(scenario({ selling: sale({ ads: { spendSharePercent: 5 } }) }))).toEqual([]);
    expect(scenarioIssues(scenario({ selling: sale({ ads: { costPerSaleKrw: 0, spendSharePercent: 0 } }) }))).toEqual([
      { field: 'selling.ads', message: 'Give ads.costPerSaleKrw or ads.spendSharePercent, not both.' },
    ]);
  });

  it('picks a Rocket Growth size tier from the unit, or says why it cannot', () => {
    const rocket = (over: Partial<MarginScenario>, tier?: SellingInput['rocketGrowthTier']) =>
      scenarioIssues(scenario({ ...over, selling: sale({ channel: 'coupang_rocket_growth', rocketGrowthTier: tier }) }));
    // 30 + 30 + 19 = 79 cm and 1 kg: extra small.
    expect(rocket({})).toEqual([]);
    const noSize = { freight: { ...scenario().freight, unitDimensionsCm: undefined } };
    expect(rocket(noSize)).toEqual([{ field: 'selling.rocketGrowthTier', message: 'Rocket Growth needs a size tier or freight.unitDimensionsCm to pick one.' }]);
    expect(rocket(noSize, 'small')).toEqual([]);
    // 100 + 60 + 41 = 201 cm, one over the largest tier's 200.
    const tooLarge = { freight: { ...scenario().freight, unitDimensionsCm: { length: 100, width: 60, height: 41 } } };
    expect(rocket(tooLarge)).toEqual([{ field: 'freight.unitDimensionsCm', message: 'The unit is larger than the largest Rocket Growth size tier.' }]);
    expect(rocket(tooLarge, 'extra_large')).toEqual([]);
  });

  it('throws every issue at once, the message listing them by field', () => {
    const s = scenario({ saleDate: '2023-12-31', selling: sale({ discountKrw: 10_001 }) });
    let thrown: unknown;
    try {
      validTable(s, FEE_TABLES);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidScenario);
    const e = thrown as InvalidScenario;
    expect(e.code).toBe('invalid');
    expect(e.message).toBe(
      'saleDate: No naver_smart_store fee table is in force on 2023-12-31; tables start 2024-01-01. selling.discountKrw: Discounts exceed the sale price.',
    );
    expect(e.issues.map((i) => i.field)).toEqual(['saleDate', 'selling.discountKrw']);
    expect(e.details).toEqual({
      errors: [
        { field: 'saleDate', message: 'No naver_smart_store fee table is in force on 2023-12-31; tables start 2024-01-01.', code: 'invalid' },
        { field: 'selling.discountKrw', message: 'Discounts exceed the sale price.', code: 'invalid' },
      ],
    });
  });
});
