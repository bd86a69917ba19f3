/**
 * Request and response schemas of the margin endpoints. Every range is explicit, so an out-of-range value is a
 * 400 naming the field before the engine runs; rules between fields are checked by core and also answer 400.
 */
import { CUSTOMS_ROUTES } from '../../core/analysis/customs.ts';
import * as z from 'zod';
import { CATEGORIES, CHANNELS, NAVER_TIERS, ROCKET_GROWTH_TIERS } from '../../core/analysis/fee-tables.ts';
import { MAX_SALE_PRICE_KRW } from '../../core/analysis/margin.ts';

const int = (min: number, max: number) => z.int().min(min).max(max);
const num = (min: number, max: number) => z.number().min(min).max(max);
const isoDate = z.iso.date();

export const MAX_QUANTITY = 1_000_000;

const priceTier = z.object({
  minQuantity: int(1, MAX_QUANTITY).describe('Smallest order quantity this tier applies to'),
  unitPriceFen: int(1, 100_000_000).describe('Unit price in fen (1/100 yuan)'),
});

const purchaseFields = {
  unitPriceFen: int(1, 100_000_000).optional().describe('Unit price in fen (1/100 yuan); or give priceTiers'),
  priceTiers: z.array(priceTier).min(1).max(20).optional().describe('1688 price tiers by quantity; the highest tier at or below the quantity applies'),
  agentFeePercent: num(0, 30).default(0).describe("Purchasing agent's fee on the goods value"),
  chinaShippingFen: int(0, 10_000_000).default(0).describe('China domestic shipping per shipment, fen'),
};

const exchange = z
  .object({
    cnyKrw: num(50, 500).describe('Won per yuan'),
    usdKrw: num(500, 3000).describe('Won per US dollar'),
    source: z.string().min(1).max(100).describe('Where the rates come from'),
    asOf: isoDate.describe('Date of the rates'),
    customs: z
      .object({ cnyKrw: num(50, 500), usdKrw: num(500, 3000), asOf: isoDate.optional() })
      .optional()
      .describe("Customs (taxation) rates of the declaration's week; the market rates are used when absent"),
  })
  .meta({ id: 'ExchangeRates' });

const freight = z
  .object({
    ratePerKgKrw: int(0, 200_000).describe('International shipping, won per chargeable kg'),
    minimumChargeKrw: int(0, 10_000_000).default(0).describe('Minimum freight charge per shipment'),
    unitWeightGrams: int(1, 100_000).describe('Actual weight of one unit, packed'),
    unitDimensionsCm: z
      .object({ length: num(0.1, 300), width: num(0.1, 300), height: num(0.1, 300) })
      .optional()
      .describe('Packed size of one unit, for volumetric weight'),
    volumetricDivisor: int(1000, 10_000).default(6000).describe('cm3 per kg: volumetric kg = L x W x H / divisor'),
    weightStepGrams: int(1, 10_000).default(500).describe('Chargeable weight is rounded up to this step'),
  })
  .meta({ id: 'Freight' });

const customs = z
  .object({
    importType: z.enum(['personal', 'bulk']).default('bulk').describe('personal: list clearance for personal use; bulk: stock bought for resale'),
    goodsClass: z.enum(['general', 'formal_declaration']).default('general').describe('formal_declaration: food, supplements and other goods list clearance excludes'),
    shippedFrom: z.enum(['CN', 'US', 'other']).default('CN'),
    dutyRatePercent: num(0, 100).optional().describe('The HS-code duty rate; default 8 %, or 13 % for clothing and shoes'),
    hsCode: z.string().regex(/^[0-9.]{4,13}$/, 'HS code digits, e.g. 6109.10').optional(),
    dutyPaidBy: z.enum(['seller', 'buyer']).default('seller').describe('Who pays duty and import VAT'),
  })
  .meta({ id: 'CustomsInput' });

const selling = z
  .object({
    channel: z.enum(CHANNELS),
    salePriceKrw: int(1, MAX_SALE_PRICE_KRW).describe('List price per unit, VAT included'),
    shippingFeeKrw: int(0, 1_000_000).default(0).describe('Shipping fee charged to the buyer per order (ignored on Rocket Growth)'),
    discountKrw: int(0, MAX_SALE_PRICE_KRW).default(0).describe('Seller-funded discount per unit, won'),
    discountPercent: num(0, 90).default(0).describe('Seller-funded discount per unit, percent of the sale price'),
    naverTier: z.enum(NAVER_TIERS).default('general').describe('Naver Pay seller tier (Naver channels)'),
    inflow: z.enum(['naver_shopping', 'marketing_link', 'other']).default('naver_shopping').describe('Where the order came from (Naver channels)'),
    rocketGrowthTier: z.enum(ROCKET_GROWTH_TIERS).optional().describe('Rocket Growth size tier; picked from the unit size when absent'),
    sellerShippingCostKrw: int(0, 1_000_000).default(0).describe('What the seller pays the courier per order'),
    packagingKrw: int(0, 1_000_000).default(0),
    ads: z
      .object({ costPerSaleKrw: int(0, 10_000_000).optional(), spendSharePercent: num(0, 100).optional() })
      .optional()
      .describe('Advertising: a cost per sale, or a share of the price after discounts'),
    returns: z
      .object({ ratePercent: num(0, 100).default(0), costPerReturnKrw: int(0, 1_000_000).default(0) })
      .default({ ratePercent: 0, costPerReturnKrw: 0 })
      .describe('Share of units returned and what each return costs'),
  })
  .meta({ id: 'SellingInput' });

const productFields = {
  saleDate: isoDate.optional().describe('Date of the sale (KST); the fee tables in force that day apply. Default today.'),
  category: z.enum(CATEGORIES).default('other'),
  exchange,
  freight,
  customs: customs.default({ importType: 'bulk', goodsClass: 'general', shippedFrom: 'CN', dutyPaidBy: 'seller' }),
  vatRegistered: z.boolean().default(false).describe('General VAT taxpayer: pays output VAT, recovers input VAT'),
  targetMarginPercent: num(0, 95).optional().describe('Also find the sale price that earns this margin'),
  rateOverrides: z
    .record(z.string().max(80), num(0, 1_000_000))
    .optional()
    .describe('Tenant rates by key (see GET /v1/analysis/fee-tables), in the rate unit and VAT basis'),
};

export const marginRequest = z
  .object({
    ...productFields,
    purchase: z.object({ ...purchaseFields, quantity: int(1, MAX_QUANTITY) }),
    selling,
  })
  .meta({ id: 'MarginRequest' });

export const compareRequest = z
  .object({
    ...productFields,
    purchase: z.object(purchaseFields),
    quantities: z.array(int(1, MAX_QUANTITY)).min(1).max(20),
    channels: z.array(selling).min(1).max(8),
  })
  .meta({ id: 'MarginCompareRequest' });

// ------------------------------------------------------------------------------------------------- responses

const feeLine = z.object({
  key: z.string(),
  unit: z.enum(['percent', 'won']),
  rate: z.number(),
  vatIncluded: z.boolean(),
  baseKrw: z.int(),
  amountExVat: z.int(),
  vat: z.int(),
  amount: z.int(),
  estimate: z.boolean(),
  overridden: z.boolean(),
});

export const marginResult = z
  .object({
    saleDate: z.string(),
    channel: z.enum(CHANNELS),
    category: z.enum(CATEGORIES),
    feeTable: z.object({ id: z.string(), effectiveFrom: z.string(), effectiveTo: z.string().nullable() }),
    landed: z.object({
      quantity: z.int(),
      unitPriceFen: z.int(),
      priceTier: priceTier.nullable(),
      exchange,
      perUnit: z.object({
        goods: z.int(),
        agentFee: z.int(),
        chinaShipping: z.int(),
        internationalFreight: z.int(),
        duty: z.int(),
        importVat: z.int(),
        total: z.int(),
      }),
      shipment: z.object({
        goodsKrw: z.int(),
        agentFeeKrw: z.int(),
        chinaShippingKrw: z.int(),
        actualWeightGrams: z.int(),
        volumetricWeightGrams: z.int(),
        chargeableWeightGrams: z.int(),
        freightKrw: z.int(),
        minimumChargeApplied: z.boolean(),
        customsValueKrw: z.int(),
        dutyKrw: z.int(),
        importVatKrw: z.int(),
      }),
      customs: z.object({
        route: z.enum(CUSTOMS_ROUTES),
        thresholdUsd: z.number().nullable(),
        thresholdRule: z.string().nullable(),
        valueForThresholdUsd: z.number(),
        exempt: z.boolean(),
        reason: z.string(),
        dutyRatePercent: z.number(),
        dutyRateSource: z.enum(['hs_code', 'category_default', 'default']),
        hsCode: z.string().nullable(),
        dutyWaivedBelowMinimum: z.boolean(),
        paidBy: z.enum(['seller', 'buyer']),
      }),
    }),
    sale: z.object({
      salePrice: z.int(),
      discount: z.int(),
      priceAfterDiscounts: z.int(),
      shippingFeeCharged: z.int(),
      buyerPaid: z.int(),
      fees: z.object({ lines: z.array(feeLine), total: z.int() }),
      sellingCosts: z.object({ packaging: z.int(), sellerShipping: z.int(), ads: z.int(), returns: z.int(), total: z.int() }),
      vat: z.object({ output: z.int(), input: z.int(), net: z.int() }).nullable(),
      profit: z.int(),
    }),
    profit: z.int().describe('Profit per unit, won'),
    marginPercent: z.number().nullable().describe('Profit / what the buyer paid, percent'),
    roiPercent: z.number().nullable().describe('Profit / landed cost, percent'),
    breakEvenSalePrice: z.int().nullable().describe('Lowest list price with profit >= 0'),
    target: z.object({ marginPercent: z.number(), salePrice: z.int().nullable() }).nullable(),
    estimates: z.array(z.string()).describe('Keys of estimated rates this result used'),
  })
  .meta({ id: 'MarginResult' });

export const marginSummary = z
  .object({
    saleDate: z.string(),
    channel: z.enum(CHANNELS),
    feeTableId: z.string(),
    quantity: z.int(),
    landedCost: z.int().describe('Landed cost per unit'),
    fees: z.int().describe('Marketplace fees per unit, VAT included'),
    sellingCosts: z.int(),
    netVat: z.int().nullable(),
    buyerPaid: z.int(),
    profit: z.int(),
    marginPercent: z.number().nullable(),
    roiPercent: z.number().nullable(),
    breakEvenSalePrice: z.int().nullable(),
    targetSalePrice: z.int().nullable(),
    customsRoute: z.enum(CUSTOMS_ROUTES),
    customsExempt: z.boolean(),
    estimates: z.array(z.string()),
  })
  .meta({ id: 'MarginSummary' });

const cellRef = { channel: z.enum(CHANNELS), quantity: z.int() };
export const compareResult = z
  .object({
    saleDate: z.string(),
    cells: z.array(
      z.object({
        ...cellRef,
        salePrice: z.int(),
        landedCostPerUnit: z.int(),
        feesPerUnit: z.int(),
        sellingCostsPerUnit: z.int(),
        profitPerUnit: z.int(),
        profitTotal: z.int(),
        marginPercent: z.number().nullable(),
        roiPercent: z.number().nullable(),
        breakEvenSalePrice: z.int().nullable(),
        targetSalePrice: z.int().nullable(),
        customsRoute: z.enum(CUSTOMS_ROUTES),
        customsExempt: z.boolean(),
        feeTableId: z.string(),
      }),
    ),
    best: z.object({
      byProfitTotal: z.object({ ...cellRef, profitTotal: z.int() }),
      byProfitPerUnit: z.object({ ...cellRef, profitPerUnit: z.int() }),
      byRoi: z.object({ ...cellRef, roiPercent: z.number() }).nullable(),
    }),
    estimates: z.array(z.string()),
  })
  .meta({ id: 'MarginCompareResult' });

const rate = z.object({
  key: z.string(),
  label: z.string(),
  unit: z.enum(['percent', 'won']),
  value: z.number(),
  vatIncluded: z.boolean(),
  base: z.enum(['price_after_discounts', 'price_after_discounts_plus_shipping', 'shipping_fee', 'per_unit']),
  estimate: z.boolean(),
  source: z.string(),
});

export const feeTablesResult = z
  .object({
    date: z.string(),
    tables: z.array(
      z.object({
        id: z.string(),
        channel: z.enum(CHANNELS),
        effectiveFrom: z.string(),
        effectiveTo: z.string().nullable(),
        rates: z.array(rate),
        notes: z.array(z.string()),
      }),
    ),
    customs: z.array(
      z.object({
        key: z.string(),
        label: z.string(),
        value: z.number(),
        unit: z.enum(['usd', 'percent', 'won']),
        effectiveFrom: z.string(),
        estimate: z.boolean(),
        source: z.string(),
      }),
    ),
    rounding: z.string(),
  })
  .meta({ id: 'FeeTables' });
