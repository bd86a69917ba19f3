/**
 * Pricing from a 1688 offer: which price applies at a quantity (tiers from the minimum order, or the SKU's price),
 * the minimum order, and which weight freight is charged on. Expected figures are worked by hand from the rules:
 * goods per unit = fen x cnyKrw / 100; freight = total grams rounded up to the step x rate per kg / quantity.
 */
import { describe, expect, it } from 'vitest';
import type { OfferCatalog, OfferDetail, Sourced } from '../alibaba/ports.ts';
import { DomainError } from '../shared/errors.ts';
import { InvalidScenario } from './margin/checks.ts';
import type { MarginResult, MarginScenario, WithOffer } from './model.ts';
import { compareFromOffer, landedQuote, marginFromOffer, tiersFromMoq, withoutOffer } from './sourcing.ts';

const detail = (d: Partial<OfferDetail> & Pick<OfferDetail, 'offerId'>): OfferDetail => ({
  subject: '测试商品',
  subjectTranslated: null,
  categoryId: null,
  status: 'published',
  minOrderQuantity: 1,
  quoteType: 'by_quantity',
  priceTiers: [],
  skus: [],
  stock: null,
  unit: null,
  shipping: { weightKg: 0.5, lengthCm: 20, widthCm: 10, heightCm: 10 },
  seller: { openId: null, companyName: null },
  images: [],
  ...d,
});

const OFFERS: Record<string, OfferDetail> = {
  // Tiers from 3 though the minimum order is 5: the 3-unit price applies from 5.
  '700000000001': detail({ offerId: '700000000001', minOrderQuantity: 5, priceTiers: [{ minQuantity: 3, unitPriceFen: 2500 }, { minQuantity: 50, unitPriceFen: 2200 }, { minQuantity: 200, unitPriceFen: 2000 }] }),
  '700000000002': detail({
    offerId: '700000000002',
    minOrderQuantity: 2,
    quoteType: 'by_sku',
    shipping: { weightKg: 0.4, lengthCm: null, widthCm: null, heightCm: null },
    skus: [
      { skuId: 's1', specId: null, stock: 10, priceFen: 1000, promotionPriceFen: null, attributes: [], weightGrams: 300 },
      { skuId: 's2', specId: null, stock: 10, priceFen: 1200, promotionPriceFen: null, attributes: [], weightGrams: null },
    ],
  }),
  '700000000003': detail({ offerId: '700000000003', priceTiers: [{ minQuantity: 1, unitPriceFen: 100 }], shipping: { weightKg: null, lengthCm: null, widthCm: null, heightCm: null } }),
};

const calls: string[] = [];
const catalogue: Pick<OfferCatalog, 'detail'> = {
  detail: async (offerId) => {
    calls.push(offerId);
    const d = OFFERS[offerId];
    if (!d) throw new DomainError('not_found', `no offer ${offerId}`);
    return { source: '1688:product.search.queryProductDetail', asOf: '2026-12-01T00:00:00.000Z', cached: false, data: d } satisfies Sourced<OfferDetail>;
  },
};
const ports = { alibaba: { offers: catalogue } };

const scenario = (quantity: number, offer: { offerId: string; skuId?: string }, freight: Partial<WithOffer<MarginScenario>['freight']> = {}): WithOffer<MarginScenario> => ({
  saleDate: '2025-06-02',
  category: 'kitchen',
  purchase: { quantity, agentFeePercent: 0, chinaShippingFen: 0, offer },
  exchange: { cnyKrw: 190, usdKrw: 1380, source: 'test', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 4000, minimumChargeKrw: 0, volumetricDivisor: 6000, weightStepGrams: 500, ...freight },
  customs: { importType: 'bulk', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller' },
  vatRegistered: false,
  selling: {
    channel: 'naver_smart_store', salePriceKrw: 19_900, shippingFeeKrw: 0, discountKrw: 0, discountPercent: 0, naverTier: 'general',
    inflow: 'naver_shopping', sellerShippingCostKrw: 0, packagingKrw: 0, returns: { ratePercent: 0, costPerReturnKrw: 0 },
  },
});

const full = async (s: WithOffer<MarginScenario>) => (await marginFromOffer(ports, s, 'full')) as MarginResult & { offer: NonNullable<Awaited<ReturnType<typeof marginFromOffer>>['offer']> };
const issues = async (p: Promise<unknown>) => {
  const error = await p.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidScenario);
  return (error as InvalidScenario).issues;
};

describe('tiers from the minimum order', () => {
  it('starts the tiers at the minimum order with the last price that applies there', () => {
    expect(tiersFromMoq([{ minQuantity: 50, unitPriceFen: 2200 }, { minQuantity: 3, unitPriceFen: 2500 }, { minQuantity: 1, unitPriceFen: 2600 }], 5)).toEqual([
      { minQuantity: 5, unitPriceFen: 2500 },
      { minQuantity: 50, unitPriceFen: 2200 },
    ]);
    // A tier starting exactly at the minimum stays; tiers above it stay as they are.
    expect(tiersFromMoq([{ minQuantity: 5, unitPriceFen: 900 }, { minQuantity: 6, unitPriceFen: 800 }], 5)).toEqual([
      { minQuantity: 5, unitPriceFen: 900 },
      { minQuantity: 6, unitPriceFen: 800 },
    ]);
  });
});

describe('margin priced from an offer', () => {
  it('refuses a quantity below the minimum order, naming it', async () => {
    expect(await issues(marginFromOffer(ports, scenario(4, { offerId: '700000000001' }), 'full'))).toEqual([
      { field: 'purchase.quantity', message: 'Below the minimum order quantity of 5 of offer 700000000001.' },
    ]);
  });

  it('prices each quantity at its tier: 5 and 49 at 25.00, 50 at 22.00, 200 at 20.00 yuan', async () => {
    // 25.00 yuan x 190 = 4,750 won; 5 x 500 g = 2.5 kg x 4,000 = 10,000 won / 5 = 2,000 won a unit.
    const at5 = await full(scenario(5, { offerId: '700000000001' }));
    expect(at5.landed).toMatchObject({ unitPriceFen: 2500, priceTier: { minQuantity: 5, unitPriceFen: 2500 } });
    expect(at5.landed.perUnit).toMatchObject({ goods: 4750, internationalFreight: 2000 });
    // 49 x 500 g = 24.5 kg x 4,000 = 98,000 won / 49 = 2,000 won.
    const at49 = await full(scenario(49, { offerId: '700000000001' }));
    expect(at49.landed.perUnit).toMatchObject({ goods: 4750, internationalFreight: 2000 });
    // 22.00 x 190 = 4,180; 20.00 x 190 = 3,800.
    expect((await full(scenario(50, { offerId: '700000000001' }))).landed.perUnit.goods).toBe(4180);
    expect((await full(scenario(200, { offerId: '700000000001' }))).landed.perUnit.goods).toBe(3800);
    expect(at5.offer).toMatchObject({
      offerId: '700000000001', skuId: null, asOf: '2026-12-01T00:00:00.000Z', source: '1688:product.search.queryProductDetail', minOrderQuantity: 5,
      unitWeightGrams: 500, weightFrom: 'offer', unitDimensionsCm: { length: 20, width: 10, height: 10 }, sizeFrom: 'offer',
    });
  });

  it("prices a per-SKU offer at the SKU's price and weight, and needs the SKU named", async () => {
    // s1: 10.00 x 190 = 1,900 won; 2 x 300 g = 600 g, step 100 -> 0.6 kg x 4,000 = 2,400 / 2 = 1,200 won.
    const s1 = await full(scenario(2, { offerId: '700000000002', skuId: 's1' }, { weightStepGrams: 100 }));
    expect(s1.landed.perUnit).toMatchObject({ goods: 1900, internationalFreight: 1200 });
    expect(s1.offer).toMatchObject({ skuId: 's1', weightFrom: 'sku', priceTiers: [{ minQuantity: 2, unitPriceFen: 1000 }], sizeFrom: 'none', unitDimensionsCm: null });
    // s2 has no weight of its own: the offer's 400 g -> 0.8 kg x 4,000 = 3,200 / 2 = 1,600; 12.00 x 190 = 2,280.
    const s2 = await full(scenario(2, { offerId: '700000000002', skuId: 's2' }, { weightStepGrams: 100 }));
    expect(s2.landed.perUnit).toMatchObject({ goods: 2280, internationalFreight: 1600 });
    expect(s2.offer.weightFrom).toBe('offer');
    // A weight in the request wins: 2 x 1,000 g = 2 kg x 4,000 = 8,000 / 2 = 4,000.
    const given = await full(scenario(2, { offerId: '700000000002', skuId: 's1' }, { weightStepGrams: 100, unitWeightGrams: 1000 }));
    expect(given.landed.perUnit.internationalFreight).toBe(4000);
    expect(given.offer.weightFrom).toBe('request');

    expect(await issues(marginFromOffer(ports, scenario(2, { offerId: '700000000002' }), 'full'))).toEqual([
      { field: 'purchase.offer.skuId', message: 'Offer 700000000002 prices each SKU differently: name one of s1, s2.' },
    ]);
    expect((await issues(marginFromOffer(ports, scenario(2, { offerId: '700000000002', skuId: 's9' }), 'full')))[0]).toMatchObject({ field: 'purchase.offer.skuId', message: expect.stringContaining('its SKUs are s1, s2') });
    expect((await issues(marginFromOffer(ports, scenario(1, { offerId: '700000000002', skuId: 's1' }), 'full')))[0]!.message).toContain('minimum order quantity of 2');
  });

  it('needs a weight from somewhere, an offer 1688 knows, and not prices beside the offer', async () => {
    expect((await issues(marginFromOffer(ports, scenario(1, { offerId: '700000000003' }), 'full')))[0]!.field).toBe('freight.unitWeightGrams');
    expect((await issues(marginFromOffer(ports, scenario(1, { offerId: '799999999999' }), 'full')))[0]).toEqual({ field: 'purchase.offer.offerId', message: '1688 has no offer 799999999999.' });
    const both = scenario(5, { offerId: '700000000001' });
    both.purchase.unitPriceFen = 100;
    expect((await issues(marginFromOffer(ports, both, 'full')))[0]!.field).toBe('purchase.offer');
    expect(() => withoutOffer({ freight: {} })).toThrow(InvalidScenario);
  });

  it('compare names each quantity below the minimum order', async () => {
    const { selling, purchase, ...rest } = scenario(1, { offerId: '700000000001' });
    const { quantity: _q, ...noQuantity } = purchase;
    const input = { ...rest, purchase: noQuantity, quantities: [4, 5, 50], channels: [selling] };
    expect(await issues(compareFromOffer(ports, input))).toEqual([{ field: 'quantities.0', message: 'Below the minimum order quantity of 5 of offer 700000000001.' }]);
    const ok = await compareFromOffer(ports, { ...input, quantities: [5, 50] });
    expect(ok.cells.map((c) => c.quantity)).toEqual([5, 50]);
    expect(ok.offer?.offerId).toBe('700000000001');
  });
});

describe('landed quote', () => {
  it('prices every tier from the minimum order with the stated defaults, and the margin at the minimum order', async () => {
    const q = await landedQuote(ports, { offerId: '700000000001', salePriceKrw: 19_900, saleDate: '2025-06-02' });
    expect(q.tiers.map((t) => [t.quantity, t.unitPriceFen, t.goods])).toEqual([
      [5, 2500, 4750],
      [50, 2200, 4180],
      [200, 2000, 3800],
    ]);
    expect(q.assumptions).toMatchObject({ cnyKrw: 190, ratePerKgKrw: 4000, channel: 'naver_smart_store', category: 'other' });
    expect(q.assumptions.defaulted).toEqual(['cnyKrw', 'usdKrw', 'ratePerKgKrw', 'agentFeePercent', 'chinaShippingFen', 'category', 'channel', 'quantity']);
    expect(q.quantity).toBe(5);
    expect(q.margin).toMatchObject({ quantity: 5, channel: 'naver_smart_store', landedCost: q.tiers[0]!.landedCostPerUnit });
    // Given values are used and not listed as defaulted: 25.00 x 200 = 5,000 won.
    const given = await landedQuote(ports, { offerId: '700000000001', cnyKrw: 200, quantity: 7, saleDate: '2025-06-02' });
    expect(given.tiers[0]!.goods).toBe(5000);
    expect(given.assumptions.defaulted).not.toContain('cnyKrw');
    expect(given.margin).toBeNull();
    const below = await landedQuote(ports, { offerId: '700000000001', quantity: 4, saleDate: '2025-06-02' }).catch((e: DomainError) => e);
    expect(below).toMatchObject({ code: 'invalid', details: { errors: [{ in: 'query', field: 'quantity', message: 'Below the minimum order quantity of 5 of offer 700000000001.' }] } });
  });
});
