/**
 * The comparison of one product across channels and quantities, on figures worked by hand.
 *
 * One unit at 10 CNY x 190 = 1,900 won, no agent fee, no China shipping, no freight (0 won/kg), duty free for
 * personal use (US$1.36 a unit, US$2.71 for two, under US$150): landed 1,900 won a unit at either quantity.
 * Both Naver stores on 2025-06-02 with the order-management fee overridden to 0 % and the sales commission to 10 %:
 * at 5,000 won the commission is 500 plus VAT 50, fees 550, profit 5,000 - 1,900 - 550 = 2,550 a unit,
 * ROI 2,550 / 1,900 = 134.21 %, margin 2,550 / 5,000 = 51 %.
 */
import { describe, expect, it } from 'vitest';
import { compareIssues, compareMargins } from './compare.ts';
import type { CompareInput, SellingInput } from './model.ts';

const store = (channel: SellingInput['channel'], salePriceKrw = 5000): SellingInput => ({
  channel,
  salePriceKrw,
  shippingFeeKrw: 0,
  discountKrw: 0,
  discountPercent: 0,
  naverTier: 'general',
  inflow: 'naver_shopping',
  sellerShippingCostKrw: 0,
  packagingKrw: 0,
  returns: { ratePercent: 0, costPerReturnKrw: 0 },
});

const input = (over: Partial<CompareInput> = {}): CompareInput => ({
  saleDate: '2025-06-02',
  category: 'other',
  purchase: { unitPriceFen: 1000, agentFeePercent: 0, chinaShippingFen: 0 },
  exchange: { cnyKrw: 190, usdKrw: 1400, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 0, minimumChargeKrw: 0, unitWeightGrams: 1000, volumetricDivisor: 6000, weightStepGrams: 500 },
  customs: { importType: 'personal', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller' },
  vatRegistered: false,
  rateOverrides: {
    'naver_smart_store.order_management.general': 0,
    'naver_smart_store.sales_commission': 10,
    'naver_brand_store.order_management.general': 0,
    'naver_brand_store.sales_commission': 10,
  },
  quantities: [1, 2],
  channels: [store('naver_smart_store'), store('naver_brand_store')],
  ...over,
});

describe('compareMargins', () => {
  it('gives every cell in request order, quantity first, with its figures', () => {
    const r = compareMargins(input({ targetMarginPercent: 25 }));
    expect(r.saleDate).toBe('2025-06-02');
    expect(r.cells.map((c) => [c.quantity, c.channel])).toEqual([
      [1, 'naver_smart_store'],
      [1, 'naver_brand_store'],
      [2, 'naver_smart_store'],
      [2, 'naver_brand_store'],
    ]);
    expect(r.cells[2]).toEqual({
      channel: 'naver_smart_store',
      quantity: 2,
      salePrice: 5000,
      landedCostPerUnit: 1900,
      feesPerUnit: 550,
      sellingCostsPerUnit: 0,
      profitPerUnit: 2550,
      profitTotal: 5100,
      marginPercent: 51,
      roiPercent: 134.21,
      // worked in margin/price-search.test.ts: 2,134 breaks even, 2,970 earns 25 %
      breakEvenSalePrice: 2134,
      targetSalePrice: 2970,
      customsRoute: 'list_clearance',
      customsExempt: true,
      feeTableId: 'naver_smart_store.2025-06-02',
    });
    // No rate is an estimate: the commission is published, the order-management fee overridden.
    expect(r.estimates).toEqual([]);
  });

  it('ties keep the earlier cell: fewer units, then the channel listed first', () => {
    const r = compareMargins(input());
    // Every cell earns 2,550 a unit and 134.21 %; two units earn 5,100 in total on either store.
    expect(r.best.byProfitTotal).toEqual({ channel: 'naver_smart_store', quantity: 2, profitTotal: 5100 });
    expect(r.best.byProfitPerUnit).toEqual({ channel: 'naver_smart_store', quantity: 1, profitPerUnit: 2550 });
    expect(r.best.byRoi).toEqual({ channel: 'naver_smart_store', quantity: 1, roiPercent: 134.21 });
  });

  it('a higher figure later in the list wins', () => {
    // The brand store at 6,000 won: commission 600 + VAT 60, profit 6,000 - 1,900 - 660 = 3,440, ROI 181.05 %.
    const r = compareMargins(input({ channels: [store('naver_smart_store'), store('naver_brand_store', 6000)] }));
    expect(r.best.byProfitTotal).toEqual({ channel: 'naver_brand_store', quantity: 2, profitTotal: 6880 });
    expect(r.best.byProfitPerUnit).toEqual({ channel: 'naver_brand_store', quantity: 1, profitPerUnit: 3440 });
    expect(r.best.byRoi).toEqual({ channel: 'naver_brand_store', quantity: 1, roiPercent: 181.05 });
  });

  it('names no best ROI when no cell has one: the units cost nothing to land', () => {
    // A free unit (0 fen) with no freight lands at 0 won, so ROI (profit / landed cost) is no number; at 5,000 won
    // the commission is 500 + VAT 50, profit 5,000 - 0 - 550 = 4,450 a unit, margin 4,450 / 5,000 = 89 %.
    const r = compareMargins(input({ purchase: { unitPriceFen: 0, agentFeePercent: 0, chinaShippingFen: 0 } }));
    expect(r.cells.map((c) => [c.landedCostPerUnit, c.profitPerUnit, c.marginPercent, c.roiPercent])).toEqual([
      [0, 4450, 89, null],
      [0, 4450, 89, null],
      [0, 4450, 89, null],
      [0, 4450, 89, null],
    ]);
    expect(r.best.byRoi).toBeNull();
    expect(r.best.byProfitTotal).toEqual({ channel: 'naver_smart_store', quantity: 2, profitTotal: 8900 });
  });

  it('lists each estimated rate once, sorted', () => {
    // Without overrides both stores charge the order-management fee, an estimate.
    const r = compareMargins(input({ rateOverrides: undefined, channels: [store('naver_smart_store'), store('naver_brand_store'), store('naver_smart_store')] }));
    expect(r.estimates).toEqual(['naver_brand_store.order_management.general', 'naver_smart_store.order_management.general']);
  });
});

describe('compareIssues', () => {
  it('names each quantity under the tiers\' minimum order', () => {
    const c = input({ purchase: { priceTiers: [{ minQuantity: 10, unitPriceFen: 1000 }, { minQuantity: 5, unitPriceFen: 1100 }], agentFeePercent: 0, chinaShippingFen: 0 }, quantities: [5, 4, 10, 1] });
    expect(compareIssues(c)).toEqual([
      { field: 'quantities.1', message: 'Below the minimum order quantity of 5.' },
      { field: 'quantities.3', message: 'Below the minimum order quantity of 5.' },
    ]);
    expect(() => compareMargins(c)).toThrow(/quantities\.1/);
  });

  it('without tiers any quantity of 1 or more is fine', () => {
    expect(compareIssues(input({ quantities: [1, 3] }))).toEqual([]);
  });

  it('says once what two channels share, and each channel\'s own fault at its index', () => {
    const bad = { ...store('naver_smart_store', 1000), discountKrw: 2000 };
    const issues = compareIssues(input({ saleDate: '2023-12-31', channels: [store('naver_smart_store'), bad, store('naver_smart_store')] }));
    expect(issues).toEqual([
      { field: 'saleDate', message: 'No naver_smart_store fee table is in force on 2023-12-31; tables start 2024-01-01.' },
      { field: 'channels.1.discountKrw', message: 'Discounts exceed the sale price.' },
    ]);
  });

  it('keeps faults that share only their field or only their message', () => {
    // Both stores lack a table on the date (one field, two messages); both discounts exceed the price (one
    // message, two fields).
    const bad = (channel: SellingInput['channel']) => ({ ...store(channel, 1000), discountKrw: 2000 });
    const issues = compareIssues(input({ saleDate: '2023-12-31', channels: [bad('naver_smart_store'), bad('naver_brand_store')] }));
    expect(issues).toEqual([
      { field: 'saleDate', message: 'No naver_smart_store fee table is in force on 2023-12-31; tables start 2024-01-01.' },
      { field: 'channels.0.discountKrw', message: 'Discounts exceed the sale price.' },
      { field: 'saleDate', message: 'No naver_brand_store fee table is in force on 2023-12-31; tables start 2024-01-01.' },
      { field: 'channels.1.discountKrw', message: 'Discounts exceed the sale price.' },
    ]);
  });
});
