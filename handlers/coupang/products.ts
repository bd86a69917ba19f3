import * as z from 'zod';
import type { CoupangProduct, ProductSearchQuery, ProductSearchResult, Provenance } from '../../core/coupang/model.ts';
import { searchProducts } from '../../core/coupang/search.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { provenance, providerProblems, toSourcedBody } from './schemas.ts';

const searchQuery = inputOf<ProductSearchQuery>()(
  z.object({
    keyword: z.string().trim().min(1, 'expected a keyword').max(50, 'expected at most 50 characters'),
    limit: z.coerce.number().int('expected an integer').min(1, 'expected 1 to 10').max(10, 'expected 1 to 10').default(10),
  }),
);

const coupangProduct = schemaOf<CoupangProduct>()(
  z
    .object({
      productId: z.string(),
      name: z.string(),
      price: z.number().int().describe('Won'),
      rocket: z.boolean().describe('Rocket delivery'),
      freeShipping: z.boolean(),
      ad: z.boolean().describe('An advertised placement'),
      rank: z.number().int().describe("1-based position in Coupang's results"),
      url: z.string(),
      image: z.string(),
    })
    .meta({ id: 'CoupangProduct' }),
);

const searchResult = schemaOf<ProductSearchResult & Provenance>()(
  z.object({ keyword: z.string(), landingUrl: z.string(), items: z.array(coupangProduct), ...provenance }).meta({ id: 'CoupangProductSearchResult' }),
);

export const searchProductsEndpoint = defineEndpoint({
  id: 'coupang.searchProducts',
  method: 'GET',
  path: '/v1/coupang/products/search',
  summary: 'Coupang product search (Partners), normalised',
  description:
    "Coupang's top products for a keyword (at most 10): name, price in won, Rocket, free shipping, advertised, rank. Cached per keyword for " +
    'COUPANG_CACHE_SEARCH_TTL_S (the Partners quota is tight); a spent quota answers 429 with Retry-After.',
  tags: ['coupang'],
  access: 'tenant',
  query: searchQuery,
  responses: { 200: searchResult, ...providerProblems },
  run: async ({ query }, { ports, signal }) => ({ status: 200, body: toSourcedBody(await searchProducts(ports, query, { signal })) }),
});
