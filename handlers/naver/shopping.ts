import * as z from 'zod';
import type { Provenance, ShoppingProduct, ShoppingQuery, ShoppingResult } from '../../core/naver/model.ts';
import { searchShopping } from '../../core/naver/shopping.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { provenance, providerProblems, toSourcedBody } from './schemas.ts';

const shoppingQuery = inputOf<ShoppingQuery>()(
  z
    .object({
      query: z.string().trim().min(1, 'expected a search query').max(100, 'expected at most 100 characters'),
      sort: z.enum(['sim', 'date', 'asc', 'dsc'], { error: 'expected sim, date, asc or dsc' }).default('sim'),
      page: z.coerce.number().int('expected an integer').min(1, 'expected 1 or more').default(1),
      size: z.coerce.number().int('expected an integer').min(1, 'expected 1 to 100').max(100, 'expected 1 to 100').default(20),
      exclude: z
        .union([z.string(), z.array(z.string())])
        .optional()
        .transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/[:,]/)).map((s) => s.trim()).filter(Boolean)))
        .pipe(z.array(z.enum(['used', 'rental', 'cbshop'], { error: 'expected used, rental or cbshop (colon or comma separated)' }))),
    })
    .superRefine((q, ctx) => {
      // Naver serves results 1..1000 only.
      if ((q.page - 1) * q.size + 1 > 1000) ctx.addIssue({ code: 'custom', path: ['page'], message: `page ${q.page} of ${q.size} starts past result 1000, the most Naver serves` });
    }),
);

const shoppingProduct = schemaOf<ShoppingProduct>()(
  z
    .object({
      productId: z.string(),
      title: z.string(),
      link: z.string(),
      image: z.string(),
      lowPrice: z.number().int().nullable().describe('Won'),
      highPrice: z.number().int().nullable().describe('Won; null when Naver gives none'),
      mall: z.string(),
      productType: z
        .object({ code: z.number().int(), kind: z.enum(['normal', 'used', 'discontinued', 'pre_sale']), listing: z.enum(['catalog', 'unmatched', 'matched']) })
        .nullable(),
      brand: z.string().nullable(),
      maker: z.string().nullable(),
      category: z.array(z.string()),
    })
    .meta({ id: 'NaverShoppingProduct' }),
);

const shoppingResult = schemaOf<ShoppingResult & Provenance>()(
  z
    .object({ query: z.string(), total: z.number().int(), page: z.number().int(), size: z.number().int(), items: z.array(shoppingProduct), ...provenance })
    .meta({ id: 'NaverShoppingResult' }),
);

export const searchShoppingEndpoint = defineEndpoint({
  id: 'naver.searchShopping',
  method: 'GET',
  path: '/v1/naver/shopping/search',
  summary: 'Naver shopping search, normalised',
  description:
    'Products for a query: titles without highlight tags, integer won prices (null when absent), product type decoded, ' +
    'category path, and the total count. Cached for NAVER_CACHE_SEARCH_TTL_S; `source`, `asOf` and `cached` say where the figures come from.',
  tags: ['naver'],
  access: 'tenant',
  query: shoppingQuery,
  responses: { 200: shoppingResult, ...providerProblems },
  run: async ({ query }, { ports, signal }) => ({ status: 200, body: toSourcedBody(await searchShopping(ports, query, { signal })) }),
});
