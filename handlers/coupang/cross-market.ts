import * as z from 'zod';
import { crossMarket } from '../../core/coupang/cross-market.ts';
import type { CrossMarket } from '../../core/coupang/model.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { schemaOf } from '../kit/schema.ts';
import { provenance, providerProblems } from './schemas.ts';

const side = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('ok'),
    data: z.object({
      listings: z.number().int().describe('Listings compared (the first page of the search)'),
      totalListings: z.number().int().nullable().describe('What the marketplace reports in all; null when it does not say (Coupang)'),
      prices: z
        .object({ min: z.number().int(), q1: z.number().int(), median: z.number().int(), q3: z.number().int(), max: z.number().int() })
        .nullable()
        .describe('Won, nearest-rank quartiles of the listed prices'),
      rocketShare: z.number().nullable().describe('Share of Rocket listings, 0..1; null on Naver'),
    }),
    ...provenance,
  }),
  z.object({ status: z.literal('unavailable'), reason: z.string(), problem: z.string(), retryAfterSeconds: z.number().optional() }),
]);

const listing = { id: z.string(), title: z.string(), price: z.number().int().describe('Won'), url: z.string() };

const crossMarketResult = schemaOf<CrossMarket>()(
  z
    .object({
      keyword: z.string(),
      naver: side,
      coupang: side,
      matches: z.array(
        z.object({
          naver: z.object(listing),
          coupang: z.object({ ...listing, rocket: z.boolean() }),
          score: z.number().describe('0..1; docs/coupang.md "Matching"'),
          basis: z.enum(['model', 'tokens']).describe('A shared model number, or title tokens'),
          priceGap: z.number().int().describe('Coupang minus Naver, won'),
          priceGapPercent: z.number().describe('priceGap over the Naver price, percent'),
        }),
      ),
      missing: z.array(z.enum(['naver', 'coupang'])),
    })
    .meta({ id: 'CoupangCrossMarket' }),
);

export const crossMarketEndpoint = defineEndpoint({
  id: 'coupang.crossMarket',
  method: 'GET',
  path: '/v1/coupang/cross-market',
  summary: 'One keyword on Naver shopping and Coupang side by side',
  description:
    'Listing counts, price spread (min, quartiles, max) and Rocket share per marketplace, the listings that are the same product on both ' +
    '(matched by title tokens and model numbers, with a score) and the price gap of each. A marketplace whose call fails is `unavailable` ' +
    'and named in `missing`; the other still answers. Fails only when both fail.',
  tags: ['coupang'],
  access: 'tenant',
  query: z.object({ keyword: z.string().trim().min(1, 'expected a keyword').max(50, 'expected at most 50 characters') }),
  responses: { 200: crossMarketResult, ...providerProblems },
  run: async ({ query }, { ports, signal }) => ({ status: 200, body: await crossMarket(ports, query.keyword, { signal }) }),
});
