/**
 * Edges of the landed cost, the sale side and the results, on the unit of price-search.test.ts: 10 CNY x 190 =
 * 1,900 won, no freight, duty free; Naver Smart Store on 2025-06-02 with the order-management fee overridden to 0 %
 * and the sales commission to 10 %, so at 5,000 won the commission is 500 plus VAT 50 and the profit 2,550.
 */
import { describe, expect, it } from 'vitest';
import { FEE_TABLES, type FeeTable } from '../fee-tables.ts';
import { computeMargin, computeMarginSummary, marginForSale } from '../margin.ts';
import type { MarginScenario } from '../model.ts';
import { landedCost } from './landed-cost.ts';
import { saleEvaluations } from './sale.ts';

const scenario = (over: Partial<MarginScenario> = {}, selling: Partial<MarginScenario['selling']> = {}): MarginScenario => ({
  saleDate: '2025-06-02',
  category: 'other',
  purchase: { unitPriceFen: 1000, quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 },
  exchange: { cnyKrw: 190, usdKrw: 1400, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 0, minimumChargeKrw: 0, unitWeightGrams: 1000, volumetricDivisor: 6000, weightStepGrams: 500 },
  customs: { importType: 'personal', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller' },
  vatRegistered: false,
  rateOverrides: { 'naver_smart_store.order_management.general': 0, 'naver_smart_store.sales_commission': 10 },
  selling: {
    channel: 'naver_smart_store',
    salePriceKrw: 5000,
    shippingFeeKrw: 0,
    discountKrw: 0,
    discountPercent: 0,
    naverTier: 'general',
    inflow: 'naver_shopping',
    sellerShippingCostKrw: 0,
    packagingKrw: 0,
    returns: { ratePercent: 0, costPerReturnKrw: 0 },
    ...selling,
  },
  ...over,
});

describe('landed cost edges', () => {
  it('an empty tier list prices the unit at unitPriceFen', () => {
    const l = landedCost(scenario({ purchase: { unitPriceFen: 1000, priceTiers: [], quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 } }));
    expect(l.perUnit.goods).toBe(1900);
    expect(l.priceTier).toBeNull();
  });

  it('takes the tier with the highest minimum the quantity reaches, wherever it is listed', () => {
    const tiers = [
      { minQuantity: 5, unitPriceFen: 950 },
      { minQuantity: 10, unitPriceFen: 900 },
      { minQuantity: 2, unitPriceFen: 1000 },
    ];
    const l = landedCost(scenario({ purchase: { priceTiers: tiers, quantity: 7, agentFeePercent: 0, chinaShippingFen: 0 } }));
    expect(l.priceTier).toEqual({ minQuantity: 5, unitPriceFen: 950 });
    expect(l.perUnit.goods).toBe(1805); // 9.50 CNY x 190
    // Under every tier: the smallest minimum is named.
    expect(() => landedCost(scenario({ purchase: { priceTiers: tiers, quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 } }))).toThrow('purchase.quantity: Below the minimum order quantity of 2.');
  });

  it('a freight charge equal to the minimum is the charge by weight, not the minimum', () => {
    // 1 kg at 2,000 won/kg = 2,000 won, the minimum 2,000.
    const l = landedCost(scenario({ freight: { ratePerKgKrw: 2000, minimumChargeKrw: 2000, unitWeightGrams: 1000, volumetricDivisor: 6000, weightStepGrams: 500 } }));
    expect(l.shipment.freightKrw).toBe(2000);
    expect(l.shipment.minimumChargeApplied).toBe(false);
  });

  it('goods worth exactly US$150.00 clear duty free; one fen more pays', () => {
    // 1,050.00 CNY x 200 = 210,000 won / 1,400 = US$150.00
    const at = (unitPriceFen: number) =>
      landedCost(scenario({ purchase: { unitPriceFen, quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 }, exchange: { cnyKrw: 200, usdKrw: 1400, source: 'test', asOf: '2025-06-01' } }));
    const exempt = at(105_000);
    expect(exempt.customs.valueForThresholdUsd).toBe(150);
    expect(exempt.customs.exempt).toBe(true);
    expect(exempt.customs.dutyWaivedBelowMinimum).toBe(false);
    expect(exempt.shipment.dutyKrw + exempt.shipment.importVatKrw).toBe(0);
    const taxed = at(105_001);
    expect(taxed.customs.exempt).toBe(false);
    expect(taxed.shipment.importVatKrw).toBeGreaterThan(0);
  });
});

describe('sale side edges', () => {
  it('a VAT-inclusive rate holds 1/11 VAT: 500 won is 455 plus 45', () => {
    const tables: FeeTable[] = FEE_TABLES.map((t) => (t.id === 'naver_smart_store.2025-06-02' ? { ...t, rates: t.rates.map((r) => ({ ...r, vatIncluded: true })) } : t));
    const r = computeMargin(scenario(), tables);
    const line = r.sale.fees.lines.find((l) => l.key === 'naver_smart_store.sales_commission')!;
    expect(line).toMatchObject({ baseKrw: 5000, amountExVat: 455, vat: 45, amount: 500, vatIncluded: true });
    expect(r.sale.fees.total).toBe(500);
    expect(r.profit).toBe(2600);
  });

  it('an ads cost per sale is a selling cost', () => {
    const r = computeMargin(scenario({}, { ads: { costPerSaleKrw: 300 } }));
    expect(r.sale.sellingCosts).toEqual({ packaging: 0, sellerShipping: 0, ads: 300, returns: 0, total: 300 });
    expect(r.profit).toBe(2250);
  });

  it('Rocket Growth picks the fulfilment tier from the sum of the three sides, a per-unit charge on a base of 1', () => {
    // 10 + 10 + 70 = 90 cm, 1 kg: over extra small (80 cm), within small (100 cm, 5 kg).
    const s = scenario(
      { freight: { ratePerKgKrw: 0, minimumChargeKrw: 0, unitWeightGrams: 1000, unitDimensionsCm: { length: 10, width: 10, height: 70 }, volumetricDivisor: 6000, weightStepGrams: 500 }, rateOverrides: undefined },
      { channel: 'coupang_rocket_growth', rocketGrowthTier: undefined },
    );
    const r = computeMargin(s);
    const line = r.sale.fees.lines.find((l) => l.key.startsWith('coupang_rocket_growth.fulfilment'))!;
    expect(line.key).toBe('coupang_rocket_growth.fulfilment.small');
    expect(line.baseKrw).toBe(1);
  });

  it('the full evaluation lists the fee lines of that sale only', () => {
    const s = scenario();
    const { breakdown } = saleEvaluations(s, s.selling, landedCost(s));
    expect(breakdown(5000).fees.lines.map((l) => [l.key, l.amount])).toEqual([
      ['naver_smart_store.sales_commission', 550],
      ['naver_smart_store.order_management.general', 0],
    ]);
    const m = marginForSale(s, s.selling, landedCost(s));
    expect(m.sale.fees.lines).toHaveLength(2);
  });

  it('a table without a rate the channel needs fails naming the rate', () => {
    const tables: FeeTable[] = FEE_TABLES.map((t) => (t.id === 'naver_smart_store.2025-06-02' ? { ...t, rates: t.rates.filter((r) => !r.key.includes('order_management')) } : t));
    const s = scenario({ rateOverrides: undefined });
    expect(() => marginForSale(s, s.selling, landedCost(s), tables)).toThrow('fee table naver_smart_store.2025-06-02 has no rate naver_smart_store.order_management.general');
  });
});

describe('results edges', () => {
  it('no margin when the buyer pays nothing; the ROI is still on the landed cost', () => {
    // A 100 % discount and no shipping fee: the buyer pays 0, the profit is -1,900, the ROI -100 %.
    const r = computeMargin(scenario({}, { discountPercent: 100 }));
    expect(r.sale.buyerPaid).toBe(0);
    expect(r.profit).toBe(-1900);
    expect(r.marginPercent).toBeNull();
    expect(r.roiPercent).toBe(-100);
    expect(computeMarginSummary(scenario({}, { discountPercent: 100 }))).toMatchObject({ marginPercent: null, roiPercent: -100, buyerPaid: 0 });
  });
});
