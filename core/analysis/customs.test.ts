/**
 * The customs rules at their limits (docs/analysis.md, "Customs"), each expected figure worked by hand in the
 * comments. Rates: CNY 200 and USD 1,400 won; one unit of 1 kg; no agent fee.
 */
import { describe, expect, it } from 'vitest';
import { CUSTOMS_RULES, decideRoute, defaultDutyRate } from './customs.ts';
import { landedCost } from './margin/landed-cost.ts';
import type { CustomsInput, ProductInput } from './model.ts';

const product = (unitPriceFen: number, chinaShippingFen: number, customs: Partial<CustomsInput> = {}, ratePerKgKrw = 5088): ProductInput => ({
  saleDate: '2025-06-02',
  category: 'other',
  purchase: { unitPriceFen, quantity: 1, agentFeePercent: 0, chinaShippingFen },
  exchange: { cnyKrw: 200, usdKrw: 1400, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw, minimumChargeKrw: 0, unitWeightGrams: 1000, volumetricDivisor: 6000, weightStepGrams: 500 },
  customs: { importType: 'personal', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller', ...customs },
  vatRegistered: false,
});

describe('the duty-free limit is inclusive', () => {
  it('US$150.00 exactly from China is free', () => {
    // (100,000 + 5,000) fen = 1,050 CNY x 200 = 210,000 won / 1,400 = US$150.00, at the limit
    const l = landedCost(product(100_000, 5_000));
    expect(l.customs).toMatchObject({ route: 'list_clearance', thresholdUsd: 150, exempt: true, valueForThresholdUsd: 150 });
    expect(l.shipment.dutyKrw).toBe(0);
    expect(l.shipment.importVatKrw).toBe(0);
    expect(l.customs.reason).toBe('Goods value plus foreign shipping US$150.00 is within the US$150 limit (customs.list_clearance_threshold): no duty or VAT.');
  });

  it('one fen more is taxed on the whole value; duty and VAT truncated to 10 won', () => {
    // 105,001 fen = 1,050.01 CNY x 200 = 210,002 won / 1,400 = US$150.0014 (shown floored: 150.00) > 150
    // CIF = 210,002 + freight 1 kg x 5,088 = 215,090
    // duty 8 % = 17,207.2 -> truncated 17,200 (half-up to the won would give 17,207, to 10 won 17,210)
    // VAT 10 % x (215,090 + 17,200) = 23,229 -> 23,220 (rounded to 10 won it would be 23,230)
    const l = landedCost(product(100_000, 5_001));
    expect(l.customs).toMatchObject({ exempt: false, valueForThresholdUsd: 150, dutyRatePercent: 8, dutyRateSource: 'default', dutyWaivedBelowMinimum: false });
    expect(l.shipment.customsValueKrw).toBe(215_090);
    expect(l.shipment.dutyKrw).toBe(17_200);
    expect(l.shipment.importVatKrw).toBe(23_220);
    expect(l.perUnit).toMatchObject({ goods: 200_000, chinaShipping: 10_002, internationalFreight: 5_088, duty: 17_200, importVat: 23_220 });
    // 200,000 + 10,002 + 5,088 + 17,200 + 23,220
    expect(l.perUnit.total).toBe(255_510);
    expect(l.customs.reason).toBe('Goods value plus foreign shipping US$150.00 is over the US$150 limit (customs.list_clearance_threshold): duty and VAT on the whole CIF value.');
  });

  it('US$200.00 exactly from the US is free, one fen more is taxed', () => {
    // (135,000 + 5,000) fen = 1,400 CNY x 200 = 280,000 won / 1,400 = US$200.00
    const free = landedCost(product(135_000, 5_000, { shippedFrom: 'US' }));
    expect(free.customs).toMatchObject({ route: 'list_clearance', thresholdUsd: 200, thresholdRule: 'customs.us_threshold', exempt: true });
    expect(free.shipment.dutyKrw + free.shipment.importVatKrw).toBe(0);
    // 140,001 fen -> 280,002 won -> US$200.0014; CIF = 280,002 + 5,088 = 285,090
    // duty 8 % = 22,807.2 -> 22,800; VAT 10 % x (285,090 + 22,800) = 30,789 -> 30,780
    const taxed = landedCost(product(135_000, 5_001, { shippedFrom: 'US' }));
    expect(taxed.customs.exempt).toBe(false);
    expect(taxed.shipment.dutyKrw).toBe(22_800);
    expect(taxed.shipment.importVatKrw).toBe(30_780);
  });

  it('US$200.00 from China is over its US$150 limit', () => {
    const l = landedCost(product(135_000, 5_000, { shippedFrom: 'CN' }));
    expect(l.customs).toMatchObject({ thresholdUsd: 150, thresholdRule: 'customs.list_clearance_threshold', exempt: false });
  });

  it('goods needing a formal declaration: US$150.00 free and one fen more taxed, even from the US', () => {
    const free = landedCost(product(100_000, 5_000, { goodsClass: 'formal_declaration', shippedFrom: 'US' }));
    expect(free.customs).toMatchObject({ route: 'formal_declaration_personal', thresholdUsd: 150, thresholdRule: 'customs.formal_declaration_threshold', exempt: true });
    const taxed = landedCost(product(100_000, 5_001, { goodsClass: 'formal_declaration', shippedFrom: 'US' }));
    expect(taxed.customs.exempt).toBe(false);
    expect(taxed.shipment.dutyKrw).toBe(17_200);
  });

  it('the limit is tested at the customs rates when given, not the market rates', () => {
    // At the customs rates: 1,050 CNY x 200 = 210,000 won / 1,400 = US$150.00, free.
    // At the market rates it would be 1,050 x 190 = 199,500 / 1,300 = US$153.46, taxed.
    const p = product(100_000, 5_000);
    const l = landedCost({ ...p, exchange: { ...p.exchange, cnyKrw: 190, usdKrw: 1300, customs: { cnyKrw: 200, usdKrw: 1400 } } });
    expect(l.customs.exempt).toBe(true);
    expect(l.customs.valueForThresholdUsd).toBe(150);
    // The goods are still bought at the market rate: 1,000 CNY x 190.
    expect(l.perUnit.goods).toBe(190_000);
  });
});

describe('the 10,000-won minimum duty', () => {
  it('collects a duty of exactly 10,000 won', () => {
    // bulk: 60,000 fen = 600 CNY x 200 = 120,000 won; CIF = 120,000 + 1 kg x 5,000 = 125,000
    // duty 8 % = 10,000 (not under 10,000: collected); VAT 10 % x (125,000 + 10,000) = 13,500
    const l = landedCost(product(60_000, 0, { importType: 'bulk' }, 5000));
    expect(l.customs).toMatchObject({ route: 'import_declaration', thresholdUsd: null, exempt: false, dutyWaivedBelowMinimum: false });
    expect(l.shipment.customsValueKrw).toBe(125_000);
    expect(l.shipment.dutyKrw).toBe(10_000);
    expect(l.shipment.importVatKrw).toBe(13_500);
  });

  it('waives a duty under 10,000 won but still charges VAT', () => {
    // CIF = 120,000 + 4,999 = 124,999; duty 8 % = 9,999.92 -> 9,990 < 10,000: waived
    // VAT 10 % x (124,999 + 0) = 12,499.9 -> 12,490
    const l = landedCost(product(60_000, 0, { importType: 'bulk' }, 4999));
    expect(l.customs.dutyWaivedBelowMinimum).toBe(true);
    expect(l.shipment.dutyKrw).toBe(0);
    expect(l.shipment.importVatKrw).toBe(12_490);
  });

  it('a duty that truncates to zero is not "waived"', () => {
    // duty rate 0 % (an HS code without duty): nothing to waive; VAT 10 % x 125,000 = 12,500
    const l = landedCost(product(60_000, 0, { importType: 'bulk', dutyRatePercent: 0, hsCode: '8471.30' }, 5000));
    expect(l.customs).toMatchObject({ dutyWaivedBelowMinimum: false, dutyRatePercent: 0, dutyRateSource: 'hs_code', hsCode: '8471.30' });
    expect(l.shipment.importVatKrw).toBe(12_500);
  });

  it('bulk stock names no limit in its reason', () => {
    expect(landedCost(product(60_000, 0, { importType: 'bulk' })).customs.reason).toMatch(/^Bulk stock for resale clears on a normal import declaration/);
  });
});

describe('rules as data', () => {
  it('decides the route from the purpose, the goods and the origin', () => {
    expect(decideRoute('bulk', 'formal_declaration', 'US')).toEqual({ route: 'import_declaration', thresholdUsd: null, thresholdRule: null });
    expect(decideRoute('personal', 'formal_declaration', 'US')).toEqual({ route: 'formal_declaration_personal', thresholdUsd: 150, thresholdRule: 'customs.formal_declaration_threshold' });
    expect(decideRoute('personal', 'general', 'US')).toEqual({ route: 'list_clearance', thresholdUsd: 200, thresholdRule: 'customs.us_threshold' });
    expect(decideRoute('personal', 'general', 'other')).toEqual({ route: 'list_clearance', thresholdUsd: 150, thresholdRule: 'customs.list_clearance_threshold' });
  });

  it('uses 13 % for clothing and shoes and 8 % otherwise', () => {
    expect(defaultDutyRate('fashion_clothing')).toEqual({ percent: 13, source: 'category_default' });
    expect(defaultDutyRate('shoes')).toEqual({ percent: 13, source: 'category_default' });
    expect(defaultDutyRate('fashion_accessories')).toEqual({ percent: 8, source: 'default' });
  });

  it('states the published values', () => {
    expect(Object.fromEntries(Object.values(CUSTOMS_RULES).map((r) => [r.key, [r.value, r.unit, r.estimate]]))).toEqual({
      'customs.list_clearance_threshold': [150, 'usd', false],
      'customs.us_threshold': [200, 'usd', false],
      'customs.formal_declaration_threshold': [150, 'usd', false],
      'customs.default_duty': [8, 'percent', false],
      'customs.clothing_duty': [13, 'percent', false],
      'customs.import_vat': [10, 'percent', false],
      'customs.minimum_duty': [10_000, 'won', true],
      'customs.tax_truncation': [10, 'won', false],
    });
  });
});
