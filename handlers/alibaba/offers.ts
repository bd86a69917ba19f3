/**
 * `/v1/alibaba/offers/...`: 1688 offers by keyword (Korean translated into Chinese search terms) or by image, one
 * offer's detail, and its landed cost and margin (the analysis context's engine, through its sourcing use case).
 */
import * as z from 'zod';
import { CUSTOMS_ROUTES } from '../../core/analysis/customs.ts';
import { CATEGORIES, CHANNELS, kstDate } from '../../core/analysis/fee-tables.ts';
import type { LandedQuote } from '../../core/analysis/model.ts';
import { MAX_SALE_PRICE_KRW } from '../../core/analysis/margin/price-search.ts';
import { landedQuote } from '../../core/analysis/sourcing.ts';
import { searchOffersByImage, type ImageSearchInput } from '../../core/alibaba/image-search.ts';
import { MAX_IMAGE_BASE64_CHARS, MAX_PAGE_SIZE, OFFER_SORTS, QUOTE_TYPES, type ImageSearchResult, type OfferDetail, type OfferSearchQuery, type OfferSearchResult, type Provenance } from '../../core/alibaba/model.ts';
import { OFFER_ID, offerDetail } from '../../core/alibaba/offer.ts';
import { searchOffers } from '../../core/alibaba/search.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { marginSummary, offerPurchase } from '../analysis/margin.ts';
import { offerPageFields, provenance, providerProblems, toSourcedBody } from './schemas.ts';

const page = {
  page: z.coerce.number().int('expected an integer').min(1, 'expected 1 or more').max(1000, 'expected at most 1000').default(1),
  pageSize: z.coerce.number().int('expected an integer').min(1, `expected 1 to ${MAX_PAGE_SIZE}`).max(MAX_PAGE_SIZE, `expected 1 to ${MAX_PAGE_SIZE}`).default(20),
};
const yuan = z.coerce.number({ error: 'expected an amount in yuan' }).min(0, 'expected 0 or more').max(1_000_000, 'expected at most 1000000').optional();

const searchQuery = inputOf<OfferSearchQuery>()(
  z
    .object({
      keyword: z.string().trim().min(1, 'expected a search keyword').max(100, 'expected at most 100 characters'),
      ...page,
      priceMin: yuan.describe('Lowest unit price, yuan'),
      priceMax: yuan.describe('Highest unit price, yuan'),
      sort: z.enum(OFFER_SORTS, { error: `expected ${OFFER_SORTS.join(', ')}` }).default('relevance'),
      translate: z.enum(['auto', 'off'], { error: 'expected auto or off' }).default('auto').describe('auto: Korean is translated into Chinese search terms; off: searched as given'),
    })
    .superRefine((q, ctx) => {
      if (q.priceMin !== undefined && q.priceMax !== undefined && q.priceMin > q.priceMax) ctx.addIssue({ code: 'custom', path: ['priceMax'], message: 'must not be below priceMin' });
    }),
);

const translation = z.object({ from: z.string(), to: z.string() });
const searchResult = schemaOf<OfferSearchResult & Provenance>()(
  z
    .object({
      ...offerPageFields,
      searched: z
        .object({
          query: z.string().describe('What was asked'),
          keyword: z.string().describe('The keyword sent to 1688'),
          terms: z.array(z.string()),
          method: z.enum(['as_given', 'glossary', 'llm']).describe('How the terms were obtained'),
          translated: z.array(translation),
          untranslated: z.array(z.string()).describe('Korean words no term is known for (left out of the search)'),
        })
        .meta({ id: 'AlibabaSearchedTerms' }),
      ...provenance,
    })
    .meta({ id: 'AlibabaOfferSearchResult' }),
);

const offerIdParam = z.object({ offerId: z.string().regex(OFFER_ID, 'expected a 1688 offer id (digits)') });

export const searchOffersEndpoint = defineEndpoint({
  id: 'alibaba.searchOffers',
  method: 'GET',
  path: '/v1/alibaba/offers/search',
  summary: '1688 offers for a keyword, Korean translated into Chinese',
  description:
    'With `translate=auto` (the default) a Korean keyword is cut into known words and searched with their Chinese terms; `searched` says which ' +
    'terms went to 1688 and how they were obtained (`glossary`; `as_given` for a Chinese keyword or `translate=off`). Prices in fen. ' +
    'Pages are cached for ALIBABA_CACHE_SEARCH_TTL_S; `source`, `asOf` and `cached` say where the figures come from.',
  tags: ['alibaba'],
  access: 'tenant',
  query: searchQuery,
  responses: { 200: searchResult, ...providerProblems },
  run: async ({ query }, { ports, signal }) => ({ status: 200, body: toSourcedBody(await searchOffers(ports, query, { signal })) }),
});

const tier = z.object({ minQuantity: z.int(), unitPriceFen: z.int() });
const detailResult = schemaOf<OfferDetail & Provenance>()(
  z
    .object({
      offerId: z.string(),
      subject: z.string(),
      subjectTranslated: z.string().nullable(),
      categoryId: z.string().nullable(),
      status: z.string().nullable(),
      minOrderQuantity: z.int(),
      quoteType: z.enum(QUOTE_TYPES).describe('by_quantity: priceTiers apply; by_sku: each SKU its price; sku_by_quantity: priceTiers apply to every SKU'),
      priceTiers: z.array(tier).describe('Ascending by minQuantity (1688 startQuantity)'),
      skus: z.array(
        z.object({
          skuId: z.string(),
          specId: z.string().nullable(),
          stock: z.int().nullable(),
          priceFen: z.int().nullable(),
          promotionPriceFen: z.int().nullable(),
          attributes: z.array(z.object({ name: z.string(), nameTranslated: z.string().nullable(), value: z.string(), valueTranslated: z.string().nullable(), imageUrl: z.string().nullable() })),
          weightGrams: z.int().nullable(),
        }),
      ),
      stock: z.int().nullable(),
      unit: z.string().nullable(),
      shipping: z.object({ weightKg: z.number().nullable(), lengthCm: z.number().nullable(), widthCm: z.number().nullable(), heightCm: z.number().nullable() }),
      seller: z.object({ openId: z.string().nullable(), companyName: z.string().nullable() }),
      images: z.array(z.string()),
      ...provenance,
    })
    .meta({ id: 'AlibabaOfferDetail' }),
);

export const getOfferEndpoint = defineEndpoint({
  id: 'alibaba.getOffer',
  method: 'GET',
  path: '/v1/alibaba/offers/{offerId}',
  summary: "One 1688 offer: SKUs, quantity price tiers, MOQ, weight and size, seller",
  description: 'Cached for ALIBABA_CACHE_DETAIL_TTL_S. Weights in kg and sizes in cm for the offer; per-SKU weights in grams where 1688 gives them.',
  tags: ['alibaba'],
  access: 'tenant',
  params: offerIdParam,
  responses: { 200: detailResult, ...providerProblems },
  run: async ({ params }, { ports, signal }) => ({ status: 200, body: toSourcedBody(await offerDetail(ports, params.offerId, { signal })) }),
});

const imageBody = inputOf<ImageSearchInput>()(
  z
    .object({
      imageBase64: z.string().max(MAX_IMAGE_BASE64_CHARS, 'expected at most 750 KiB of image, base64-encoded; send larger images by imageUrl').optional().describe('JPEG, PNG, WebP, GIF or BMP, base64 (a data: URL prefix is accepted); at most 750 KiB decoded'),
      imageUrl: z.string().max(2048, 'expected at most 2048 characters').regex(/^https?:\/\/[^\s/?#]+[^\s]*$/i, 'expected an http(s) URL').optional().describe('An http(s) address of an image 1688 can fetch'),
      // JSON numbers, not coerced strings: the body compiles to the fast parser.
      page: z.int('expected an integer').min(1, 'expected 1 or more').max(1000, 'expected at most 1000').default(1),
      pageSize: z.int('expected an integer').min(1, `expected 1 to ${MAX_PAGE_SIZE}`).max(MAX_PAGE_SIZE, `expected 1 to ${MAX_PAGE_SIZE}`).default(20),
    })
    .meta({ id: 'AlibabaImageSearchRequest' }),
);

const imageResult = schemaOf<ImageSearchResult & Provenance>()(
  z
    .object({
      ...offerPageFields,
      image: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('upload'), imageId: z.string(), format: z.enum(['jpeg', 'png', 'webp', 'gif', 'bmp']), bytes: z.int() }),
        z.object({ kind: z.literal('url'), imageUrl: z.string() }),
      ]),
      ...provenance,
    })
    .meta({ id: 'AlibabaImageSearchResult' }),
);

export const imageSearchEndpoint = defineEndpoint({
  id: 'alibaba.imageSearch',
  method: 'POST',
  path: '/v1/alibaba/offers/image-search',
  summary: '1688 offers that look like an image',
  description: 'Give exactly one of `imageBase64` (uploaded to 1688 first) or `imageUrl`. Same offer shape as the keyword search; not cached.',
  tags: ['alibaba'],
  access: 'tenant',
  // A search changes nothing: a repeated request simply searches again.
  idempotent: false,
  body: imageBody,
  example: { imageUrl: 'https://cbu01.alicdn.com/img/ibank/O1CN01camping-chair.jpg', pageSize: 10 },
  responses: { 200: imageResult, ...providerProblems },
  run: async ({ body }, { ports, signal }) => ({ status: 200, body: toSourcedBody(await searchOffersByImage(ports, body, { signal })) }),
});

const landedQuery = z.object({
  skuId: z.string().regex(/^[0-9A-Za-z_-]{1,40}$/, 'expected a SKU id of the offer').optional(),
  quantity: z.coerce.number().int('expected an integer').min(1, 'expected 1 or more').max(1_000_000).optional().describe('Order quantity for the margin; default the offer\'s minimum order'),
  channel: z.enum(CHANNELS, { error: `expected ${CHANNELS.join(', ')}` }).optional().describe('Default naver_smart_store'),
  salePriceKrw: z.coerce.number().int('expected whole won').min(1).max(MAX_SALE_PRICE_KRW, `expected at most ${MAX_SALE_PRICE_KRW} won`).optional().describe('List price per unit; without it only the landed costs are answered'),
  cnyKrw: z.coerce.number().min(50).max(500).optional().describe('Won per yuan; default 190'),
  usdKrw: z.coerce.number().min(500).max(3000).optional().describe('Won per dollar; default 1380'),
  ratePerKgKrw: z.coerce.number().int().min(0).max(200_000).optional().describe('International freight per chargeable kg; default 4000'),
  agentFeePercent: z.coerce.number().min(0).max(30).optional().describe("Purchasing agent's fee; default 0"),
  chinaShippingFen: z.coerce.number().int().min(0).max(10_000_000).optional().describe('China domestic shipping per shipment; default 0'),
  category: z.enum(CATEGORIES, { error: 'expected a category of GET /v1/analysis/fee-tables' }).optional().describe('Default other'),
});

const landedResult = schemaOf<LandedQuote>()(
  z
    .object({
      offer: offerPurchase,
      assumptions: z.object({
        cnyKrw: z.number(),
        usdKrw: z.number(),
        ratePerKgKrw: z.number(),
        agentFeePercent: z.number(),
        chinaShippingFen: z.number(),
        category: z.enum(CATEGORIES),
        channel: z.enum(CHANNELS),
        saleDate: z.string(),
        importType: z.enum(['personal', 'bulk']),
        dutyPaidBy: z.enum(['seller', 'buyer']),
        defaulted: z.array(z.string()).describe('The assumptions the request left to their defaults'),
      }),
      tiers: z.array(
        z.object({
          quantity: z.int(),
          unitPriceFen: z.int(),
          landedCostPerUnit: z.int(),
          goods: z.int(),
          agentFee: z.int(),
          internationalFreight: z.int(),
          duty: z.int(),
          importVat: z.int(),
          customsRoute: z.enum(CUSTOMS_ROUTES),
          customsExempt: z.boolean(),
        }),
      ),
      quantity: z.int(),
      margin: marginSummary.omit({ offer: true }).nullable().describe('The margin summary on the channel at `quantity`; null without salePriceKrw'),
    })
    .meta({ id: 'AlibabaLandedQuote' }),
);

export const landedCostEndpoint = defineEndpoint({
  id: 'alibaba.landedCost',
  method: 'GET',
  path: '/v1/alibaba/offers/{offerId}/landed',
  summary: "An offer's landed cost per unit at each price tier, and the margin on a channel",
  description:
    'Landed cost in won per unit at the start of each price tier (from the minimum order), and with `salePriceKrw` the margin summary on `channel` ' +
    'at `quantity`. Exchange rates, freight rate, agent fee and category default to the values in `assumptions` (named in `defaulted`); ' +
    'the margin engine of POST /v1/analysis/margin computes every figure.',
  tags: ['alibaba'],
  access: 'tenant',
  params: offerIdParam,
  query: landedQuery,
  responses: { 200: landedResult, ...providerProblems },
  run: async ({ params, query }, { ports, signal }) => ({
    status: 200,
    body: await landedQuote(ports, { ...query, offerId: params.offerId, saleDate: kstDate(ports.clock.now()) }, { signal }),
  }),
});
