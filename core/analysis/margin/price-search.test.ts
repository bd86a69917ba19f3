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
