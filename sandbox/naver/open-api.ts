/**
 * Naver Open API sandbox (providers.md section 1): GET /v1/search/shop.json, POST /v1/datalab/search,
 * POST /v1/datalab/shopping/categories, POST /v1/datalab/shopping/category/keywords. Checks the client id and
 * secret headers, the documented parameter limits with the documented error bodies, and serves deterministic data.
 */
import type { SandboxProvider, SandboxRequest, SandboxResponse } from '../types.ts';
import { Controls, type Refusal } from './controls.ts';
import { normalise, periods, rawSeries, shoppingItems, shoppingTotal } from './data.ts';

export interface OpenApiSandboxOptions {
  clientId: string;
  clientSecret: string;
  idHeader?: string;
  secretHeader?: string;
}

const error = (status: number, errorCode: string, errorMessage: string): SandboxResponse => ({ status, body: { errorMessage, errorCode } });

const SHOP_ERRORS = {
  SE01: 'Incorrect query request (잘못된 쿼리요청입니다.)',
  SE02: 'Invalid display value (부적절한 display 값입니다.)',
  SE03: 'Invalid start value (부적절한 start 값입니다.)',
  SE04: 'Invalid sort value (부적절한 sort 값입니다.)',
  SE05: 'Invalid search api (존재하지 않는 검색 api 입니다.)',
  SE06: 'Malformed encoding (잘못된 형식의 인코딩입니다.)',
} as const;

const refuse: Refusal = (kind) => {
  switch (kind) {
    case 'quota':
      return error(429, '010', 'Request limit Exceeded (사용 한도를 초과했습니다.)');
    case 'rate':
    case 'connections':
      return error(429, '012', 'Rate limit exceeded. (속도 제한을 초과했습니다.)');
    case 'maintenance':
    case 'outage':
    case 'server':
      return error(500, 'SE99', 'System Error (시스템 에러)');
  }
};

const intParam = (value: string | null, fallback: number): number | null => {
  if (value === null) return fallback;
  return /^\d+$/.test(value) ? Number(value) : null;
};

const shop = (query: URLSearchParams): SandboxResponse => {
  const q = query.get('query');
  if (q === null || q.trim() === '') return error(400, 'SE01', SHOP_ERRORS.SE01);
  // The sandbox server decodes the query string; malformed UTF-8 arrives as U+FFFD.
  if (q.includes('\uFFFD')) return error(400, 'SE06', SHOP_ERRORS.SE06);
  const display = intParam(query.get('display'), 10);
  if (display === null || display < 1 || display > 100) return error(400, 'SE02', SHOP_ERRORS.SE02);
  const start = intParam(query.get('start'), 1);
  if (start === null || start < 1 || start > 1000) return error(400, 'SE03', SHOP_ERRORS.SE03);
  const sort = query.get('sort') ?? 'sim';
  if (!['sim', 'date', 'asc', 'dsc'].includes(sort)) return error(400, 'SE04', SHOP_ERRORS.SE04);
  const exclude = new Set((query.get('exclude') ?? '').split(':').filter(Boolean));
  const naverpay = query.get('filter') === 'naverpay';

  const total = shoppingTotal(q);
  // Naver serves at most 1,000 results per query; the pool covers every page a caller can reach.
  let pool = shoppingItems(q, Math.min(total, 1100));
  const unfiltered = pool.length;
  if (exclude.has('used')) pool = pool.filter((i) => !['4', '5', '6'].includes(i.productType));
  if (exclude.has('cbshop')) pool = pool.filter((i) => !i.mallName.includes('해외'));
  if (naverpay) pool = pool.filter((_, n) => n % 3 !== 2);
  if (sort === 'asc') pool = [...pool].sort((a, b) => Number(a.lprice) - Number(b.lprice));
  if (sort === 'dsc') pool = [...pool].sort((a, b) => Number(b.lprice) - Number(a.lprice));
  if (sort === 'date') pool = [...pool].sort((a, b) => b.order - a.order);
  const items = pool.slice(start - 1, start - 1 + display).map(({ order: _order, ...item }) => item);
  return {
    status: 200,
    body: { lastBuildDate: new Date().toUTCString().replace('GMT', '+0000'), total: pool.length === unfiltered ? total : Math.round((total * pool.length) / Math.max(1, unfiltered)), start, display: items.length, items },
  };
};

// ---- DataLab --------------------------------------------------------------------------------------------

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (d: unknown): d is string => typeof d === 'string' && DATE.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

const bad = (message: string) => error(400, '400', message);

interface Common {
  startDate: string;
  endDate: string;
  timeUnit: 'date' | 'week' | 'month';
  filterKey: string;
}

/** Validates the fields every DataLab call shares; returns an error response or the parsed values. */
const common = (body: Record<string, unknown>, ages: readonly string[]): SandboxResponse | Common => {
  if (!validDate(body.startDate)) return bad('Invalid startDate: expected yyyy-MM-dd');
  if (!validDate(body.endDate)) return bad('Invalid endDate: expected yyyy-MM-dd');
  if (body.startDate < '2016-01-01') return bad('Invalid startDate: data starts on 2016-01-01');
  if (body.startDate > body.endDate) return bad('Invalid period: startDate is after endDate');
  if (!['date', 'week', 'month'].includes(body.timeUnit as string)) return bad('Invalid timeUnit: expected date, week or month');
  if (body.device !== undefined && body.device !== '' && !['pc', 'mo'].includes(body.device as string)) return bad('Invalid device: expected pc or mo');
  if (body.gender !== undefined && body.gender !== '' && !['m', 'f'].includes(body.gender as string)) return bad('Invalid gender: expected m or f');
  if (body.ages !== undefined && (!Array.isArray(body.ages) || body.ages.some((a) => !ages.includes(a as string)))) return bad(`Invalid ages: expected values from ${ages[0]} to ${ages.at(-1)}`);
  const filterKey = [body.device, body.gender, ...((body.ages as string[] | undefined) ?? [])].filter(Boolean).join(',');
  return { startDate: body.startDate, endDate: body.endDate, timeUnit: body.timeUnit as Common['timeUnit'], filterKey };
};

const SEARCH_AGES = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'];
const SHOPPING_AGES = ['10', '20', '30', '40', '50', '60'];

const groups = (list: unknown, what: string, max: number, termsKey: string, maxTerms: number): SandboxResponse | Array<{ name: string; terms: string[] }> => {
  if (!Array.isArray(list) || list.length < 1 || list.length > max) return bad(`Invalid ${what}: 1 to ${max} entries`);
  const out: Array<{ name: string; terms: string[] }> = [];
  for (const g of list as Array<Record<string, unknown>>) {
    const name = g?.[what === 'keywordGroups' ? 'groupName' : 'name'];
    const terms = g?.[termsKey];
    if (typeof name !== 'string' || name.trim() === '') return bad(`Invalid ${what}: every entry needs a name`);
    if (!Array.isArray(terms) || terms.length < 1 || terms.length > maxTerms || terms.some((t) => typeof t !== 'string' || t.trim() === '')) {
      return bad(`Invalid ${what}.${termsKey}: 1 to ${maxTerms} non-empty strings`);
    }
    out.push({ name, terms: terms as string[] });
  }
  return out;
};

const trendBody = (c: Common, gs: Array<{ name: string; terms: string[] }>, termsKey: string) => {
  const points = periods(c.startDate, c.endDate, c.timeUnit);
  const series = normalise(gs.map((g) => rawSeries(g.terms, points, c.filterKey)));
  return {
    status: 200,
    body: {
      startDate: c.startDate,
      endDate: c.endDate,
      timeUnit: c.timeUnit,
      results: gs.map((g, i) => ({ title: g.name, [termsKey]: g.terms, data: points.map((period, j) => ({ period, ratio: series[i]![j]! })) })),
    },
  };
};

const datalab = (path: string, request: SandboxRequest): SandboxResponse => {
  if (!String(request.headers['content-type'] ?? '').includes('application/json')) return bad('Content-Type must be application/json');
  let body: Record<string, unknown>;
  try {
    const parsed = JSON.parse(request.body.toString('utf8')) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return bad('The body must be a JSON object');
    body = parsed as Record<string, unknown>;
  } catch {
    return bad('The body is not valid JSON');
  }
  if (path === '/v1/datalab/search') {
    const c = common(body, SEARCH_AGES);
    if ('status' in c) return c;
    const gs = groups(body.keywordGroups, 'keywordGroups', 5, 'keywords', 20);
    return 'status' in gs ? gs : trendBody(c, gs, 'keywords');
  }
  const c = common(body, SHOPPING_AGES);
  if ('status' in c) return c;
  if (path === '/v1/datalab/shopping/categories') {
    const gs = groups(body.category, 'category', 3, 'param', 1);
    return 'status' in gs ? gs : trendBody(c, gs, 'category');
  }
  if (typeof body.category !== 'string' || !/^\d{8}$/.test(body.category)) return bad('Invalid category: expected a category code such as 50000000');
  const gs = groups(body.keyword, 'keyword', 5, 'param', 1);
  if ('status' in gs) return gs;
  // Keywords within a category: the category's code flavours the series.
  return trendBody({ ...c, filterKey: `${body.category}|${c.filterKey}` }, gs, 'keyword');
};

export const naverOpenApiSandbox = (options: OpenApiSandboxOptions): SandboxProvider & { controls: Controls } => {
  const idHeader = (options.idHeader ?? 'X-Naver-Client-Id').toLowerCase();
  const secretHeader = (options.secretHeader ?? 'X-Naver-Client-Secret').toLowerCase();
  const controls = new Controls([options.idHeader ?? 'X-Naver-Client-Id', 'Content-Type']);
  const authenticate = (request: SandboxRequest): SandboxResponse | null => {
    const id = request.headers[idHeader];
    const secret = request.headers[secretHeader];
    if (id !== options.clientId || secret !== options.clientSecret) return error(401, '024', 'Not Exist Client ID : Authentication failed. (인증에 실패했습니다.)');
    return null;
  };
  return {
    name: 'naverOpenApi',
    controls,
    handle: (request) =>
      controls.serve(request, () => authenticate(request), refuse, () => {
        if (request.method === 'GET' && request.path === '/v1/search/shop.json') return shop(request.query);
        if (request.method === 'POST' && ['/v1/datalab/search', '/v1/datalab/shopping/categories', '/v1/datalab/shopping/category/keywords'].includes(request.path)) {
          return datalab(request.path, request);
        }
        return error(404, 'SE05', SHOP_ERRORS.SE05);
      }),
    control: (action, request) => controls.control(action, request),
    close: async () => controls.close(),
  };
};
