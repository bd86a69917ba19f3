/**
 * Worked examples, each computed by hand in the comments (half-up to the won unless said; duty and import VAT
 * truncated to 10 won). The engine must agree to the won.
 */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.ts';
import { compareMargins } from './compare.ts';
import { kstDate } from './fee-tables.ts';
import { computeMargin } from './margin.ts';
import { truncate10, won } from './margin/rounding.ts';
import type { MarginScenario, SellingInput } from './model.ts';

const selling = (s: Partial<SellingInput> = {}): SellingInput => ({
  channel: 'naver_smart_store',
  salePriceKrw: 300_000,
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

/** One unit, 1 kg at 5,000 won/kg, CNY 190 / USD 1,400, personal use from China. */
const personal = (unitPriceFen: number, chinaShippingFen: number, over: Partial<MarginScenario> = {}): MarginScenario => ({
  saleDate: '2025-06-02',
  category: 'other',
  purchase: { unitPriceFen, quantity: 1, agentFeePercent: 0, chinaShippingFen },
  exchange: { cnyKrw: 190, usdKrw: 1400, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 5000, minimumChargeKrw: 0, unitWeightGrams: 1000, volumetricDivisor: 6000, weightStepGrams: 500 },
  customs: { importType: 'personal', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller' },
  vatRegistered: false,
  selling: selling(),
  ...over,
});

describe('rounding primitives', () => {
  it('rounds half-up to the won and absorbs float noise', () => {
    expect(won(409.5)).toBe(410);
    expect(won(409.49)).toBe(409);
    expect(won(1.005 * 100)).toBe(101); // 100.49999999999999 in float64 is 100.5 in decimal
    expect(won(-2.5)).toBe(-2);
    expect(truncate10(17_211.2)).toBe(17_210);
    expect(truncate10(9)).toBe(0);
  });
  it('takes the sale date in Korea', () => {
    expect(kstDate(new Date('2025-06-01T14:59:59Z'))).toBe('2025-06-01');
    expect(kstDate(new Date('2025-06-01T15:00:00Z'))).toBe('2025-06-02');
  });
});

describe('list clearance around US$150 (from China)', () => {
  // Naver Smart Store on 2025-06-02, general seller, 300,000 won, no shipping fee:
  //   sales commission 2.73 % x 300,000 = 8,190 + VAT 819 = 9,009
  //   order management 3.3 % x 300,000 = 9,900 + VAT 990 = 10,890      fees = 19,899
  it('US$149.96 is duty and VAT free', () => {
    // goods 1,100.00 CNY + China shipping 5.00 CNY = 1,105 CNY x 190 = 209,950 won / 1,400 = US$149.96 <= 150
    // landed: goods 1,100 x 190 = 209,000; China shipping 5 x 190 = 950; freight 1 kg x 5,000 = 5,000
    //   total 214,950; profit 300,000 - 214,950 - 19,899 = 65,151
    const r = computeMargin(personal(110_000, 500));
    expect(r.landed.customs).toMatchObject({ route: 'list_clearance', thresholdUsd: 150, valueForThresholdUsd: 149.96, exempt: true });
    expect(r.landed.perUnit).toEqual({ goods: 209_000, agentFee: 0, chinaShipping: 950, internationalFreight: 5000, duty: 0, importVat: 0, total: 214_950 });
    expect(r.sale.fees.total).toBe(19_899);
    expect(r.profit).toBe(65_151);
  });

  it('US$150.10 pays duty and VAT on the whole CIF value', () => {
    // 1,106 CNY x 190 = 210,140 won / 1,400 = US$150.10 > 150
    // CIF 210,140 + freight 5,000 = 215,140; duty 8 % = 17,211.2 -> 17,210 (truncated to 10 won)
    // VAT 10 % x (215,140 + 17,210) = 23,235 -> 23,230
    // landed 209,000 + 1,140 + 5,000 + 17,210 + 23,230 = 255,580; profit 300,000 - 255,580 - 19,899 = 24,521
    const r = computeMargin(personal(110_000, 600));
    expect(r.landed.customs).toMatchObject({ route: 'list_clearance', valueForThresholdUsd: 150.1, exempt: false, dutyRatePercent: 8, dutyRateSource: 'default' });
    expect(r.landed.shipment).toMatchObject({ customsValueKrw: 215_140, dutyKrw: 17_210, importVatKrw: 23_230 });
    expect(r.landed.perUnit.total).toBe(255_580);
    expect(r.profit).toBe(24_521);
    expect(r.landed.customs.reason).toContain('over the US$150 limit');
  });

  it('the buyer paying duty keeps it out of the landed cost', () => {
    // Same shipment; duty and VAT are still assessed (shown), but the seller's landed cost is 215,140.
    const r = computeMargin(personal(110_000, 600, { customs: { importType: 'personal', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'buyer' } }));
    expect(r.landed.shipment.dutyKrw).toBe(17_210);
    expect(r.landed.perUnit).toMatchObject({ duty: 0, importVat: 0, total: 215_140 });
  });

  it('a unit that costs nothing to land has no ROI; a scenario without a target margin has no target', () => {
    // 0 fen, no China shipping, no freight: landed 0 won, duty free. Profit 300,000 - 0 - 19,899 = 280,101,
    // margin 280,101 / 300,000 = 93.367 -> 93.37 %; ROI (profit / landed cost) has no value.
    const free = { ratePerKgKrw: 0, minimumChargeKrw: 0, unitWeightGrams: 1000, volumetricDivisor: 6000, weightStepGrams: 500 };
    const r = computeMargin(personal(0, 0, { freight: free }));
    expect(r.landed.perUnit.total).toBe(0);
    expect(r.profit).toBe(280_101);
    expect(r.marginPercent).toBe(93.37);
    expect(r.roiPercent).toBeNull();
    expect(r.target).toBeNull();
    // With a target the result names it, even when no price reaches it: with nothing to land, the fees (6.03 % plus
    // VAT, 6.633 % of the price) hold the margin near 93.37 % at every price, under the 95 % asked.
    expect(computeMargin(personal(0, 0, { freight: free, targetMarginPercent: 95 })).target).toEqual({ marginPercent: 95, salePrice: null });
  });
});

describe('US$200 when shipped from the US, formal-declaration goods at US$150', () => {
  const fromUs = { importType: 'personal', goodsClass: 'general', shippedFrom: 'US', dutyPaidBy: 'seller' } as const;
  it('US$199.90 from the US is free; the same value from China is taxed', () => {
    // 1,470 + 3 = 1,473 CNY x 190 = 279,870 won / 1,400 = US$199.90
    const us = computeMargin(personal(147_000, 300, { customs: fromUs }));
    expect(us.landed.customs).toMatchObject({ thresholdUsd: 200, thresholdRule: 'customs.us_threshold', valueForThresholdUsd: 199.9, exempt: true });
    const cn = computeMargin(personal(147_000, 300));
    expect(cn.landed.customs).toMatchObject({ thresholdUsd: 150, exempt: false });
  });
  it('US$200.04 from the US is taxed', () => {
    // 1,474 CNY x 190 = 280,060 won / 1,400 = US$200.04 (floored to the cent); CIF 285,060
    // duty 8 % = 22,804.8 -> 22,800; VAT 10 % x 307,860 = 30,786 -> 30,780
    const r = computeMargin(personal(147_000, 400, { customs: fromUs }));
    expect(r.landed.customs).toMatchObject({ valueForThresholdUsd: 200.04, exempt: false });
    expect(r.landed.shipment).toMatchObject({ customsValueKrw: 285_060, dutyKrw: 22_800, importVatKrw: 30_780 });
  });
  it('food needing a formal declaration is taxed over US$150 even from the US', () => {
    // 1,170 CNY x 190 = 222,300 won / 1,400 = US$158.78; CIF 227,300
    // duty 8 % = 18,184 -> 18,180; VAT 10 % x 245,480 = 24,548 -> 24,540
    const r = computeMargin(personal(117_000, 0, { category: 'food', customs: { ...fromUs, goodsClass: 'formal_declaration' } }));
    expect(r.landed.customs).toMatchObject({ route: 'formal_declaration_personal', thresholdUsd: 150, valueForThresholdUsd: 158.78, exempt: false });
    expect(r.landed.shipment).toMatchObject({ dutyKrw: 18_180, importVatKrw: 24_540 });
  });
  it('food under US$150 is free', () => {
    // 1,000 CNY x 190 = 190,000 won / 1,400 = US$135.71
    const r = computeMargin(personal(100_000, 0, { category: 'food', customs: { ...fromUs, goodsClass: 'formal_declaration' } }));
    expect(r.landed.customs).toMatchObject({ valueForThresholdUsd: 135.71, exempt: true });
  });
});

describe('bulk import for resale (normal import declaration)', () => {
  const bulk = (over: Partial<MarginScenario> = {}): MarginScenario => ({
    saleDate: '2025-06-02',
    category: 'fashion_clothing',
    purchase: { unitPriceFen: 3500, quantity: 50, agentFeePercent: 3, chinaShippingFen: 2000 },
    exchange: { cnyKrw: 192.5, usdKrw: 1390, source: 'test', asOf: '2025-06-01', customs: { cnyKrw: 191, usdKrw: 1385 } },
    freight: { ratePerKgKrw: 4500, minimumChargeKrw: 30_000, unitWeightGrams: 250, unitDimensionsCm: { length: 30, width: 25, height: 3 }, volumetricDivisor: 6000, weightStepGrams: 500 },
    customs: { importType: 'bulk', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller' },
    vatRegistered: false,
    selling: selling({
      channel: 'coupang_wing',
      salePriceKrw: 29_900,
      discountPercent: 10,
      shippingFeeKrw: 2500,
      sellerShippingCostKrw: 3000,
      packagingKrw: 200,
      ads: { spendSharePercent: 5 },
      returns: { ratePercent: 5, costPerReturnKrw: 6000 },
    }),
    ...over,
  });
  // Shipment of 50 clothes:
  //   goods 35 CNY x 50 x 192.5 = 336,875; agent fee 3 % = 10,106.25 -> 10,106; China shipping 20 x 192.5 = 3,850
  //   weight: actual 50 x 250 g = 12,500 g; volumetric 30 x 25 x 3 / 6000 = 0.375 kg x 50 = 18,750 g
  //   chargeable 18,750 -> 19,000 g (500 g steps) x 4,500 = 85,500 (above the 30,000 minimum)
  //   customs value at the customs rate: (1,750 + 20) CNY x 191 = 338,070 + freight 85,500 = 423,570 (agent fee excluded)
  //   duty 13 % (clothing) = 55,064.1 -> 55,060; VAT 10 % x 478,630 = 47,863 -> 47,860
  // Per unit: goods 35 x 192.5 = 6,737.5 -> 6,738; agent 10,106 / 50 = 202.12 -> 202; China 77; freight 1,710;
  //   duty 1,101.2 -> 1,101; VAT 957.2 -> 957; total 10,785
  // Coupang Wing, clothing 10.5 %: price 29,900 - 10 % (2,990) = 26,910; buyer pays 26,910 + 2,500 = 29,410
  //   commission 10.5 % x 26,910 = 2,825.55 -> 2,826 + VAT 282.6 -> 283 = 3,109
  //   shipping-fee commission 3 % x 2,500 = 75 + VAT 7.5 -> 8 = 83; fees 3,192
  //   selling costs: courier 3,000 + packaging 200 + ads 5 % x 26,910 = 1,345.5 -> 1,346 + returns 5 % x 6,000 = 300 = 4,846
  //   profit 29,410 - 10,785 - 3,192 - 4,846 = 10,587
  it('prices a clothing shipment sold on Coupang Wing', () => {
    const r = computeMargin(bulk());
    expect(r.landed.customs).toMatchObject({ route: 'import_declaration', thresholdUsd: null, exempt: false, dutyRatePercent: 13, dutyRateSource: 'category_default' });
    expect(r.landed.shipment).toEqual({
      goodsKrw: 336_875,
      agentFeeKrw: 10_106,
      chinaShippingKrw: 3850,
      actualWeightGrams: 12_500,
      volumetricWeightGrams: 18_750,
      chargeableWeightGrams: 19_000,
      freightKrw: 85_500,
      minimumChargeApplied: false,
      customsValueKrw: 423_570,
      dutyKrw: 55_060,
      importVatKrw: 47_860,
    });
    expect(r.landed.perUnit).toEqual({ goods: 6738, agentFee: 202, chinaShipping: 77, internationalFreight: 1710, duty: 1101, importVat: 957, total: 10_785 });
    expect(r.sale).toMatchObject({ discount: 2990, priceAfterDiscounts: 26_910, buyerPaid: 29_410 });
    expect(r.sale.fees.lines.map((l) => [l.key, l.amountExVat, l.vat, l.amount])).toEqual([
      ['coupang_wing.commission.fashion_clothing', 2826, 283, 3109],
      ['coupang_wing.shipping_fee_commission', 75, 8, 83],
    ]);
    expect(r.sale.sellingCosts).toEqual({ packaging: 200, sellerShipping: 3000, ads: 1346, returns: 300, total: 4846 });
    expect(r.profit).toBe(10_587);
    // margin 10,587 / 29,410 = 35.998 % -> 36.00; ROI 10,587 / 10,785 = 98.164 % -> 98.16
    expect(r.marginPercent).toBe(36);
    expect(r.roiPercent).toBe(98.16);
  });

  it('a VAT-registered seller pays output VAT and recovers input VAT', () => {
    // output 29,410 / 11 = 2,673.6 -> 2,674
    // input: import VAT 957 + fee VAT (283 + 8) + domestic costs 4,846 / 11 = 440.5 -> 441 = 1,689; net 985
    // profit 10,587 - 985 = 9,602
    const r = computeMargin(bulk({ vatRegistered: true }));
    expect(r.sale.vat).toEqual({ output: 2674, input: 1689, net: 985 });
    expect(r.profit).toBe(9602);
  });

  it('uses the HS-code rate and waives duty under 10,000 won', () => {
    // 500 CNY x 190 = 95,000 + freight 5,000 = CIF 100,000; duty 5 % = 5,000 < 10,000 -> not collected
    // VAT 10 % x 100,000 = 10,000
    const r = computeMargin(
      personal(50_000, 0, { customs: { importType: 'bulk', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller', dutyRatePercent: 5, hsCode: '9503.00' } }),
    );
    expect(r.landed.customs).toMatchObject({ dutyRatePercent: 5, dutyRateSource: 'hs_code', hsCode: '9503.00', dutyWaivedBelowMinimum: true });
    expect(r.landed.shipment).toMatchObject({ dutyKrw: 0, importVatKrw: 10_000 });
    expect(r.estimates).toContain('customs.minimum_duty');
  });

  it('applies the freight minimum charge and the 1688 price tier for the quantity', () => {
    // 10 units x 250 g = 2,500 g; volumetric 10 x 0.375 kg = 3,750 g -> 4,000 g x 4,500 = 18,000 < 30,000 minimum
    // tiers: 2+ at 40 CNY, 10+ at 35 CNY -> 35 CNY
    const r = computeMargin(bulk({ purchase: { priceTiers: [{ minQuantity: 2, unitPriceFen: 4000 }, { minQuantity: 10, unitPriceFen: 3500 }], quantity: 10, agentFeePercent: 0, chinaShippingFen: 0 } }));
    expect(r.landed.shipment).toMatchObject({ chargeableWeightGrams: 4000, freightKrw: 30_000, minimumChargeApplied: true });
    expect(r.landed.priceTier).toEqual({ minQuantity: 10, unitPriceFen: 3500 });
    expect(r.landed.perUnit.internationalFreight).toBe(3000);
  });

  it('refuses a quantity under the minimum order, naming the field', () => {
    const bad = bulk({ purchase: { priceTiers: [{ minQuantity: 2, unitPriceFen: 4000 }], quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 } });
    expect(() => computeMargin(bad)).toThrow(DomainError);
    try {
      computeMargin(bad);
    } catch (error) {
      expect((error as DomainError).details).toMatchObject({ errors: [{ field: 'purchase.quantity' }] });
    }
  });
});

describe('every channel, and the 2025-06-02 Naver fee change', () => {
  // Landed cost, bulk: 100 units at 20 CNY x 190 = 3,800 each; 200 g each, 10 x 10 x 10 cm
  //   actual 20,000 g; volumetric 100 x 1,000/6,000 kg = 16,667 g -> chargeable 20,000 g x 3,000 = 60,000
  //   CIF 380,000 + 60,000 = 440,000; duty 8 % 35,200; VAT 10 % x 475,200 = 47,520
  //   per unit: 3,800 + freight 600 + duty 352 + VAT 475.2 -> 475 = 5,227
  // Sale: 15,000 + shipping 3,000 charged (buyer pays 18,000); Naver tier "small" (1.8 %)
  //   order management 1.8 % x 18,000 = 324 + VAT 32.4 -> 32 = 356
  const base = (s: Partial<SellingInput>, saleDate = '2025-06-02'): MarginScenario => ({
    saleDate,
    category: 'kitchen',
    purchase: { unitPriceFen: 2000, quantity: 100, agentFeePercent: 0, chinaShippingFen: 0 },
    exchange: { cnyKrw: 190, usdKrw: 1400, source: 'test', asOf: '2025-06-01' },
    freight: { ratePerKgKrw: 3000, minimumChargeKrw: 0, unitWeightGrams: 200, unitDimensionsCm: { length: 10, width: 10, height: 10 }, volumetricDivisor: 6000, weightStepGrams: 500 },
    customs: { importType: 'bulk', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller' },
    vatRegistered: false,
    selling: selling({ salePriceKrw: 15_000, shippingFeeKrw: 3000, naverTier: 'small', ...s }),
  });

  it('lands at 5,227 won a unit', () => {
    expect(computeMargin(base({})).landed.perUnit.total).toBe(5227);
  });
  it('Smart Store on 2025-06-02: 2.73 % sales commission', () => {
    // 2.73 % x 15,000 = 409.5 -> 410 + VAT 41 = 451; fees 451 + 356 = 807; profit 18,000 - 5,227 - 807 = 11,966
    const r = computeMargin(base({}));
    expect(r.feeTable.id).toBe('naver_smart_store.2025-06-02');
    expect(r.sale.fees.total).toBe(807);
    expect(r.profit).toBe(11_966);
  });
  it('Smart Store on 2025-06-01: 2 % Naver Shopping sales-linked fee', () => {
    // 2 % x 15,000 = 300 + VAT 30 = 330; fees 686; profit 12,087
    const r = computeMargin(base({}, '2025-06-01'));
    expect(r.feeTable).toEqual({ id: 'naver_smart_store.2024-01-01', effectiveFrom: '2024-01-01', effectiveTo: '2025-06-01' });
    expect(r.sale.fees.lines.map((l) => l.key)).toEqual(['naver_smart_store.sales_linked', 'naver_smart_store.order_management.small']);
    expect(r.profit).toBe(12_087);
  });
  it('Smart Store on 2025-06-01 without a Naver Shopping inflow pays no sales-linked fee', () => {
    // fees 356; profit 18,000 - 5,227 - 356 = 12,417
    expect(computeMargin(base({ inflow: 'other' }, '2025-06-01')).profit).toBe(12_417);
  });
  it("Smart Store on 2025-06-02 from the seller's marketing link: 0.91 %", () => {
    // 0.91 % x 15,000 = 136.5 -> 137 + VAT 13.7 -> 14 = 151; fees 507; profit 12,266
    expect(computeMargin(base({ inflow: 'marketing_link' })).profit).toBe(12_266);
  });
  it('Brand Store on 2025-06-02: 3.64 %', () => {
    // 3.64 % x 15,000 = 546 + VAT 54.6 -> 55 = 601; fees 957; profit 11,816
    const r = computeMargin(base({ channel: 'naver_brand_store' }));
    expect(r.sale.fees.total).toBe(957);
    expect(r.profit).toBe(11_816);
  });
  it('Coupang Wing: category commission and shipping-fee commission', () => {
    // kitchen 10.8 % x 15,000 = 1,620 + VAT 162 = 1,782; 3 % x 3,000 = 90 + VAT 9 = 99; fees 1,881; profit 10,892
    const r = computeMargin(base({ channel: 'coupang_wing' }));
    expect(r.sale.fees.total).toBe(1881);
    expect(r.profit).toBe(10_892);
  });
  it('Coupang Rocket Growth: commission and fulfilment by size tier, no shipping fee', () => {
    // 10 + 10 + 10 = 30 cm, 200 g -> extra_small 3,100 + VAT 310 = 3,410; commission 1,782; fees 5,192
    // buyer pays 15,000; profit 15,000 - 5,227 - 5,192 = 4,581
    const r = computeMargin(base({ channel: 'coupang_rocket_growth' }));
    expect(r.sale.buyerPaid).toBe(15_000);
    expect(r.sale.fees.lines.map((l) => [l.key, l.amount])).toEqual([
      ['coupang_rocket_growth.commission.kitchen', 1782],
      ['coupang_rocket_growth.fulfilment.extra_small', 3410],
    ]);
    expect(r.profit).toBe(4581);
  });
  it('a tenant override replaces a rate and is no longer an estimate', () => {
    // 9 % x 15,000 = 1,350 + VAT 135 = 1,485; fees 1,485 + 99 = 1,584; profit 18,000 - 5,227 - 1,584 = 11,189
    const r = computeMargin({ ...base({ channel: 'coupang_wing' }), rateOverrides: { 'coupang_wing.commission.kitchen': 9 } });
    expect(r.sale.fees.lines[0]).toMatchObject({ rate: 9, amount: 1485, overridden: true });
    expect(r.estimates).not.toContain('coupang_wing.commission.kitchen');
    expect(r.profit).toBe(11_189);
  });
  it('finds the break-even and target-margin prices', () => {
    // profit(P) ~ P + 3,000 - 5,227 - 1.1 x 2.73 % P - 1.1 x 1.8 % (P + 3,000) = 0.95017 P - 2,286.4 -> P ~ 2,406
    const r = computeMargin({ ...base({}), targetMarginPercent: 30 });
    expect(Math.abs(r.breakEvenSalePrice! - 2406)).toBeLessThanOrEqual(1);
    const at = (price: number) => computeMargin(base({ salePriceKrw: price })).profit;
    expect(at(r.breakEvenSalePrice!)).toBe(0);
    expect(at(r.breakEvenSalePrice! - 1)).toBeLessThan(0);
    // margin 30 %: 0.95017 P - 2,286.4 = 0.3 (P + 3,000) -> P ~ 4,901
    const t = r.target!.salePrice!;
    expect(Math.abs(t - 4901)).toBeLessThanOrEqual(1);
    const m = computeMargin(base({ salePriceKrw: t }));
    expect(m.profit / m.sale.buyerPaid).toBeGreaterThanOrEqual(0.3);
    const below = computeMargin(base({ salePriceKrw: t - 1 }));
    expect(below.profit / below.sale.buyerPaid).toBeLessThan(0.3);
  });
  it('has no table before 2024-01-01 and says so on the field', () => {
    expect(() => computeMargin(base({}, '2023-12-31'))).toThrow(/saleDate: No naver_smart_store fee table is in force on 2023-12-31; tables start 2024-01-01/);
  });
  it('refuses unknown override keys and percent overrides over 100', () => {
    expect(() => computeMargin({ ...base({}), rateOverrides: { 'naver.nope': 1 } })).toThrow(/rateOverrides\.naver\.nope/);
    expect(() => computeMargin({ ...base({}), rateOverrides: { 'naver_smart_store.sales_commission': 101 } })).toThrow(/from 0 to 100/);
  });

  it('compares channels and quantities and names the best', () => {
    const b = base({});
    const r = compareMargins({
      ...b,
      purchase: { priceTiers: [{ minQuantity: 10, unitPriceFen: 2200 }, { minQuantity: 100, unitPriceFen: 2000 }], agentFeePercent: 0, chinaShippingFen: 0 },
      quantities: [10, 100],
      channels: [b.selling, { ...b.selling, channel: 'coupang_wing' }, { ...b.selling, channel: 'coupang_rocket_growth' }],
    });
    expect(r.cells).toHaveLength(6);
    // Quantity 100 is the scenario above: 11,966 / 10,892 / 4,581 a unit.
    expect(r.cells.filter((c) => c.quantity === 100).map((c) => c.profitPerUnit)).toEqual([11_966, 10_892, 4581]);
    expect(r.best.byProfitTotal).toEqual({ channel: 'naver_smart_store', quantity: 100, profitTotal: 1_196_600 });
    expect(r.best.byProfitPerUnit.channel).toBe('naver_smart_store');
    const cell10 = r.cells.find((c) => c.quantity === 10 && c.channel === 'naver_smart_store')!;
    expect(cell10.landedCostPerUnit).toBeGreaterThan(5227);
  });
});
