/**
 * `/v1/analysis/margin` and `/v1/analysis/margin/compare`. Every range in the request schemas is explicit, so an
 * out-of-range value is a 400 naming the field before the engine runs; rules between fields are checked by core
 * and also answer 400.
 */
import * as z from 'zod';
import { compareMargins } from '../../core/analysis/compare.ts';
import { CUSTOMS_ROUTES } from '../../core/analysis/customs.ts';
import { CATEGORIES, CHANNELS, kstDate, NAVER_TIERS, ROCKET_GROWTH_TIERS } from '../../core/analysis/fee-tables.ts';
import { computeMargin, computeMarginSummary } from '../../core/analysis/margin.ts';
import { InvalidScenario } from '../../core/analysis/margin/checks.ts';
import { MAX_SALE_PRICE_KRW } from '../../core/analysis/margin/price-search.ts';
import type { CompareInput, CompareResult, FromOffer, MarginResult, MarginScenario, MarginSummary, OfferPurchase, WithOffer } from '../../core/analysis/model.ts';
import { compareFromOffer, marginFromOffer, withoutOffer } from '../../core/analysis/sourcing.ts';
import { OFFER_ID } from '../../core/alibaba/offer.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';

// -------------------------------------------------------------------------------------------------- requests

/** A request may leave out the sale date: today in Korea then. */
type Undated<T extends { saleDate: string }> = Omit<T, 'saleDate'> & { saleDate?: string | undefined };

const int = (min: number, max: number) => z.int().min(min).max(max);
const num = (min: number, max: number) => z.number().min(min).max(max);
const isoDate = z.iso.date();

const MAX_QUANTITY = 1_000_000;

const priceTier = z.object({
  minQuantity: int(1, MAX_QUANTITY).describe('Smallest order quantity this tier applies to'),
  unitPriceFen: int(1, 100_000_000).describe('Unit price in fen (1/100 yuan)'),
});

const purchaseFields = {
  unitPriceFen: int(1, 100_000_000).optional().describe('Unit price in fen (1/100 yuan); or give priceTiers'),
  priceTiers: z.array(priceTier).min(1).max(20).optional().describe('1688 price tiers by quantity; the highest tier at or below the quantity applies'),
  agentFeePercent: num(0, 30).default(0).describe("Purchasing agent's fee on the goods value"),
  chinaShippingFen: int(0, 10_000_000).default(0).describe('China domestic shipping per shipment, fen'),
  offer: z
    .object({
      offerId: z.string().regex(OFFER_ID, 'expected a 1688 offer id (digits)'),
      skuId: z.string().regex(/^[0-9A-Za-z_-]{1,40}$/, 'expected a SKU id of the offer').optional(),
    })
    .optional()
    .describe('A 1688 offer to price from instead of unitPriceFen/priceTiers: its tiers or SKU price, minimum order, weight and size'),
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
    unitWeightGrams: int(1, 100_000).optional().describe("Actual weight of one unit, packed; required unless purchase.offer gives it (a value here wins over the offer's)"),
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

export const marginRequest = inputOf<Undated<WithOffer<MarginScenario>>>()(
  z
    .object({
      ...productFields,
      purchase: z.object({ ...purchaseFields, quantity: int(1, MAX_QUANTITY) }),
      selling,
    })
    .meta({ id: 'MarginRequest' }),
);

export const compareRequest = inputOf<Undated<WithOffer<CompareInput>>>()(
  z
    .object({
      ...productFields,
      purchase: z.object(purchaseFields),
      quantities: z.array(int(1, MAX_QUANTITY)).min(1).max(20),
      channels: z.array(selling).min(1).max(8),
    })
    .meta({ id: 'MarginCompareRequest' }),
);

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

export const offerPurchase = schemaOf<OfferPurchase>()(
  z
    .object({
      offerId: z.string(),
      skuId: z.string().nullable(),
      subject: z.string().describe('Chinese subject of the offer'),
      source: z.string(),
      asOf: z.string().describe('When 1688 gave the offer (ISO 8601)'),
      cached: z.boolean(),
      quoteType: z.enum(['by_quantity', 'by_sku', 'sku_by_quantity']),
      minOrderQuantity: z.int(),
      priceTiers: z.array(priceTier).describe('The tiers priced with, from the minimum order'),
      unitWeightGrams: z.int(),
      weightFrom: z.enum(['sku', 'offer', 'request']),
      unitDimensionsCm: z.object({ length: z.number(), width: z.number(), height: z.number() }).nullable(),
      sizeFrom: z.enum(['offer', 'request', 'none']),
    })
    .meta({ id: 'OfferPurchase' }),
);
const fromOffer = { offer: offerPurchase.optional().describe('The 1688 offer the purchase was priced from (requests with purchase.offer)') };

const marginResult = schemaOf<FromOffer<MarginResult>>()(
  z
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
      ...fromOffer,
    })
    .meta({ id: 'MarginResult' }),
);

export const marginSummary = schemaOf<FromOffer<MarginSummary>>()(
  z
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
      ...fromOffer,
    })
    .meta({ id: 'MarginSummary' }),
);

const cellRef = { channel: z.enum(CHANNELS), quantity: z.int() };
const compareResult = schemaOf<FromOffer<CompareResult>>()(
  z
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
      ...fromOffer,
    })
    .meta({ id: 'MarginCompareResult' }),
);

// ------------------------------------------------------------------------------------------------- endpoints

const example: z.input<typeof marginRequest> = {
  saleDate: '2025-06-02',
  category: 'kitchen',
  purchase: { unitPriceFen: 2350, quantity: 100, agentFeePercent: 5, chinaShippingFen: 3000 },
  exchange: { cnyKrw: 190, usdKrw: 1380, source: 'KEB Hana Bank selling rate', asOf: '2025-06-01' },
  freight: { ratePerKgKrw: 4000, minimumChargeKrw: 10_000, unitWeightGrams: 300, unitDimensionsCm: { length: 20, width: 15, height: 10 } },
  customs: { importType: 'bulk', dutyPaidBy: 'seller' },
  selling: { channel: 'naver_smart_store', salePriceKrw: 19_900, shippingFeeKrw: 3000, sellerShippingCostKrw: 3000, packagingKrw: 300, naverTier: 'medium1' },
  targetMarginPercent: 30,
};

/** Pricing from a 1688 offer can meet the provider's failures. */
const offerProblems = {
  422: problemSchema.describe('1688 gives no price for the offer'),
  429: problemSchema.describe('1688 rate limited'),
  502: problemSchema.describe('1688 failed or refused our credentials'),
  503: problemSchema.describe('1688 is not configured'),
};

/** Core names each bad field by its path in the scenario; on the wire, the scenario is the request body. */
const fieldsInBody = (error: unknown): unknown =>
  error instanceof InvalidScenario
    ? new DomainError('invalid', error.message, {
        details: { errors: error.issues.map((i) => ({ in: 'body', field: i.field, message: i.message, code: 'invalid' })) },
      })
    : error;

/** The request with its sale date, today in Korea when absent; copied only then (most batch rows carry one). */
const withSaleDate = <B extends { saleDate?: string | undefined }>(body: B, clock: Clock): B & { saleDate: string } =>
  body.saleDate === undefined ? { ...body, saleDate: kstDate(clock.now()) } : (body as B & { saleDate: string });

export const marginEndpoint = defineEndpoint({
  id: 'analysis.margin',
  method: 'POST',
  path: '/v1/analysis/margin',
  summary: 'Landed cost, fees, profit, margin, break-even and target price of one unit',
  description:
    'Prices one unit bought on 1688 and sold on a Korean channel with the fee table in force on `saleDate`. ' +
    'All money is integer won. Rules, rates and the rounding rule: GET /v1/analysis/fee-tables and docs/analysis.md.',
  tags: ['analysis'],
  access: 'tenant',
  pure: true,
  query: z.object({
    view: z.enum(['full', 'summary']).default('full').describe('summary: the headline figures only, for pricing a catalogue in batch'),
  }),
  body: marginRequest,
  example,
  responses: { 200: z.union([marginResult, marginSummary]), 400: problemSchema, ...offerProblems },
  run: ({ query, body }, { ports, signal }) => {
    const request = withSaleDate(body, ports.clock);
    if (request.purchase.offer) return marginFromOffer(ports, request, query.view, { signal }).then((result) => ({ status: 200 as const, body: result }), (error: unknown) => Promise.reject(fieldsInBody(error)));
    try {
      const scenario = withoutOffer(request);
      return { status: 200, body: query.view === 'summary' ? computeMarginSummary(scenario) : computeMargin(scenario) };
    } catch (error) {
      throw fieldsInBody(error);
    }
  },
});

export const marginCompareEndpoint = defineEndpoint({
  id: 'analysis.marginCompare',
  method: 'POST',
  path: '/v1/analysis/margin/compare',
  summary: 'The same product across channels and order quantities: which earns most',
  description:
    'Computes every (quantity, channel) cell and names the best by total profit of the order, by profit per unit ' +
    'and by ROI. Ties keep the earlier cell in request order (quantities outer, channels inner).',
  tags: ['analysis'],
  access: 'tenant',
  pure: true,
  body: compareRequest,
  example: {
    saleDate: example.saleDate,
    category: example.category,
    purchase: { priceTiers: [{ minQuantity: 2, unitPriceFen: 2500 }, { minQuantity: 100, unitPriceFen: 2350 }, { minQuantity: 500, unitPriceFen: 2100 }] },
    exchange: example.exchange,
    freight: example.freight,
    quantities: [10, 100, 500],
    channels: [
      { channel: 'naver_smart_store', salePriceKrw: 19_900, shippingFeeKrw: 3000, sellerShippingCostKrw: 3000 },
      { channel: 'coupang_wing', salePriceKrw: 19_900, shippingFeeKrw: 3000, sellerShippingCostKrw: 3000 },
      { channel: 'coupang_rocket_growth', salePriceKrw: 21_900 },
    ],
  },
  responses: { 200: compareResult, 400: problemSchema, ...offerProblems },
  run: ({ body }, { ports, signal }) => {
    const request = withSaleDate(body, ports.clock);
    if (request.purchase.offer) return compareFromOffer(ports, request, { signal }).then((result) => ({ status: 200 as const, body: result }), (error: unknown) => Promise.reject(fieldsInBody(error)));
    try {
      return { status: 200, body: compareMargins(withoutOffer(request)) };
    } catch (error) {
      throw fieldsInBody(error);
    }
  },
});
