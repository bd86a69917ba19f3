import * as z from 'zod';
import { hintProblem, MAX_HINTS_PER_CALL, normaliseKeyword } from '../../core/naver/keywords.ts';

const provenance = {
  source: z.string().describe('Provider operation the figures come from'),
  asOf: z.string().describe('When the provider produced them (ISO 8601)'),
  cached: z.boolean().describe('Served from our cache'),
};

// ---- Shopping search ----

export const shoppingQuery = z.object({
  query: z.string().trim().min(1, 'expected a search query').max(100, 'expected at most 100 characters'),
  sort: z.enum(['sim', 'date', 'asc', 'dsc'], { error: 'expected sim, date, asc or dsc' }).default('sim'),
  page: z.coerce.number().int('expected an integer').min(1, 'expected 1 or more').default(1),
  size: z.coerce.number().int('expected an integer').min(1, 'expected 1 to 100').max(100, 'expected 1 to 100').default(20),
  exclude: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(/[:,]/)).map((s) => s.trim()).filter(Boolean)))
    .pipe(z.array(z.enum(['used', 'rental', 'cbshop'], { error: 'expected used, rental or cbshop (colon or comma separated)' }))),
}).superRefine((q, ctx) => {
  // Naver serves results 1..1000 only.
  if ((q.page - 1) * q.size + 1 > 1000) ctx.addIssue({ code: 'custom', path: ['page'], message: `page ${q.page} of ${q.size} starts past result 1000, the most Naver serves` });
});

const count = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('exact'), value: z.number().int() }),
  z.object({ kind: z.literal('lessThan'), bound: z.number().int().describe('Naver reports only "< bound"') }),
]).meta({ id: 'NaverCount' });

export const shoppingProduct = z
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
  .meta({ id: 'NaverShoppingProduct' });

export const shoppingResult = z
  .object({ query: z.string(), total: z.number().int(), page: z.number().int(), size: z.number().int(), items: z.array(shoppingProduct), ...provenance })
  .meta({ id: 'NaverShoppingResult' });

// ---- Keywords ----

const toList = (v: string | string[]) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(','));

export const keywordsQuery = z.object({
  hint: z
    .union([z.string(), z.array(z.string())], { error: 'expected 1 to 5 hint keywords' })
    .transform(toList)
    .superRefine((hints, ctx) => {
      for (const h of hints) {
        const problem = hintProblem(h);
        if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(h)} ${problem}` });
      }
      const distinct = new Set(hints.map(normaliseKeyword)).size;
      if (distinct > MAX_HINTS_PER_CALL) ctx.addIssue({ code: 'custom', message: `expected at most ${MAX_HINTS_PER_CALL} distinct hints, got ${distinct}` });
    }),
});

export const keywordStat = z
  .object({
    keyword: z.string(),
    monthlyPcSearches: count,
    monthlyMobileSearches: count,
    monthlyTotalSearches: z.object({ min: z.number().int(), max: z.number().int() }),
    monthlyAvgPcClicks: z.number().nullable(),
    monthlyAvgMobileClicks: z.number().nullable(),
    monthlyAvgPcCtr: z.number().nullable().describe('Percent'),
    monthlyAvgMobileCtr: z.number().nullable().describe('Percent'),
    adDepth: z.number().nullable().describe('Average number of ads shown'),
    competition: z.enum(['low', 'medium', 'high']).nullable(),
  })
  .meta({ id: 'NaverKeywordStat' });

export const keywordsResult = z
  .object({
    hints: z.array(z.object({ hint: z.string(), stat: keywordStat.nullable() })),
    related: z.array(keywordStat),
    packedWith: z.array(z.string()).describe('Hints of other requests that shared the provider call (batching)'),
    ...provenance,
  })
  .meta({ id: 'NaverKeywordsResult' });

// ---- DataLab ----

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

export const trendsBody = z
  .object({
    ...period,
    ages: z.array(z.enum(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'], { error: 'expected age groups "1".."11"' })).optional(),
    keywordGroups: z
      .array(z.object({ groupName: z.string().trim().min(1, 'expected a group name').max(100), keywords: terms(20, 'keyword') }))
      .min(1, 'expected 1 to 5 keyword groups')
      .max(5, 'expected 1 to 5 keyword groups'),
  })
  .superRefine(orderedDates);

export const shoppingInsightBody = z.discriminatedUnion(
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
);

const trendSeries = z.object({ title: z.string(), terms: z.array(z.string()), data: z.array(z.object({ period: z.string(), ratio: z.number() })) });
export const trendResult = z
  .object({ startDate: z.string(), endDate: z.string(), timeUnit: z.enum(['date', 'week', 'month']), series: z.array(trendSeries), ...provenance })
  .meta({ id: 'NaverTrendResult' });

// ---- Overview ----

const part = <T extends z.ZodType>(data: T) =>
  z.discriminatedUnion('status', [
    z.object({ status: z.literal('ok'), data, ...provenance }),
    z.object({ status: z.literal('unavailable'), reason: z.string(), problem: z.string(), retryAfterSeconds: z.number().optional() }),
  ]);

export const overviewResult = z
  .object({
    keyword: z.string(),
    demand: part(
      z.object({
        monthlyPcSearches: count,
        monthlyMobileSearches: count,
        monthlyTotalSearches: z.object({ min: z.number().int(), max: z.number().int() }),
        competition: z.enum(['low', 'medium', 'high']).nullable(),
        adDepth: z.number().nullable(),
      }),
    ),
    supply: part(z.object({ shoppingProducts: z.number().int() })),
    competitionRatio: part(z.object({ productsPerMonthlySearch: z.number(), approximate: z.boolean() })),
    trend: part(z.object({ points: z.array(z.object({ period: z.string(), ratio: z.number() })), peakMonths: z.array(z.number().int()), peakToMean: z.number() })),
    missing: z.array(z.enum(['demand', 'supply', 'competitionRatio', 'trend'])),
  })
  .meta({ id: 'NaverKeywordOverview' });
