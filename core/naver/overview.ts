/**
 * One keyword's market at a glance, assembled from three provider calls (keyword tool, shopping search, DataLab).
 * A failing part does not sink the others: it is reported as unavailable with the reason, and the answer says
 * which parts are missing. Only when every call fails does the overview fail, with the first failure.
 */
import type { Clock } from '../shared/clock.ts';
import { DomainError, isDomainError } from '../shared/errors.ts';
import { normaliseKeyword, hintProblem } from './keywords.ts';
import type { CompetitionRatio, Demand, KeywordOverview, KeywordStat, Part, Supply, Trend, TrendPoint } from './model.ts';
import type { NaverPorts } from './ports.ts';

const KST_MS = 9 * 3_600_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** The last 12 complete calendar months in Korea, as DataLab dates. */
export const lastTwelveMonths = (now: Date): { startDate: string; endDate: string } => {
  const kst = new Date(now.getTime() + KST_MS);
  const y = kst.getUTCFullYear();
  const m = kst.getUTCMonth(); // 0-based current month; the window ends with the previous one
  const start = new Date(Date.UTC(y, m - 12, 1));
  const end = new Date(Date.UTC(y, m, 0));
  const iso = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return { startDate: iso(start), endDate: iso(end) };
};

export const seasonality = (points: TrendPoint[]): Trend => {
  const max = Math.max(0, ...points.map((p) => p.ratio));
  const mean = points.length ? points.reduce((s, p) => s + p.ratio, 0) / points.length : 0;
  const peakMonths = max > 0 ? points.filter((p) => p.ratio >= 0.8 * max).map((p) => Number(p.period.slice(5, 7))) : [];
  return { points, peakMonths: [...new Set(peakMonths)].sort((a, b) => a - b), peakToMean: mean > 0 ? Math.round((max / mean) * 100) / 100 : 0 };
};

const unavailable = (error: unknown): Extract<Part<never>, { status: 'unavailable' }> =>
  isDomainError(error)
    ? { status: 'unavailable', reason: error.message, problem: error.code, ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}) }
    : { status: 'unavailable', reason: 'the provider call failed unexpectedly', problem: 'internal' };

export const keywordOverview = async (
  ports: { naver: NaverPorts; clock: Clock },
  rawKeyword: string,
  options: { scope: string; signal?: AbortSignal },
): Promise<KeywordOverview> => {
  const problem = hintProblem(rawKeyword);
  if (problem) throw new DomainError('invalid', `keyword ${problem}`, { details: { field: 'keyword' } });
  const keyword = normaliseKeyword(rawKeyword);
  const call = options.signal ? { signal: options.signal } : {};
  const months = lastTwelveMonths(ports.clock.now());

  const [volumes, shopping, trend] = await Promise.allSettled([
    ports.naver.keywords.related([keyword], { ...call, scope: options.scope }),
    // The shopping query keeps the caller's spacing: it is a search, not a keyword id.
    ports.naver.shopping.search({ query: rawKeyword.trim(), sort: 'sim', page: 1, size: 1, exclude: [] }, call),
    ports.naver.dataLab.searchTrend({ ...months, timeUnit: 'month', keywordGroups: [{ groupName: keyword, keywords: [rawKeyword.trim()] }] }, call),
  ]);
  if (volumes.status === 'rejected' && shopping.status === 'rejected' && trend.status === 'rejected') throw volumes.reason;

  let demand: Part<Demand>;
  if (volumes.status === 'fulfilled') {
    const { data, ...provenance } = volumes.value;
    const stat: KeywordStat | null = data.hints.find((h) => h.hint === keyword)?.stat ?? null;
    demand = stat
      ? {
          status: 'ok',
          ...provenance,
          data: {
            monthlyPcSearches: stat.monthlyPcSearches,
            monthlyMobileSearches: stat.monthlyMobileSearches,
            monthlyTotalSearches: stat.monthlyTotalSearches,
            competition: stat.competition,
            adDepth: stat.adDepth,
          },
        }
      : { status: 'unavailable', reason: `Naver's keyword tool returned no volumes for ${keyword}`, problem: 'not_found' };
  } else demand = unavailable(volumes.reason);

  const supply: Part<Supply> =
    shopping.status === 'fulfilled'
      ? { status: 'ok', source: shopping.value.source, asOf: shopping.value.asOf, cached: shopping.value.cached, data: { shoppingProducts: shopping.value.data.total } }
      : unavailable(shopping.reason);

  let competitionRatio: Part<CompetitionRatio>;
  if (demand.status === 'ok' && supply.status === 'ok') {
    const searches = Math.max(1, demand.data.monthlyTotalSearches.max);
    competitionRatio = {
      status: 'ok',
      source: `${demand.source}+${supply.source}`,
      // A derived figure is as old as its older input.
      asOf: demand.asOf < supply.asOf ? demand.asOf : supply.asOf,
      cached: demand.cached && supply.cached,
      data: {
        productsPerMonthlySearch: Math.round((supply.data.shoppingProducts / searches) * 100) / 100,
        approximate: demand.data.monthlyTotalSearches.min !== demand.data.monthlyTotalSearches.max,
      },
    };
  } else {
    const missing = [demand.status === 'ok' ? null : 'demand', supply.status === 'ok' ? null : 'supply'].filter(Boolean).join(' and ');
    competitionRatio = { status: 'unavailable', reason: `needs demand and supply; ${missing} unavailable`, problem: 'unavailable' };
  }

  const trendPart: Part<Trend> =
    trend.status === 'fulfilled'
      ? { status: 'ok', source: trend.value.source, asOf: trend.value.asOf, cached: trend.value.cached, data: seasonality(trend.value.data.series[0]?.data ?? []) }
      : unavailable(trend.reason);

  const parts = { demand, supply, competitionRatio, trend: trendPart };
  return { keyword, ...parts, missing: (Object.keys(parts) as Array<keyof typeof parts>).filter((name) => parts[name].status !== 'ok') };
};
