import * as z from 'zod';
import { hintProblem, MAX_HINTS_PER_CALL, normaliseKeyword, relatedKeywords } from '../../core/naver/keywords.ts';
import type { Count, KeywordOverview, KeywordStat, KeywordToolResult, Provenance } from '../../core/naver/model.ts';
import { keywordOverview } from '../../core/naver/overview.ts';
import type { Principal } from '../../core/platform/principal.ts';
import { defineEndpoint } from '../kit/endpoint.ts';
import { schemaOf } from '../kit/schema.ts';
import { provenance, providerProblems, toSourcedBody } from './schemas.ts';

/** Batching never mixes tenants: one tenant's hints never shape another's answer. */
const scopeOf = (p: Principal): string => (p.kind === 'tenant' ? `tenant:${p.tenantId}` : p.kind === 'admin' ? `admin:${p.actorId}` : 'anonymous');

const toList = (v: string | string[]) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(','));

const keywordsQuery = z.object({
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

const count = schemaOf<Count>()(
  z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('exact'), value: z.number().int() }),
      z.object({ kind: z.literal('lessThan'), bound: z.number().int().describe('Naver reports only "< bound"') }),
    ])
    .meta({ id: 'NaverCount' }),
);

const competition = z.enum(['low', 'medium', 'high']).nullable();
const monthlyTotalSearches = z.object({ min: z.number().int(), max: z.number().int() });

const keywordStat = schemaOf<KeywordStat>()(
  z
    .object({
      keyword: z.string(),
      monthlyPcSearches: count,
      monthlyMobileSearches: count,
      monthlyTotalSearches,
      monthlyAvgPcClicks: z.number().nullable(),
      monthlyAvgMobileClicks: z.number().nullable(),
      monthlyAvgPcCtr: z.number().nullable().describe('Percent'),
      monthlyAvgMobileCtr: z.number().nullable().describe('Percent'),
      adDepth: z.number().nullable().describe('Average number of ads shown'),
      competition,
    })
    .meta({ id: 'NaverKeywordStat' }),
);

const keywordsResult = schemaOf<KeywordToolResult & Provenance>()(
  z
    .object({
      hints: z.array(z.object({ hint: z.string(), stat: keywordStat.nullable() })),
      related: z.array(keywordStat),
      packedWith: z.array(z.string()).describe('Hints of other requests that shared the provider call (batching)'),
      ...provenance,
    })
    .meta({ id: 'NaverKeywordsResult' }),
);

const part = <T extends z.ZodType>(data: T) =>
  z.discriminatedUnion('status', [
    z.object({ status: z.literal('ok'), data, ...provenance }),
    z.object({ status: z.literal('unavailable'), reason: z.string(), problem: z.string(), retryAfterSeconds: z.number().optional() }),
  ]);

const overviewResult = schemaOf<KeywordOverview>()(
  z
    .object({
      keyword: z.string(),
      demand: part(z.object({ monthlyPcSearches: count, monthlyMobileSearches: count, monthlyTotalSearches, competition, adDepth: z.number().nullable() })),
      supply: part(z.object({ shoppingProducts: z.number().int() })),
      competitionRatio: part(z.object({ productsPerMonthlySearch: z.number(), approximate: z.boolean() })),
      trend: part(z.object({ points: z.array(z.object({ period: z.string(), ratio: z.number() })), peakMonths: z.array(z.number().int()), peakToMean: z.number() })),
      missing: z.array(z.enum(['demand', 'supply', 'competitionRatio', 'trend'])),
    })
    .meta({ id: 'NaverKeywordOverview' }),
);

export const keywordsEndpoint = defineEndpoint({
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
    body: toSourcedBody(await relatedKeywords(ports.naver.keywords, query.hint, { scope: scopeOf(principal), signal })),
  }),
});

export const keywordOverviewEndpoint = defineEndpoint({
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
