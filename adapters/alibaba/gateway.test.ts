import { describe, expect, it } from 'vitest';
import { fen, normaliseDetail, normaliseOffer, percent } from './gateway.ts';

describe('1688 values', () => {
  it('reads yuan strings as fen from their digits, half-up', () => {
    expect(fen('12.5')).toBe(1250);
    expect(fen('12.50')).toBe(1250);
    expect(fen('0.18')).toBe(18);
    expect(fen('12.345')).toBe(1235);
    expect(fen('12.344')).toBe(1234);
    expect(fen(38.5)).toBe(3850);
    for (const bad of ['', '0', '0.00', '-1', 'abc', '1,200', null, undefined]) expect(fen(bad), String(bad)).toBeNull();
  });

  it('reads repurchase rates as percent numbers', () => {
    expect(percent('10%')).toBe(10);
    expect(percent('12.5%')).toBe(12.5);
    expect(percent(7)).toBe(7);
    expect(percent('n/a')).toBeNull();
  });

  it('normalises a search row', () => {
    expect(
      normaliseOffer({
        offerId: 610000000001,
        subject: '羽绒服',
        subjectTrans: '',
        priceInfo: { price: '168.00', promotionPrice: '' },
        monthSold: '35',
        repurchaseRate: '8%',
        minOrderQuantity: 2,
        tradeScore: '4.5',
        productSimpleShippingInfo: { shippingTimeGuarantee: 'shipIn48Hours' },
      }),
    ).toEqual({
      offerId: '610000000001', subject: '羽绒服', subjectTranslated: null, imageUrl: null, priceFen: 16800, promotionPriceFen: null, consignPriceFen: null,
      monthSold: 35, repurchaseRatePercent: 8, minOrderQuantity: 2, tradeScore: 4.5, sellerIdentities: [], categoryId: null, shippingPromise: 'shipIn48Hours',
    });
  });

  it('reads the quote rule, sorts tiers, keeps SKU weights in grams, and takes the first tier as the minimum when 1688 states none', () => {
    const d = normaliseDetail(
      {
        subject: '椅子',
        productSaleInfo: { quoteType: 2, priceRangeList: [{ startQuantity: 100, price: '9.00' }, { startQuantity: 3, price: '10.00' }, { startQuantity: 0, price: '1' }] },
        productSkuInfos: [{ skuId: 77, price: '10.00', skuAttributes: [{ attributeName: '颜色', value: '黑色', valueTrans: '블랙' }] }],
        productShippingInfo: { weight: '1.2', length: 40, width: 0, height: 10, skuShippingInfoList: [{ skuId: '77', weight: 950 }] },
      },
      '600000000009',
    );
    expect(d.offerId).toBe('600000000009');
    expect(d.quoteType).toBe('sku_by_quantity');
    expect(d.priceTiers).toEqual([{ minQuantity: 3, unitPriceFen: 1000 }, { minQuantity: 100, unitPriceFen: 900 }]);
    expect(d.minOrderQuantity).toBe(3);
    expect(d.skus[0]).toMatchObject({ skuId: '77', weightGrams: 950, attributes: [{ name: '颜色', nameTranslated: null, value: '黑色', valueTranslated: '블랙', imageUrl: null }] });
    expect(d.shipping).toEqual({ weightKg: 1.2, lengthCm: 40, widthCm: null, heightCm: 10 });
    expect(normaliseDetail({ productSaleInfo: { quoteType: 1 } }, '600000000010')).toMatchObject({ quoteType: 'by_sku', minOrderQuantity: 1, priceTiers: [] });
  });
});
