import * as z from 'zod';
import type { Offer, OfferPage, Provenance, Sourced } from '../../core/alibaba/model.ts';
import { problemSchema } from '../kit/problem.ts';
import { schemaOf } from '../kit/schema.ts';

/** 1688's failures reach the caller as these problems (docs/alibaba.md, error mapping). */
export const providerProblems = {
  400: problemSchema,
  404: problemSchema.describe('1688 has no such offer'),
  422: problemSchema.describe('1688 refused the request, or no Chinese term is known for the query'),
  429: problemSchema.describe('1688 or our rate for it is saturated'),
  502: problemSchema.describe('1688 failed or refused our credentials'),
  503: problemSchema.describe('1688 is not configured'),
};

export const provenance = {
  source: z.string().describe('1688 operation the figures come from'),
  asOf: z.string().describe('When 1688 produced them (ISO 8601)'),
  cached: z.boolean().describe('Served from our cache'),
};

/** The wire carries a provider answer's figures and their provenance side by side. */
export const toSourcedBody = <D extends object>(r: Sourced<D>): D & Provenance => ({ ...r.data, source: r.source, asOf: r.asOf, cached: r.cached });

const fen = z.int().nullable().describe('Fen (1/100 yuan); null when 1688 gives none');

export const offer = schemaOf<Offer>()(
  z
    .object({
      offerId: z.string(),
      subject: z.string().describe('Chinese, as the supplier wrote it'),
      subjectTranslated: z.string().nullable().describe("1688's translation (ALIBABA_COUNTRY)"),
      imageUrl: z.string().nullable(),
      priceFen: fen,
      promotionPriceFen: fen,
      consignPriceFen: fen,
      monthSold: z.int().nullable(),
      repurchaseRatePercent: z.number().nullable().describe('Share of buyers who ordered again, percent'),
      minOrderQuantity: z.int().nullable(),
      tradeScore: z.number().nullable(),
      sellerIdentities: z.array(z.string()),
      categoryId: z.string().nullable(),
      shippingPromise: z.string().nullable().describe("1688's shipping promise, e.g. shipIn48Hours"),
    })
    .meta({ id: 'AlibabaOffer' }),
);

export const offerPageFields = {
  total: z.int(),
  totalPages: z.int(),
  page: z.int(),
  pageSize: z.int(),
  offers: z.array(offer),
};

export type { OfferPage };
