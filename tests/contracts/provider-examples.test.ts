/**
 * Our clients and calculations against worked examples the providers publish (/work/shared/providers.md quotes
 * them), not against our own sandboxes: something we did not write.
 */
import { describe, expect, it } from 'vitest';
import { tossClient } from '../../adapters/toss/client.ts';
import { computeMargin } from '../../core/analysis/margin.ts';
import type { MarginScenario } from '../../core/analysis/model.ts';

describe('Toss Payments: Basic authentication (docs.tosspayments.com, API & SDK / authentication)', () => {
  it('sends base64 of the documented test secret key plus a colon', async () => {
    // The page's own test key and recipe: `echo -n 'test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R:' | base64`. (The header
    // printed on the same page, ...YG5RICsgOg==, decodes to "<key> + :", a slip in the page; the recipe is what
    // Toss accepts.)
    const seen: string[] = [];
    const client = tossClient({
      baseUrl: 'https://api.tosspayments.com',
      secretKey: 'test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R',
      timeoutMs: 1_000,
      fetch: async (_url, init) => {
        seen.push(String((init?.headers as Record<string, string>).authorization));
        return new Response(JSON.stringify({ code: 'NOT_FOUND_PAYMENT', message: 'not found' }), { status: 404, headers: { 'content-type': 'application/json' } });
      },
    });
    expect(await client.getPayment('tgen_20240101000000abcde')).toBeNull();
    expect(seen).toEqual(['Basic dGVzdF9za196WExrS0V5cE5BcldtbzUwblgzbG1lYXhZRzVSOg==']);
  });
});

describe("Coupang revenue history: the documented example (providers.md section 8)", () => {
  // saleAmount 31,670 at serviceFeeRatio 8 (percent, ex VAT): serviceFee 31,670 x 8 % = 2,533.6 -> 2,534,
  // serviceFeeVat 10 % x 2,534 = 253.4 -> 253, settlementAmount 31,670 - 2,534 - 253 = 28,883.
  // The margin engine's Coupang Wing commission (a percent of the price after discounts, VAT on top, each
  // rounded half-up) expresses it with the ratio as a rate override and no shipping fee.
  it('the Coupang Wing commission rule gives fee 2,534, fee VAT 253, settlement 28,883', () => {
    const scenario: MarginScenario = {
      saleDate: '2025-06-02',
      category: 'household',
      purchase: { unitPriceFen: 1000, quantity: 1, agentFeePercent: 0, chinaShippingFen: 0 },
      exchange: { cnyKrw: 190, usdKrw: 1400, source: 'test', asOf: '2025-06-01' },
      freight: { ratePerKgKrw: 0, minimumChargeKrw: 0, unitWeightGrams: 100, volumetricDivisor: 6000, weightStepGrams: 100 },
      customs: { importType: 'personal', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller' },
      vatRegistered: false,
      selling: {
        channel: 'coupang_wing',
        salePriceKrw: 31_670,
        shippingFeeKrw: 0,
        discountKrw: 0,
        discountPercent: 0,
        naverTier: 'general',
        inflow: 'naver_shopping',
        sellerShippingCostKrw: 0,
        packagingKrw: 0,
        returns: { ratePercent: 0, costPerReturnKrw: 0 },
      },
      rateOverrides: { 'coupang_wing.commission.household': 8 },
    };
    const r = computeMargin(scenario);
    const commission = r.sale.fees.lines.find((l) => l.key === 'coupang_wing.commission.household')!;
    expect(commission).toMatchObject({ rate: 8, baseKrw: 31_670, amountExVat: 2_534, vat: 253, amount: 2_787 });
    // Nothing else is charged on this sale (the shipping-fee commission is 3 % of a zero shipping fee).
    expect(r.sale.fees.total).toBe(2_787);
    expect(r.sale.buyerPaid - r.sale.fees.total).toBe(28_883);
  });
});
