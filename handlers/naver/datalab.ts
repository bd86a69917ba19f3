import * as z from 'zod';
import { searchTrend, shoppingInsight } from '../../core/naver/datalab.ts';
import type { Provenance, SearchTrendRequest, ShoppingInsightRequest, TrendResult } from '../../core/naver/model.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { inputOf, schemaOf } from '../kit/schema.ts';
import { provenance, providerProblems, toSourcedBody } from './schemas.ts';

const day = z.iso.date('expected yyyy-MM-dd').refine((d) => d >= '2016-01-01', 'DataLab data starts on 2016-01-01');
const period = {
  startDate: day,
  endDate: day,
  timeUnit: z.enum(['date', 'week', 'month'], { error: 'expected date, week or month' }),
  device: z.enum(['pc', 'mo'], { error: 'expected pc or mo' }).optional(),
  gender: z.enum(['m', 'f'], { error: 'expected m or f' }).optional(),
};
const terms = (max: number, what: string) => z.array(z.string().trim().min(1, `expected a non-empty ${what}`).max(100)).min(1, `expected 1 to ${max} ${what}s`).max(max, `expected 1 to ${max} ${what}s`);
const orderedDates = (b: { startDate: string; endDate: string }, ctx: z.RefinementCtx) => {
  if (b.startDate > b.endDate) ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'must not be before startDate' });
};

const trendsBody = inputOf<SearchTrendRequest>()(
  z
    .object({
      ...period,
      ages: z.array(z.enum(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'], { error: 'expected age groups "1".."11"' })).optional(),
      keywordGroups: z
        .array(z.object({ groupName: z.string().trim().min(1, 'expected a group name').max(100), keywords: terms(20, 'keyword') }))
        .min(1, 'expected 1 to 5 keyword groups')
        .max(5, 'expected 1 to 5 keyword groups'),
    })
    .superRefine(orderedDates),
);

const shoppingInsightBody = inputOf<ShoppingInsightRequest>()(
  z.discriminatedUnion(
    'kind',
    [
      z
        .object({
          kind: z.literal('categories'),
          ...period,
          ages: z.array(z.enum(['10', '20', '30', '40', '50', '60'], { error: 'expected age groups "10".."60"' })).optional(),
          categories: z
            .array(z.object({ name: z.string().trim().min(1).max(100), codes: z.array(z.string().regex(/^\d{8}$/, 'expected an 8-digit category code')).min(1).max(1, 'one code per category') }))
            .min(1, 'expected 1 to 3 categories')
            .max(3, 'expected 1 to 3 categories'),
        })
        .superRefine(orderedDates),
      z
        .object({
          kind: z.literal('category_keywords'),
          ...period,
          ages: z.array(z.enum(['10', '20', '30', '40', '50', '60'], { error: 'expected age groups "10".."60"' })).optional(),
          category: z.string().regex(/^\d{8}$/, 'expected an 8-digit category code such as 50000000'),
          keywords: z
            .array(z.object({ name: z.string().trim().min(1).max(100), keywords: terms(1, 'keyword') }))
            .min(1, 'expected 1 to 5 keywords')
            .max(5, 'expected 1 to 5 keywords'),
        })
        .superRefine(orderedDates),
    ],
    { error: 'expected kind categories or category_keywords' },
  ),
);

const trendSeries = z.object({ title: z.string(), terms: z.array(z.string()), data: z.array(z.object({ period: z.string(), ratio: z.number() })) });
const trendResult = schemaOf<TrendResult & Provenance>()(
  z
    .object({ startDate: z.string(), endDate: z.string(), timeUnit: z.enum(['date', 'week', 'month']), series: z.array(trendSeries), ...provenance })
    .meta({ id: 'NaverTrendResult' }),
);

export const trendsEndpoint = defineEndpoint({
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
  run: async ({ body }, { ports, signal }) => ({ status: 200, body: toSourcedBody(await searchTrend(ports, body, { signal })) }),
});

export const shoppingInsightEndpoint = defineEndpoint({
  id: 'naver.shoppingInsight',
  method: 'POST',
  path: '/v1/naver/datalab/shopping-insight',
  summary: 'Shopping click trends of categories, or of keywords within a category (Naver DataLab)',
  tags: ['naver'],
  access: 'tenant',
  body: shoppingInsightBody,
  example: { kind: 'category_keywords', startDate: '2024-01-01', endDate: '2024-12-31', timeUnit: 'month', category: '50000006', keywords: [{ name: '캠핑의자', keywords: ['캠핑의자'] }] },
  responses: { 200: trendResult, ...providerProblems },
  run: async ({ body }, { ports, signal }) => ({ status: 200, body: toSourcedBody(await shoppingInsight(ports, body, { signal })) }),
});
