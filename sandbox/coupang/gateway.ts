/**
 * Coupang's Open API gateway (providers.md sections 3 and 8): Partners product search and the Wing seller APIs on
 * one port, as on api-gateway.coupang.com. Every call must carry a CEA signature, checked here with code of its
 * own (not the adapter's) over the signed date, method, path and the raw query string, within a window of the
 * sandbox's clock; a wrong signature or an old date answers 401 as the gateway does. Partners answers rCode "403"
 * once a key's calls in the minute pass its quota; Wing answers 429 past a vendor's rate (with X-CAG-Warnings
 * near it) and blocks a vendor that keeps going.
 *
 * Controls (besides the shared ones in ../naver/controls.ts):
 *   POST /__sandbox/limits {"partnersPerMinute":50, "wingPerSecond":10, "blockAfter429s":20, "blockMs":60000}
 *   GET  /__sandbox/limits  the limits and each vendor's 429 and block state
 *   POST /__sandbox/revoke {"accessKey":"..."}  the key stops working (a seller revoked it in Wing); reset restores it
 *   POST /__sandbox/wing-items {"vendorId","vendorItemId","amountInStock"?, "salePrice"?, "rocketGrowth"?}
 *        registers an item (any id of up to 20 digits), or sets a known item's Wing stock and Rocket Growth stock
 *   POST /__sandbox/wing-events {"vendorId","kind":"order"|"cancel"|"return","vendorItemId","quantity",
 *        "shipmentBoxId" (cancel, return), "at"? (ISO, default now), "status"? (order: ACCEPT; return: CC)}
 *        an order, a cancel before shipment or a return, served by the order sheet and return searches
 *   GET  /__sandbox/wing-stock?vendorId=&vendorItemId=  the item's Wing and Rocket Growth stock now
 * The state these change is per vendor; reset clears it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SandboxProvider, SandboxRequest, SandboxResponse } from '../types.ts';
import { Controls, type Refusal } from '../naver/controls.ts';
import {
  daysBetween,
  inventoryOf,
  ORDER_STATUSES,
  ordersOfDay,
  partnersItems,
  returnsOfDay,
  revenueOfDay,
  WING_PRODUCT_COUNT,
  wingProduct,
  wingProductById,
} from './data.ts';
import { wingState } from './stock.ts';

export interface CoupangKey {
  accessKey: string;
  secretKey: string;
  /** A Wing key belongs to a vendor; a Partners key to no one. */
  vendorId?: string;
}

export interface CoupangSandboxOptions {
  partners: CoupangKey;
  /** Wing accounts: every key of a vendor may call for that vendor only. */
  wing: CoupangKey[];
  /** How far the signed date may be from the sandbox's clock. Default 5 minutes. */
  signedDateWindowMs?: number;
  now?: () => number;
}

export interface Limits {
  partnersPerMinute: number;
  wingPerSecond: number;
  /** A vendor that draws this many 429s within 10 s is blocked for blockMs. */
  blockAfter429s: number;
  blockMs: number;
  /** Rocket Growth calls a minute per vendor. */
  rgPerMinute: number;
}

const DEFAULT_LIMITS: Limits = { partnersPerMinute: 50, wingPerSecond: 10, blockAfter429s: 20, blockMs: 60_000, rgPerMinute: 50 };

export const PARTNERS_SEARCH = '/v2/providers/affiliate_open_api/apis/openapi/v1/products/search';
const MARKETPLACE = '/v2/providers/seller_api/apis/api/v1/marketplace';
const OPENAPI = '/v2/providers/openapi/apis/api';
const ROCKET_GROWTH = '/v2/providers/rg_open_api/apis/api/v1';
const RG_PAGE = 20;

const gatewayError = (status: number, message: string): SandboxResponse => ({ status, body: { code: status, message } });
const wingError = (status: number, message: string): SandboxResponse => ({ status, body: { code: 'ERROR', message } });
const numeric = (status: number, message: string): SandboxResponse => ({ status, body: { code: status, message } });

const refuse: Refusal = (kind) => {
  switch (kind) {
    case 'quota':
      return { status: 403, body: { rCode: '403', rMessage: 'Request limit exceeded.' } };
    case 'rate':
    case 'connections':
      return gatewayError(429, 'Too many requests');
    case 'maintenance':
      return gatewayError(503, 'Service Unavailable');
    case 'outage':
    case 'server':
      return gatewayError(500, 'Internal Server Error');
  }
};

/** `yyMMdd'T'HHmmss'Z'` back to ms, or null when it is not one. */
const parseSignedDate = (text: string): number | null => {
  const m = /^(\d{2})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  const [, yy, mo, dd, hh, mi, ss] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss);
  const back = new Date(ms);
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === dd && hh < 24 && mi < 60 && ss < 60 ? ms : null;
};

const header = (request: SandboxRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
};

const intParam = (value: string | null, fallback: number, min: number, max: number): number | null => {
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
};

const DAY = /^(\d{4}-\d{2}-\d{2})(\+09:00)?$/;
const MINUTE = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(\+09:00)?$/;
const validDay = (d: string) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

/** A daily range (both days included, at most 31) or, with searchType=timeFrame, a range of minutes within 24 h. */
const period = (from: string | null, to: string | null, timeFrame: boolean): { days: string[]; fromMs?: number; toMs?: number } | string => {
  if (!from || !to) return 'createdAtFrom and createdAtTo are required';
  if (timeFrame) {
    const a = MINUTE.exec(from);
    const b = MINUTE.exec(to);
    if (!a || !b || !validDay(a[1]!) || !validDay(b[1]!)) return 'with searchType=timeFrame, dates are yyyy-MM-ddTHH:mm';
    const fromMs = Date.parse(`${a[1]}T${a[2]}:00+09:00`);
    const toMs = Date.parse(`${b[1]}T${b[2]}:00+09:00`);
    if (toMs < fromMs) return 'createdAtTo is before createdAtFrom';
    if (toMs - fromMs > 86_400_000) return 'searchType=timeFrame covers at most 24 hours';
    return { days: daysBetween(a[1]!, b[1]!), fromMs, toMs };
  }
  const a = DAY.exec(from);
  const b = DAY.exec(to);
  if (!a || !b || !validDay(a[1]!) || !validDay(b[1]!)) return 'dates are yyyy-MM-dd';
  if (b[1]! < a[1]!) return 'createdAtTo is before createdAtFrom';
  const days = daysBetween(a[1]!, b[1]!);
  if (days.length > 31) return 'the period covers at most 31 days';
  return { days };
};

const kstMs = (local: string) => Date.parse(`${local}+09:00`);
const hashCount = (id: string) => Number(BigInt(id) % 97n);

/** As Coupang sends them: shipmentBoxId (18 digits) and vendorItemId as JSON numbers, which only an exact reader keeps. */
const withNumericBoxIds = (response: SandboxResponse): SandboxResponse => ({
  status: response.status,
  headers: { 'content-type': 'application/json;charset=UTF-8', ...response.headers },
  body: JSON.stringify(response.body).replace(/"(shipmentBoxId|vendorItemId)":"(\d+)"/g, '"$1":$2'),
});

export const coupangSandbox = (options: CoupangSandboxOptions): SandboxProvider & { controls: Controls; limits: () => Limits } => {
  const windowMs = options.signedDateWindowMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const controls = new Controls(['Authorization', 'X-Requested-By', 'Content-Type']);
  const allKeys = (): Map<string, CoupangKey> => new Map([options.partners, ...options.wing].map((k) => [k.accessKey, k]));
  let keys = allKeys();
  let limits: Limits = { ...DEFAULT_LIMITS };
  const partnersMinute = new Map<string, { minute: number; count: number }>();
  const vendors = new Map<string, { tokens: number; at: number; recent429: number[]; blockedUntil: number; rejected429: number; warned: number }>();
  const rgMinute = new Map<string, { minute: number; count: number }>();
  const state = wingState();

  const authenticate = (request: SandboxRequest): SandboxResponse | CoupangKey => {
    const authorization = header(request, 'authorization');
    if (!authorization) return gatewayError(401, 'Unauthorized: the Authorization header is missing');
    const m = /^CEA algorithm=HmacSHA256, access-key=([^,\s]+), signed-date=([^,\s]+), signature=([0-9a-f]{64})$/.exec(authorization);
    if (!m) return gatewayError(401, 'Unauthorized: the Authorization header is not a CEA HmacSHA256 header');
    const [, accessKey, signedDate, signature] = m as unknown as [string, string, string, string];
    const key = keys.get(accessKey);
    if (!key) return gatewayError(401, 'Invalid access-key');
    const at = parseSignedDate(signedDate);
    if (at === null || Math.abs(now() - at) > windowMs) return gatewayError(401, 'Request is not authorized: signed-date is expired or not yet valid');
    const expected = createHmac('sha256', key.secretKey).update(signedDate + request.method + request.path + request.rawQuery).digest();
    const given = Buffer.from(signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return gatewayError(401, 'Invalid signature');
    return key;
  };

  const partnersSearch = (key: CoupangKey, request: SandboxRequest): SandboxResponse => {
    const minute = Math.floor(now() / 60_000);
    const spent = partnersMinute.get(key.accessKey);
    const count = spent && spent.minute === minute ? spent.count : 0;
    if (count >= limits.partnersPerMinute) {
      controls.stats.rejected429++;
      return refuse('quota');
    }
    partnersMinute.set(key.accessKey, { minute, count: count + 1 });
    const keyword = request.query.get('keyword');
    if (keyword === null || keyword.trim() === '') return { status: 400, body: { rCode: '400', rMessage: 'keyword is required.' } };
    if (keyword.length > 50) return { status: 400, body: { rCode: '400', rMessage: 'keyword is too long.' } };
    const limit = intParam(request.query.get('limit'), 5, 1, 10);
    if (limit === null) return { status: 400, body: { rCode: '400', rMessage: 'limit must be from 1 to 10.' } };
    return {
      status: 200,
      body: {
        rCode: '0',
        rMessage: '',
        data: { landingUrl: `https://link.coupang.com/re/AFFSRP?keyword=${encodeURIComponent(keyword)}`, productData: partnersItems(keyword.trim(), limit) },
      },
    };
  };

  /** A vendor's token bucket; null when the call may go on, else the 429 (and sometimes the start of a block). */
  const admitVendor = (vendorId: string): { refused?: SandboxResponse; warn: boolean } => {
    const t = now();
    const v = vendors.get(vendorId) ?? { tokens: limits.wingPerSecond, at: t, recent429: [], blockedUntil: 0, rejected429: 0, warned: 0 };
    vendors.set(vendorId, v);
    if (t < v.blockedUntil) {
      v.rejected429++;
      controls.stats.rejected429++;
      return { refused: gatewayError(429, `Too many requests: vendor ${vendorId} is blocked for a while`), warn: false };
    }
    v.tokens = Math.min(limits.wingPerSecond, v.tokens + ((t - v.at) / 1000) * limits.wingPerSecond);
    v.at = t;
    if (v.tokens < 1) {
      v.rejected429++;
      controls.stats.rejected429++;
      v.recent429 = [...v.recent429.filter((x) => t - x < 10_000), t];
      if (v.recent429.length >= limits.blockAfter429s) v.blockedUntil = t + limits.blockMs;
      return { refused: gatewayError(429, 'Too many requests'), warn: false };
    }
    v.tokens -= 1;
    // Near the threshold: 90% of the second's allowance is in use.
    const warn = v.tokens < limits.wingPerSecond * 0.1 + 1e-9 && limits.wingPerSecond > 1;
    if (warn) v.warned++;
    return { warn };
  };

  const sellerProducts = (vendorId: string, q: URLSearchParams): SandboxResponse => {
    const max = intParam(q.get('maxPerPage'), 10, 1, 100);
    if (max === null) return wingError(400, 'maxPerPage must be from 1 to 100');
    const token = q.get('nextToken') ?? '';
    let start = 0;
    if (token !== '') {
      const byId = /^\d+$/.test(token) ? wingProductById(vendorId, Number(token)) : null;
      if (!byId) return wingError(400, `nextToken ${token} is not valid`);
      start = (byId.sellerProductId - wingProduct(vendorId, 0).sellerProductId) / 17;
    }
    const page: unknown[] = [];
    let n = start;
    for (; n < WING_PRODUCT_COUNT && page.length < max; n++) {
      const { items: _items, ...summary } = wingProduct(vendorId, n);
      page.push({ ...summary, productId: summary.sellerProductId + 1 });
    }
    const nextToken = n < WING_PRODUCT_COUNT ? String(wingProduct(vendorId, n).sellerProductId) : '';
    return { status: 200, body: { code: 'SUCCESS', message: '', nextToken, data: page } };
  };

  const ordersheets = (vendorId: string, q: URLSearchParams): SandboxResponse => {
    const status = q.get('status');
    if (!status || !(ORDER_STATUSES as readonly string[]).includes(status)) return numeric(400, `status must be one of ${ORDER_STATUSES.join(', ')}`);
    const timeFrame = q.get('searchType') === 'timeFrame';
    const p = period(q.get('createdAtFrom'), q.get('createdAtTo'), timeFrame);
    if (typeof p === 'string') return numeric(400, p);
    const max = intParam(q.get('maxPerPage'), 50, 1, 50);
    if (max === null) return numeric(400, 'maxPerPage must be from 1 to 50');
    const emitted = state.sheets(vendorId).filter((o) => p.days.includes(o.orderedAt.slice(0, 10))).map((o) => ({
      ...o,
      shippingPrice: 0,
      remotePrice: 0,
      orderItems: o.orderItems.map((i) => ({ ...i, vendorItemName: `vendor item ${i.vendorItemId}`, orderPrice: i.salesPrice * i.shippingCount, discountPrice: 0, holdCountForCancel: 0 })),
    }));
    let all = [...p.days.flatMap((d) => ordersOfDay(vendorId, d)), ...emitted].filter((o) => o.status === status);
    if (timeFrame) {
      all = all.filter((o) => kstMs(o.orderedAt) >= p.fromMs! && kstMs(o.orderedAt) < p.toMs!);
      return { status: 200, body: { code: 200, message: 'OK', data: all } };
    }
    const token = q.get('nextToken') ?? '';
    const start = token === '' ? 0 : /^\d+$/.test(token) ? Number(token) : -1;
    if (start < 0 || start > all.length) return numeric(400, `nextToken ${token} is not valid`);
    const end = start + max;
    return { status: 200, body: { code: 200, message: 'OK', data: all.slice(start, end), nextToken: end < all.length ? String(end) : '' } };
  };

  const returnRequests = (vendorId: string, q: URLSearchParams): SandboxResponse => {
    const status = q.get('status');
    const cancel = q.get('cancelType') === 'CANCEL';
    if (cancel ? status !== null : !status || !['RU', 'UC', 'CC', 'PR'].includes(status)) return numeric(400, 'status is RU, UC, CC or PR; for cancels omit it and send cancelType=CANCEL');
    const timeFrame = q.get('searchType') === 'timeFrame';
    const p = period(q.get('createdAtFrom'), q.get('createdAtTo'), timeFrame);
    if (typeof p === 'string') return numeric(400, p);
    const max = intParam(q.get('maxPerPage'), 50, 1, 50);
    if (max === null) return numeric(400, 'maxPerPage must be from 1 to 50');
    const emitted = state.receipts(vendorId).filter((r) => p.days.includes(r.createdAt.slice(0, 10)));
    const all = [...p.days.flatMap((d) => returnsOfDay(vendorId, d)), ...emitted]
      .filter((r) => (cancel ? r.receiptType === 'CANCEL' : r.statusCode === status))
      .filter((r) => !timeFrame || (kstMs(r.createdAt) >= p.fromMs! && kstMs(r.createdAt) < p.toMs!));
    const token = q.get('nextToken') ?? '';
    const start = token === '' ? 0 : /^\d+$/.test(token) ? Number(token) : -1;
    if (start < 0 || start > all.length) return numeric(400, `nextToken ${token} is not valid`);
    const end = start + max;
    return { status: 200, body: { code: 200, message: 'OK', data: all.slice(start, end).map(({ statusCode: _s, ...r }) => r), nextToken: end < all.length ? String(end) : '' } };
  };

  const revenueHistory = (vendorId: string, q: URLSearchParams): SandboxResponse => {
    if (q.get('vendorId') !== vendorId) return numeric(400, 'vendorId is required and must be the key\'s vendor');
    const from = q.get('recognitionDateFrom');
    const to = q.get('recognitionDateTo');
    if (!from || !to || !DAY.test(from) || !DAY.test(to) || !validDay(from) || !validDay(to)) return numeric(400, 'recognitionDateFrom and recognitionDateTo are yyyy-MM-dd');
    if (to < from) return numeric(400, 'recognitionDateTo is before recognitionDateFrom');
    const days = daysBetween(from, to);
    if (days.length > 31) return numeric(400, 'the period covers at most 31 days');
    const token = q.get('token');
    if (token === null) return numeric(400, 'token is required (empty on the first page)');
    const max = intParam(q.get('maxPerPage'), 50, 1, 50);
    if (max === null) return numeric(400, 'maxPerPage must be from 1 to 50');
    const all = days.flatMap((d) => revenueOfDay(vendorId, d));
    const start = token === '' ? 0 : /^\d+$/.test(token) ? Number(token) : -1;
    if (start < 0 || start > all.length) return numeric(400, `token ${token} is not valid`);
    const end = start + max;
    return { status: 200, body: { code: 200, message: 'OK', hasNext: end < all.length, nextToken: end < all.length ? String(end) : '', data: all.slice(start, end) } };
  };

  /** Rocket Growth's own allowance: calls a minute per vendor. */
  const admitRocketGrowth = (vendorId: string): boolean => {
    const minute = Math.floor(now() / 60_000);
    const spent = rgMinute.get(vendorId);
    const count = spent && spent.minute === minute ? spent.count : 0;
    if (count >= limits.rgPerMinute) {
      controls.stats.rejected429++;
      return false;
    }
    rgMinute.set(vendorId, { minute, count: count + 1 });
    return true;
  };

  const rocketGrowthSummaries = (vendorId: string, q: URLSearchParams): SandboxResponse => {
    const only = q.get('vendorItemId');
    if (only !== null && !/^\d{1,20}$/.test(only)) return numeric(400, 'vendorItemId must be digits');
    const all = state.rocketGrowth(vendorId).filter((i) => only === null || i.vendorItemId === only);
    const token = q.get('nextToken') ?? '';
    const start = token === '' ? 0 : /^\d+$/.test(token) ? Number(token) : -1;
    if (start < 0 || start > all.length) return numeric(400, `nextToken ${token} is not valid`);
    const end = start + RG_PAGE;
    const data = all.slice(start, end).map((i) => ({
      vendorItemId: i.vendorItemId,
      externalSkuId: i.externalSkuId,
      inventoryDetails: { totalOrderableQuantity: i.quantity },
      salesCountMap: { SALES_COUNT_LAST_THIRTY_DAYS: hashCount(i.vendorItemId) },
    }));
    return { status: 200, body: { code: 200, message: 'OK', data, nextToken: end < all.length ? String(end) : null } };
  };

  const wing = (key: CoupangKey, request: SandboxRequest): SandboxResponse => {
    const vendorId = key.vendorId!;
    const requestedBy = header(request, 'x-requested-by');
    if (requestedBy !== undefined && requestedBy !== vendorId) return wingError(403, `X-Requested-By ${requestedBy} is not the vendor of this access key`);
    const { path, query } = request;
    const pathVendor = /^\/v2\/providers\/(?:openapi\/apis\/api\/v[56]|rg_open_api\/apis\/api\/v1)\/vendors\/([^/]+)\//.exec(path)?.[1];
    const claimed = pathVendor ?? query.get('vendorId');
    if (claimed !== null && claimed !== vendorId) return wingError(403, `the access key may not act for vendor ${claimed}`);
    const rocketGrowth = path.startsWith(`${ROCKET_GROWTH}/`);
    if (rocketGrowth && !admitRocketGrowth(vendorId)) return gatewayError(429, 'Too many requests: Rocket Growth allows 50 calls a minute');
    const admitted = rocketGrowth ? { warn: false } : admitVendor(vendorId);
    if (admitted.refused) return admitted.refused;
    const answer = route(vendorId, request);
    return admitted.warn ? { ...answer, headers: { ...answer.headers, 'X-CAG-Warnings': 'Throttling threshold is about to be exceeded' } } : answer;
  };

  const route = (vendorId: string, request: SandboxRequest): SandboxResponse => {
    const { path, query } = request;
    if (path === `${MARKETPLACE}/seller-products`) {
      if (query.get('vendorId') !== vendorId) return wingError(400, 'vendorId is required');
      return sellerProducts(vendorId, query);
    }
    let m = new RegExp(`^${MARKETPLACE}/seller-products/([^/]+)$`).exec(path);
    if (m) {
      const product = /^\d{1,15}$/.test(m[1]!) ? wingProductById(vendorId, Number(m[1])) : null;
      return product ? { status: 200, body: { code: 'SUCCESS', message: '', data: product } } : wingError(404, `seller product ${m[1]} does not exist`);
    }
    m = new RegExp(`^${MARKETPLACE}/vendor-items/([^/]+)/inventories$`).exec(path);
    if (m && request.method === 'GET') {
      const stock = /^\d{1,20}$/.test(m[1]!) ? state.inventory(vendorId, m[1]!) : null;
      return stock ? { status: 200, body: { code: 'SUCCESS', message: '', data: stock } } : wingError(404, `vendor item ${m[1]} does not exist`);
    }
    m = new RegExp(`^${MARKETPLACE}/vendor-items/([^/]+)/quantities/([^/]+)$`).exec(path);
    if (m && request.method === 'PUT') {
      if (!/^\d{1,9}$/.test(m[2]!)) return wingError(400, `quantity ${m[2]} must be a whole number from 0 to 999999999`);
      if (!/^\d{1,20}$/.test(m[1]!) || !state.setStock(vendorId, m[1]!, Number(m[2]))) return wingError(404, `vendor item ${m[1]} does not exist`);
      return { status: 200, body: { code: 'SUCCESS', message: `${m[1]} quantity set to ${Number(m[2])}`, data: null } };
    }
    if (path === `${ROCKET_GROWTH}/vendors/${vendorId}/rg/inventory/summaries`) return withNumericBoxIds(rocketGrowthSummaries(vendorId, query));
    if (request.method !== 'GET') return wingError(404, `No matched API for ${request.method} ${path}`);
    if (path === `${OPENAPI}/v5/vendors/${vendorId}/ordersheets`) return withNumericBoxIds(ordersheets(vendorId, query));
    if (path === `${OPENAPI}/v6/vendors/${vendorId}/returnRequests`) return withNumericBoxIds(returnRequests(vendorId, query));
    if (path === `${OPENAPI}/v1/revenue-history`) return revenueHistory(vendorId, query);
    return wingError(404, `No matched API for ${request.method} ${path}`);
  };

  const handle = (request: SandboxRequest): Promise<SandboxResponse> => {
    let key: CoupangKey | undefined;
    return controls.serve(
      request,
      () => {
        const auth = authenticate(request);
        if ('status' in auth) return auth;
        key = auth;
        return null;
      },
      refuse,
      () => {
        if (request.method !== 'GET' && request.method !== 'PUT') return wingError(404, `No matched API for ${request.method} ${request.path}`);
        if (request.method === 'PUT' && !request.path.startsWith(`${MARKETPLACE}/`)) return wingError(404, `No matched API for ${request.method} ${request.path}`);
        if (request.path === PARTNERS_SEARCH) return key!.vendorId === undefined ? partnersSearch(key!, request) : gatewayError(403, 'this access key has no Partners access');
        if (request.path.startsWith('/v2/providers/')) return key!.vendorId !== undefined ? wing(key!, request) : gatewayError(403, 'this access key has no seller API access');
        return gatewayError(404, `No matched API for ${request.path}`);
      },
    );
  };

  const control = async (action: string, request: SandboxRequest): Promise<SandboxResponse> => {
    if (action === 'limits' && request.method === 'GET') {
      return { status: 200, body: { ...limits, vendors: Object.fromEntries([...vendors].map(([id, v]) => [id, { rejected429: v.rejected429, warned: v.warned, blocked: now() < v.blockedUntil }])) } };
    }
    if (action === 'limits' && request.method === 'POST') {
      let patch: Partial<Limits>;
      try {
        patch = JSON.parse(request.body.toString('utf8') || '{}') as Partial<Limits>;
      } catch {
        return { status: 400, body: { message: 'limits: the body must be JSON' } };
      }
      const next = { ...limits, ...patch };
      const bad = (Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]).find((k) => !Number.isInteger(next[k]) || next[k] < 1);
      if (bad) return { status: 400, body: { message: `limits: ${bad} must be a positive integer` } };
      limits = next;
      vendors.clear();
      return { status: 200, body: limits };
    }
    if (action === 'revoke' && request.method === 'POST') {
      let accessKey: unknown;
      try {
        accessKey = (JSON.parse(request.body.toString('utf8') || '{}') as { accessKey?: unknown }).accessKey;
      } catch {
        return { status: 400, body: { message: 'revoke: the body must be JSON' } };
      }
      if (typeof accessKey !== 'string' || !keys.delete(accessKey)) return { status: 404, body: { message: 'revoke: no such access key' } };
      return { status: 200, body: { revoked: accessKey } };
    }
    if (action === 'wing-items' && request.method === 'POST') return wingItem(request);
    if (action === 'wing-events' && request.method === 'POST') return wingEvent(request);
    if (action === 'wing-stock' && request.method === 'GET') {
      const vendorId = request.query.get('vendorId') ?? '';
      const vendorItemId = request.query.get('vendorItemId') ?? '';
      const stock = state.inventory(vendorId, vendorItemId);
      const rg = state.rocketGrowth(vendorId).find((i) => i.vendorItemId === vendorItemId);
      if (!stock && !rg) return { status: 404, body: { message: `wing-stock: vendor ${vendorId} has no item ${vendorItemId}` } };
      return { status: 200, body: { vendorId, vendorItemId, amountInStock: stock?.amountInStock ?? null, rocketGrowth: rg?.quantity ?? null } };
    }
    if (action === 'reset' && request.method === 'POST') {
      state.reset();
      rgMinute.clear();
      keys = allKeys();
      limits = { ...DEFAULT_LIMITS };
      vendors.clear();
      partnersMinute.clear();
    }
    return controls.control(action, request);
  };

  const bodyOf = (request: SandboxRequest): Record<string, unknown> | null => {
    try {
      const v = JSON.parse(request.body.toString('utf8') || '{}') as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  };
  const vendorOf = (body: Record<string, unknown>): string | null => {
    const id = body.vendorId;
    return typeof id === 'string' && options.wing.some((k) => k.vendorId === id) ? id : null;
  };
  const digits = (v: unknown): string | null => (typeof v === 'string' && /^\d{1,20}$/.test(v) ? v : null);
  const count = (v: unknown, min: number): number | null => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= 1_000_000_000 ? v : null);
  const bad = (action: string, message: string): SandboxResponse => ({ status: 400, body: { message: `${action}: ${message}` } });

  const wingItem = (request: SandboxRequest): SandboxResponse => {
    const body = bodyOf(request);
    if (!body) return bad('wing-items', 'the body must be a JSON object');
    const vendorId = vendorOf(body);
    if (!vendorId) return bad('wing-items', 'vendorId must be one of the sandbox\'s Wing vendors');
    const vendorItemId = digits(body.vendorItemId);
    if (!vendorItemId) return bad('wing-items', 'vendorItemId must be a string of 1 to 20 digits');
    const amountInStock = body.amountInStock === undefined ? undefined : count(body.amountInStock, 0);
    const rocketGrowth = body.rocketGrowth === undefined || body.rocketGrowth === null ? body.rocketGrowth : count(body.rocketGrowth, 0);
    const salePrice = body.salePrice === undefined ? 10_000 : count(body.salePrice, 10);
    if (amountInStock === null || rocketGrowth === null && body.rocketGrowth !== null || salePrice === null) return bad('wing-items', 'amountInStock, rocketGrowth and salePrice are whole numbers of 0 or more');
    const known = state.inventory(vendorId, vendorItemId);
    if (known && body.salePrice === undefined) {
      // A catalogue item: set what was given.
      if (amountInStock !== undefined) state.setStock(vendorId, vendorItemId, amountInStock);
      if (typeof rocketGrowth === 'number' && !state.setRocketGrowth(vendorId, vendorItemId, rocketGrowth)) return bad('wing-items', `vendor item ${vendorItemId} is not a Rocket Growth item`);
    } else {
      state.register(vendorId, { vendorItemId, amountInStock: amountInStock ?? 0, salePrice, rocketGrowth: typeof rocketGrowth === 'number' ? rocketGrowth : null });
    }
    return { status: 200, body: { vendorId, vendorItemId, amountInStock: state.inventory(vendorId, vendorItemId)?.amountInStock ?? null } };
  };

  const wingEvent = (request: SandboxRequest): SandboxResponse => {
    const body = bodyOf(request);
    if (!body) return bad('wing-events', 'the body must be a JSON object');
    const vendorId = vendorOf(body);
    if (!vendorId) return bad('wing-events', 'vendorId must be one of the sandbox\'s Wing vendors');
    const vendorItemId = digits(body.vendorItemId);
    if (!vendorItemId) return bad('wing-events', 'vendorItemId must be a string of 1 to 20 digits');
    const quantity = count(body.quantity, 1);
    if (quantity === null) return bad('wing-events', 'quantity must be a whole number of 1 or more');
    const at = body.at === undefined ? now() : typeof body.at === 'string' ? Date.parse(body.at) : NaN;
    if (Number.isNaN(at)) return bad('wing-events', 'at must be an ISO date-time');
    if (body.kind === 'order') {
      const status = body.status === undefined ? 'ACCEPT' : body.status;
      if (typeof status !== 'string' || !(ORDER_STATUSES as readonly string[]).includes(status)) return bad('wing-events', `an order's status is one of ${ORDER_STATUSES.join(', ')}`);
      const sheet = state.order(vendorId, { vendorItemId, quantity, at, status });
      return typeof sheet === 'string' ? { status: 404, body: { message: `wing-events: ${sheet}` } } : { status: 200, body: { shipmentBoxId: sheet.shipmentBoxId, orderId: sheet.orderId, orderedAt: sheet.orderedAt } };
    }
    if (body.kind === 'cancel' || body.kind === 'return') {
      const shipmentBoxId = digits(body.shipmentBoxId);
      if (!shipmentBoxId) return bad('wing-events', 'shipmentBoxId (a string of digits) names the order');
      const status = body.kind === 'cancel' ? 'CANCEL' : body.status === undefined ? 'CC' : body.status;
      if (typeof status !== 'string' || (body.kind === 'return' && !['RU', 'UC', 'CC', 'PR'].includes(status))) return bad('wing-events', 'a return\'s status is RU, UC, CC or PR');
      const receipt = state.receipt(vendorId, { kind: body.kind, shipmentBoxId, vendorItemId, quantity, at, status });
      return typeof receipt === 'string' ? { status: 409, body: { message: `wing-events: ${receipt}` } } : { status: 200, body: { receiptId: String(receipt.receiptId), orderId: receipt.orderId, createdAt: receipt.createdAt } };
    }
    return bad('wing-events', 'kind is order, cancel or return');
  };

  return { name: 'coupang', controls, limits: () => limits, handle, control, close: async () => controls.close() };
};
