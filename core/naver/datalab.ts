import type { SearchTrendRequest, ShoppingInsightRequest, Sourced, TrendResult } from './model.ts';
import type { CallOptions, NaverPorts } from './ports.ts';

type DataLabPorts = { naver: Pick<NaverPorts, 'dataLab'> };

/** POST /v1/naver/datalab/trends: the search trend of keyword groups. */
export const searchTrend = (ports: DataLabPorts, request: SearchTrendRequest, options: CallOptions = {}): Promise<Sourced<TrendResult>> =>
  ports.naver.dataLab.searchTrend(request, options);

/** POST /v1/naver/datalab/shopping-insight: click trends of categories, or of keywords within a category. */
export const shoppingInsight = (ports: DataLabPorts, request: ShoppingInsightRequest, options: CallOptions = {}): Promise<Sourced<TrendResult>> => {
  if (request.kind === 'categories') {
    const { kind: _kind, ...categories } = request;
    return ports.naver.dataLab.categoryTrend(categories, options);
  }
  const { kind: _kind, ...keywords } = request;
  return ports.naver.dataLab.categoryKeywordTrend(keywords, options);
};
