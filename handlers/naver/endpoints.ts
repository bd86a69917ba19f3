import * as z from 'zod';
import { relatedKeywords } from '../../core/naver/keywords.ts';
import { keywordOverview } from '../../core/naver/overview.ts';
import type { Principal } from '../../core/platform/principal.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { problemSchema } from '../kit/problem.ts';
import { keywordsQuery, keywordsResult, overviewResult, shoppingInsightBody, shoppingQuery, shoppingResult, trendResult, trendsBody } from './schemas.ts';

/** Provider failures reach the caller as these problems (docs/naver.md, error mapping). */
const providerProblems = { 400: problemSchema, 422: problemSchema, 429: problemSchema, 502: problemSchema, 503: problemSchema };

/** Batching never mixes tenants: one tenant's hints never shape another's answer. */
const scopeOf = (p: Principal): string => (p.kind === 'tenant' ? `tenant:${p.tenantId}` : p.kind === 'admin' ? `admin:${p.actorId}` : 'anonymous');

const flatten = <D extends object>(r: { data: D; source: string; asOf: string; cached: boolean }): D & { source: string; asOf: string; cached: boolean } => ({
  ...r.data,
  source: r.source,
  asOf: r.asOf,
  cached: r.cached,
});

export const searchShopping = defineEndpoint({
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
  run: async ({ query }, { ports, signal }) => ({ status: 200, body: flatten(await ports.naver.shopping.search(query, { signal })) }),
});

export const keywords = defineEndpoint({
  id: 'naver.keywords',
  method: 'GET',
  path: '/v1/naver/keywords',
  summary: 'Related keywords and monthly search volumes (Naver Search Ad keyword tool)',
  description:
    '1 to 5 hints (`hint=a&hint=b` or `hint=a,b`; spaces are removed). Volumes below 10 stay a bound (`{"kind":"lessThan","bound":10}`). ' +
    'Concurrent requests of one tenant share provider calls of up to 5 hints (`packedWith` names the other hints).',
  tags: ['naver'],
  access: 'tenant',
  query: keywordsQuery,
  responses: { 200: keywordsResult, ...providerProblems },
  run: async ({ query }, { ports, signal, principal }) => ({
    status: 200,
    body: flatten(await relatedKeywords(ports.naver.keywords, query.hint, { scope: scopeOf(principal), signal })),
  }),
});

export const trends = defineEndpoint({
  id: 'naver.trends',
  method: 'POST',
  path: '/v1/naver/datalab/trends',
  summary: 'Search trend of keyword groups (Naver DataLab)',
  description: 'Relative interest per period (the request\'s maximum is 100), with optional device, gender and age filters.',
  tags: ['naver'],
  access: 'tenant',
  body: trendsBody,
  example: { startDate: '2024-01-01', endDate: '2024-12-31', timeUnit: 'month', keywordGroups: [{ groupName: '캠핑의자', keywords: ['캠핑의자', '캠핑 의자'] }], device: 'mo' },
  responses: { 200: trendResult, ...providerProblems },
  run: async ({ body }, { ports, signal }) => ({ status: 200, body: flatten(await ports.naver.dataLab.searchTrend(body, { signal })) }),
});

export const shoppingInsight = defineEndpoint({
  id: 'naver.shoppingInsight',
  method: 'POST',
  path: '/v1/naver/datalab/shopping-insight',
  summary: 'Shopping click trends of categories, or of keywords within a category (Naver DataLab)',
  tags: ['naver'],
  access: 'tenant',
  body: shoppingInsightBody,
  example: { kind: 'category_keywords', startDate: '2024-01-01', endDate: '2024-12-31', timeUnit: 'month', category: '50000006', keywords: [{ name: '캠핑의자', keywords: ['캠핑의자'] }] },
  responses: { 200: trendResult, ...providerProblems },
  run: async ({ body }, { ports, signal }) => {
    const { kind, ...rest } = body;
    const result =
      rest && kind === 'categories'
        ? await ports.naver.dataLab.categoryTrend(rest as Parameters<typeof ports.naver.dataLab.categoryTrend>[0], { signal })
        : await ports.naver.dataLab.categoryKeywordTrend(rest as Parameters<typeof ports.naver.dataLab.categoryKeywordTrend>[0], { signal });
    return { status: 200, body: flatten(result) };
  },
});

export const overview = defineEndpoint({
  id: 'naver.keywordOverview',
  method: 'GET',
  path: '/v1/naver/keywords/{keyword}/overview',
  summary: "One keyword's demand, supply, competition and seasonality",
  description:
    'Assembled from three provider calls (keyword tool, shopping search, DataLab). A part whose call fails is `unavailable` with the reason ' +
    'and is named in `missing`; the other parts are still answered. Fails only when every call fails.',
  tags: ['naver'],
  access: 'tenant',
  params: z.object({ keyword: z.string().trim().min(1, 'expected a keyword').max(100) }),
  responses: { 200: overviewResult, ...providerProblems },
  run: async ({ params }, { ports, signal, principal }) => ({
    status: 200,
    body: await keywordOverview(ports, params.keyword, { scope: scopeOf(principal), signal }),
  }),
});
