/**
 * Naver Commerce API sandbox (providers.md section 9), state per application (client id):
 * - `POST /external/v1/oauth2/token`: checks what Naver checks: the form fields, the client id, the timestamp
 *   within 5 minutes of its clock, and `client_secret_sign` = base64(bcrypt(`${client_id}_${timestamp}`, salt =
 *   the client secret)). A token lives 3 hours and the same one comes back while more than 30 minutes remain.
 * - With a bearer token: `GET /external/v2/products/origin-products/{no}`, `PUT /external/v1/products/origin-
 *   products/{no}/option-stock` and `.../change-status`, the change feed `GET /external/v1/pay-order/seller/
 *   product-orders/last-changed-statuses` (moreSequence paging) and `POST .../product-orders/query` over the
 *   seller data of commerce.ts. A missing, expired or revoked token answers 401 `GW.AUTHN`.
 * - A token bucket per application (20 a second, burst 40, as Naver's product APIs): 429 `GW.RATE_LIMIT`, and
 *   every API answer carries `GNCP-GW-RateLimit-Replenish-Rate`, `-Burst-Capacity`, `-Remaining` and
 *   `GNCP-GW-Trace-ID`.
 * Errors in the gateway's shape `{code, message, timestamp, traceId}`, API errors with `invalidInputs[]`:
 * 400 `BAD_REQUEST`, 404 `GW.NOT_FOUND` (an unknown client id or path), 403 `GW.AUTHN` (a wrong signature or a
 * timestamp outside the window).
 * Controls under /__sandbox/ as the Naver sandbox's (sandbox/naver/controls.ts: faults, stats, held, release,
 * reset), and: `POST orders` `{clientId?, kind: sale, originProductNo, optionCombinationId?, quantity?, at?}` or
 * `{kind: cancel|return, productOrderId}`; `POST products` `{clientId?, products[]}`; `GET products/{no}`;
 * `GET calls` (calls by method and path); `POST limits` `{replenishRate, burstCapacity}`; `POST apps`
 * `{clientId, clientSecret|null}` (a reissued or revoked secret, its tokens dropped); `POST tokens/revoke`.
 * `clientId` defaults to the sandbox application.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { Controls, type Refusal } from '../naver/controls.ts';
import type { SandboxProvider, SandboxRequest, SandboxResponse } from '../types.ts';
import { kst, newSellerData, productOrderView, productView, feedPage, type OriginProduct, type ProductOrder, type SellerData } from './commerce.ts';

/** Provider name, also the key of its base URL in RunningSandbox.urls. */
export const NAVER_COMMERCE_SANDBOX_NAME = 'naverCommerce';

/**
 * The application the sandbox knows from the start (a Naver client secret is a bcrypt salt). Tests and local runs
 * connect with it; any other client id is unknown.
 */
export const NAVER_COMMERCE_SANDBOX_APP = {
  clientId: 'sandboxCommerceClient01',
  clientSecret: '$2a$04$SandboxCommerceSecre0u',
} as const;

export const TOKEN_PATH = '/external/v1/oauth2/token';
const TOKEN_LIFETIME_S = 3 * 3600;
const REUSE_WHILE_S = 30 * 60;
const WINDOW_MS = 5 * 60_000;

export interface NaverCommerceSandboxOptions {
  /** client id -> client secret; default the one sandbox application. */
  apps?: Record<string, string>;
  /** The sandbox's clock (epoch ms): tokens, order dates, the change feed. */
  now?: () => number;
  /** The rate buckets' clock (ms; default performance.now). */
  bucketNow?: () => number;
}

const traceId = () => randomBytes(8).toString('hex');
const problem = (status: number, code: string, message: string): SandboxResponse => {
  const trace = traceId();
  return { status, headers: { 'GNCP-GW-Trace-ID': trace }, body: { code, message, timestamp: new Date().toISOString(), traceId: trace } };
};

const refuse: Refusal = (kind) => {
  switch (kind) {
    case 'rate':
    case 'connections':
    case 'quota': {
      const answer = problem(429, 'GW.RATE_LIMIT', '요청이 많아 처리할 수 없습니다 (rate limit)');
      return { ...answer, headers: { ...answer.headers, 'GNCP-GW-RateLimit-Replenish-Rate': '20', 'GNCP-GW-RateLimit-Burst-Capacity': '40', 'GNCP-GW-RateLimit-Remaining': '0' } };
    }
    case 'maintenance':
      return problem(503, 'GW.BLOCK.MAINTENANCE', 'The service is under maintenance');
    case 'outage':
    case 'server':
      return problem(500, 'GW.INTERNAL_SERVER_ERROR', 'Internal server error');
  }
};

const equal = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Naver's product APIs: 20 requests a second per application, a bucket of twice that. */
export const PRODUCT_RATE = { replenishRate: 20, burstCapacity: 40 } as const;

const ORIGIN_V2 = /^\/external\/v2\/products\/origin-products\/(\d+)$/;
const OPTION_STOCK = /^\/external\/v1\/products\/origin-products\/(\d+)\/option-stock$/;
const CHANGE_STATUS = /^\/external\/v1\/products\/origin-products\/(\d+)\/change-status$/;
const FEED_PATH = '/external/v1/pay-order/seller/product-orders/last-changed-statuses';
const QUERY_PATH = '/external/v1/pay-order/seller/product-orders/query';
const DAY_MS = 86_400_000;

/** An API error in Naver's shape: `{code, message, invalidInputs[]{name, message, type}, timestamp, traceId}`. */
const invalid = (message: string, inputs: { name: string; message: string }[] = []): SandboxResponse => {
  const answer = problem(400, 'BAD_REQUEST', message);
  return { ...answer, body: { ...(answer.body as object), invalidInputs: inputs.map((i) => ({ ...i, type: 'Invalid' })) } };
};

const isoDate = (value: string | null): number | null => {
  if (!value || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
};

const json = (request: SandboxRequest): Record<string, unknown> | null => {
  try {
    const parsed = JSON.parse(request.body.toString('utf8') || '{}') as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

const isCount = (v: unknown, max = 99_999_999): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;

export const naverCommerceSandbox = (options: NaverCommerceSandboxOptions = {}): SandboxProvider => {
  const initialApps = () => new Map(Object.entries(options.apps ?? { [NAVER_COMMERCE_SANDBOX_APP.clientId]: NAVER_COMMERCE_SANDBOX_APP.clientSecret }));
  let apps = initialApps();
  const now = options.now ?? Date.now;
  const bucketNow = options.bucketNow ?? (() => performance.now());
  const controls = new Controls(['content-type']);
  const issued = new Map<string, { token: string; expiresAt: number }>();
  let sellers = new Map<string, SellerData>();
  let limits: { replenishRate: number; burstCapacity: number } = { ...PRODUCT_RATE };
  let buckets = new Map<string, { tokens: number; at: number }>();

  const seller = (clientId: string): SellerData => {
    let data = sellers.get(clientId);
    if (!data) {
      data = newSellerData();
      sellers.set(clientId, data);
    }
    return data;
  };

  /** null when the request is signed as Naver requires; the refusal otherwise. */
  const check = (form: URLSearchParams): SandboxResponse | null => {
    const missing = ['client_id', 'timestamp', 'client_secret_sign', 'grant_type', 'type'].filter((f) => !form.get(f));
    if (missing.length) return problem(400, 'BAD_REQUEST', `missing form fields: ${missing.join(', ')}`);
    if (form.get('grant_type') !== 'client_credentials') return problem(400, 'BAD_REQUEST', 'grant_type must be client_credentials');
    if (form.get('type') !== 'SELF') return problem(400, 'BAD_REQUEST', 'type must be SELF (SELLER needs a solution provider account)');
    const clientId = form.get('client_id')!;
    const timestamp = form.get('timestamp')!;
    if (!/^\d{13}$/.test(timestamp)) return problem(400, 'BAD_REQUEST', 'timestamp must be epoch milliseconds');
    const secret = apps.get(clientId);
    if (secret === undefined) return problem(404, 'GW.NOT_FOUND', 'no application has this client_id');
    if (Math.abs(now() - Number(timestamp)) > WINDOW_MS) return problem(403, 'GW.AUTHN', 'timestamp is outside the 5-minute window');
    const expected = Buffer.from(bcrypt.hashSync(`${clientId}_${timestamp}`, secret), 'utf8').toString('base64');
    if (!equal(form.get('client_secret_sign')!, expected)) return problem(403, 'GW.AUTHN', 'client_secret_sign does not match');
    return null;
  };

  const token = (clientId: string): SandboxResponse => {
    const at = now();
    let current = issued.get(clientId);
    if (!current || current.expiresAt - at <= REUSE_WHILE_S * 1000) {
      current = { token: randomBytes(24).toString('base64url'), expiresAt: at + TOKEN_LIFETIME_S * 1000 };
      issued.set(clientId, current);
    }
    return { status: 200, body: { access_token: current.token, expires_in: Math.floor((current.expiresAt - at) / 1000), token_type: 'Bearer' } };
  };

  /** The application a bearer token was issued to, or null (unknown, expired or revoked). */
  const bearerOf = (request: SandboxRequest): string | null => {
    const header = String(request.headers.authorization ?? '');
    const presented = /^Bearer (.+)$/.exec(header)?.[1];
    if (!presented) return null;
    for (const [clientId, t] of issued) if (equal(t.token, presented) && t.expiresAt > now() && apps.has(clientId)) return clientId;
    return null;
  };

  /** Takes a token from the application's bucket; the rate headers either way. */
  const takeToken = (clientId: string): { ok: boolean; headers: Record<string, string> } => {
    const at = bucketNow();
    const b = buckets.get(clientId) ?? { tokens: limits.burstCapacity, at };
    b.tokens = Math.min(limits.burstCapacity, b.tokens + ((at - b.at) / 1000) * limits.replenishRate);
    b.at = at;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    buckets.set(clientId, b);
    return {
      ok,
      headers: {
        'GNCP-GW-RateLimit-Replenish-Rate': String(limits.replenishRate),
        'GNCP-GW-RateLimit-Burst-Capacity': String(limits.burstCapacity),
        'GNCP-GW-RateLimit-Remaining': String(Math.floor(b.tokens)),
      },
    };
  };

  const product = (data: SellerData, no: string): OriginProduct | SandboxResponse => {
    const found = data.products.get(Number(no));
    return found ?? problem(404, 'NOT_FOUND', `no origin product ${no}`);
  };
  const isProduct = (p: OriginProduct | SandboxResponse): p is OriginProduct => 'originProductNo' in p;

  const putOptionStock = (data: SellerData, no: string, body: Record<string, unknown> | null): SandboxResponse => {
    const p = product(data, no);
    if (!isProduct(p)) return p;
    const info = body?.optionInfo as { optionCombinations?: unknown; useStockManagement?: unknown } | undefined;
    if (!info || !Array.isArray(info.optionCombinations)) return invalid('optionInfo.optionCombinations is required', [{ name: 'optionInfo.optionCombinations', message: 'required' }]);
    if (!p.options.length) return invalid(`origin product ${no} has no options`, [{ name: 'optionInfo', message: 'the product has no option combinations' }]);
    const problems: { name: string; message: string }[] = [];
    const changes = (info.optionCombinations as Record<string, unknown>[]).map((c, i) => {
      const name = `optionInfo.optionCombinations[${i}]`;
      const option = p.options.find((o) => o.id === c?.id);
      if (!option) problems.push({ name: `${name}.id`, message: 'no such option combination' });
      if (!isCount(c?.stockQuantity)) problems.push({ name: `${name}.stockQuantity`, message: 'an integer from 0 to 99999999' });
      if (c?.price !== undefined && !Number.isInteger(c.price)) problems.push({ name: `${name}.price`, message: 'an integer' });
      if (c?.usable !== undefined && typeof c.usable !== 'boolean') problems.push({ name: `${name}.usable`, message: 'true or false' });
      return { option, c };
    });
    if (typeof info.useStockManagement !== 'boolean') problems.push({ name: 'optionInfo.useStockManagement', message: 'true or false' });
    if (problems.length) return invalid('invalid option stock', problems);
    for (const { option, c } of changes) {
      option!.stockQuantity = c.stockQuantity as number;
      if (c.price !== undefined) option!.price = c.price as number;
      if (c.usable !== undefined) option!.usable = c.usable as boolean;
    }
    p.useStockManagement = info.useStockManagement as boolean;
    return { status: 200, body: {} };
  };

  const changeStatus = (data: SellerData, no: string, body: Record<string, unknown> | null): SandboxResponse => {
    const p = product(data, no);
    if (!isProduct(p)) return p;
    const status = body?.statusType;
    if (status !== 'SALE' && status !== 'OUTOFSTOCK' && status !== 'SUSPENSION') return invalid('statusType must be SALE, OUTOFSTOCK or SUSPENSION', [{ name: 'statusType', message: 'SALE, OUTOFSTOCK or SUSPENSION' }]);
    if (body?.stockQuantity !== undefined) {
      if (!isCount(body.stockQuantity)) return invalid('invalid stockQuantity', [{ name: 'stockQuantity', message: 'an integer from 0 to 99999999' }]);
      if (p.options.length) return invalid('a product with options changes stock per option (option-stock)', [{ name: 'stockQuantity', message: 'the product has options' }]);
      p.stockQuantity = body.stockQuantity as number;
    }
    p.statusType = status;
    return { status: 200, body: {} };
  };

  const feed = (data: SellerData, query: URLSearchParams): SandboxResponse => {
    const from = isoDate(query.get('lastChangedFrom'));
    const to = query.get('lastChangedTo') === null ? Math.min(now(), (from ?? 0) + DAY_MS) : isoDate(query.get('lastChangedTo'));
    const limitText = query.get('limitCount') ?? '300';
    const limit = /^\d+$/.test(limitText) ? Number(limitText) : NaN;
    const sequenceText = query.get('moreSequence');
    const problems: { name: string; message: string }[] = [];
    if (from === null) problems.push({ name: 'lastChangedFrom', message: 'required, ISO 8601 with an offset' });
    if (to === null) problems.push({ name: 'lastChangedTo', message: 'ISO 8601 with an offset' });
    if (from !== null && to !== null && (to < from || to - from > DAY_MS)) problems.push({ name: 'lastChangedTo', message: 'within 24 hours after lastChangedFrom' });
    if (!(limit >= 1 && limit <= 300)) problems.push({ name: 'limitCount', message: 'from 1 to 300' });
    if (sequenceText !== null && !/^\d+$/.test(sequenceText)) problems.push({ name: 'moreSequence', message: 'the moreSequence a previous page answered' });
    if (problems.length) return invalid('invalid change query', problems);
    return { status: 200, body: { timestamp: kst(now()), data: feedPage(data, from!, to!, sequenceText === null ? null : Number(sequenceText), limit), traceId: traceId() } };
  };

  const queryOrders = (data: SellerData, body: Record<string, unknown> | null): SandboxResponse => {
    const ids = body?.productOrderIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 300 || !ids.every((id) => typeof id === 'string')) {
      return invalid('productOrderIds must list 1 to 300 product order ids', [{ name: 'productOrderIds', message: '1 to 300 strings' }]);
    }
    const found = (ids as string[]).flatMap((id) => {
      const o = data.orders.get(id);
      return o ? [productOrderView(o)] : [];
    });
    return { status: 200, body: { timestamp: kst(now()), data: found, traceId: traceId() } };
  };

  const api = (request: SandboxRequest, clientId: string): SandboxResponse => {
    const data = seller(clientId);
    const key = `${request.method} ${request.path}`;
    data.calls[key] = (data.calls[key] ?? 0) + 1;
    let m: RegExpExecArray | null;
    if ((m = ORIGIN_V2.exec(request.path)) && request.method === 'GET') {
      const p = product(data, m[1]!);
      return isProduct(p) ? { status: 200, body: productView(p) } : p;
    }
    if ((m = OPTION_STOCK.exec(request.path)) && request.method === 'PUT') return putOptionStock(data, m[1]!, json(request));
    if ((m = CHANGE_STATUS.exec(request.path)) && request.method === 'PUT') return changeStatus(data, m[1]!, json(request));
    if (request.path === FEED_PATH && request.method === 'GET') return feed(data, request.query);
    if (request.path === QUERY_PATH && request.method === 'POST') return queryOrders(data, json(request));
    return problem(404, 'GW.NOT_FOUND', `no API at ${request.method} ${request.path} in this sandbox`);
  };

  /** Control: an order, a completed cancel or a completed return for the application (default the sandbox app). */
  const emit = (body: Record<string, unknown> | null): SandboxResponse => {
    const clientId = typeof body?.clientId === 'string' ? body.clientId : NAVER_COMMERCE_SANDBOX_APP.clientId;
    const data = seller(clientId);
    const at = body?.at === undefined ? now() : isoDate(String(body.at));
    if (at === null) return { status: 400, body: { message: 'orders: at must be ISO 8601 with an offset' } };
    const sequence = data.nextSequence++;
    if (body?.kind === 'sale') {
      const p = data.products.get(Number(body.originProductNo));
      if (!p) return { status: 404, body: { message: `orders: no origin product ${String(body.originProductNo)}` } };
      const option = body.optionCombinationId === undefined ? null : p.options.find((o) => o.id === Number(body.optionCombinationId));
      if (p.options.length && !option) return { status: 400, body: { message: 'orders: optionCombinationId must name one of the product\'s options' } };
      const quantity = body.quantity === undefined ? 1 : body.quantity;
      if (!Number.isInteger(quantity) || (quantity as number) < 1) return { status: 400, body: { message: 'orders: quantity must be a positive integer' } };
      const have = option ? option.stockQuantity : p.stockQuantity;
      if (have < (quantity as number)) return { status: 409, body: { message: `orders: only ${have} in stock` } };
      if (option) option.stockQuantity -= quantity as number;
      else p.stockQuantity -= quantity as number;
      const n = data.nextOrder++;
      const order: ProductOrder = {
        productOrderId: String(2026120600000000 + n), orderId: String(2026120610000000 + n), originalProductId: String(p.originProductNo),
        optionCode: option ? String(option.id) : null, quantity: quantity as number, unitPrice: p.salePrice + (option?.price ?? 0),
        status: 'PAYED', lastChangedType: 'PAYED', claimType: null, claimStatus: null, paymentDate: at, lastChangedDate: at, sequence,
      };
      data.orders.set(order.productOrderId, order);
      return { status: 201, body: { productOrderId: order.productOrderId, orderId: order.orderId, lastChangedDate: kst(at), sequence } };
    }
    if (body?.kind === 'cancel' || body?.kind === 'return') {
      const order = data.orders.get(String(body.productOrderId));
      if (!order) return { status: 404, body: { message: `orders: no product order ${String(body.productOrderId)}` } };
      if (order.status === 'CANCELED' || order.status === 'RETURNED') return { status: 409, body: { message: `orders: ${order.productOrderId} is already ${order.status}` } };
      const cancel = body.kind === 'cancel';
      Object.assign(order, {
        status: cancel ? 'CANCELED' : 'RETURNED', lastChangedType: 'CLAIM_COMPLETED', claimType: cancel ? 'CANCEL' : 'RETURN',
        claimStatus: cancel ? 'CANCEL_DONE' : 'RETURN_DONE', lastChangedDate: at, sequence,
      });
      // A cancelled order's units go back on sale at Naver; a returned one's wait for the seller's inspection.
      const p = data.products.get(Number(order.originalProductId));
      const option = p?.options.find((o) => String(o.id) === order.optionCode);
      if (cancel && p) {
        if (option) option.stockQuantity += order.quantity;
        else p.stockQuantity += order.quantity;
      }
      return { status: 200, body: { productOrderId: order.productOrderId, status: order.status, lastChangedDate: kst(at), sequence } };
    }
    return { status: 400, body: { message: 'orders: kind must be sale, cancel or return' } };
  };

  /** Control: replaces or adds origin products of an application. */
  const putProducts = (body: Record<string, unknown> | null): SandboxResponse => {
    const clientId = typeof body?.clientId === 'string' ? body.clientId : NAVER_COMMERCE_SANDBOX_APP.clientId;
    const list = body?.products;
    if (!Array.isArray(list)) return { status: 400, body: { message: 'products: products must be a list' } };
    const data = seller(clientId);
    for (const raw of list as Record<string, unknown>[]) {
      const no = raw.originProductNo;
      if (!Number.isSafeInteger(no) || (no as number) < 1) return { status: 400, body: { message: 'products: originProductNo must be a positive integer' } };
      const options = Array.isArray(raw.options) ? (raw.options as Record<string, unknown>[]) : [];
      data.products.set(no as number, {
        originProductNo: no as number, name: typeof raw.name === 'string' ? raw.name : `상품 ${String(no)}`, statusType: 'SALE',
        salePrice: Number.isInteger(raw.salePrice) ? (raw.salePrice as number) : 10_000, stockQuantity: isCount(raw.stockQuantity) ? raw.stockQuantity : 0,
        useStockManagement: true,
        options: options.map((o, i) => ({
          id: Number.isSafeInteger(o.id) ? (o.id as number) : (no as number) * 100 + i + 1, optionName1: typeof o.optionName1 === 'string' ? o.optionName1 : `옵션 ${i + 1}`,
          stockQuantity: isCount(o.stockQuantity) ? o.stockQuantity : 0, price: Number.isInteger(o.price) ? (o.price as number) : 0, usable: o.usable !== false,
        })),
      });
    }
    return { status: 200, body: { products: list.length } };
  };

  const control = async (action: string, request: SandboxRequest): Promise<SandboxResponse> => {
    const body = request.method === 'POST' ? json(request) : null;
    const clientOf = () => (typeof body?.clientId === 'string' ? body.clientId : request.query.get('clientId') ?? NAVER_COMMERCE_SANDBOX_APP.clientId);
    if (action === 'orders' && request.method === 'POST') return emit(body);
    if (action === 'products' && request.method === 'POST') return putProducts(body);
    const productMatch = /^products\/(\d+)$/.exec(action);
    if (productMatch && request.method === 'GET') {
      const p = seller(clientOf()).products.get(Number(productMatch[1]));
      return p ? { status: 200, body: productView(p) } : { status: 404, body: { message: `no origin product ${productMatch[1]}` } };
    }
    if (action === 'calls' && request.method === 'GET') return { status: 200, body: seller(clientOf()).calls };
    if (action === 'limits' && request.method === 'POST') {
      const rate = body?.replenishRate;
      const burst = body?.burstCapacity;
      if (!Number.isInteger(rate) || (rate as number) < 1 || !Number.isInteger(burst) || (burst as number) < 1) return { status: 400, body: { message: 'limits: replenishRate and burstCapacity must be positive integers' } };
      limits = { replenishRate: rate as number, burstCapacity: burst as number };
      buckets = new Map();
      return { status: 200, body: limits };
    }
    if (action === 'apps' && request.method === 'POST') {
      // A reissued (or revoked, clientSecret null) secret: the application's tokens stop working at once.
      const clientId = clientOf();
      if (body?.clientSecret === null) apps.delete(clientId);
      else if (typeof body?.clientSecret === 'string') apps.set(clientId, body.clientSecret);
      else return { status: 400, body: { message: 'apps: clientSecret must be a bcrypt salt or null' } };
      issued.delete(clientId);
      return { status: 200, body: { clientId } };
    }
    if (action === 'tokens/revoke' && request.method === 'POST') {
      issued.delete(clientOf());
      return { status: 200, body: { revoked: true } };
    }
    if (action === 'reset' && request.method === 'POST') {
      apps = initialApps();
      issued.clear();
      sellers = new Map();
      limits = { ...PRODUCT_RATE };
      buckets = new Map();
    }
    return controls.control(action, request);
  };

  return {
    name: NAVER_COMMERCE_SANDBOX_NAME,
    handle: async (request: SandboxRequest) => {
      if (request.path !== TOKEN_PATH) {
        let rate: Record<string, string> = {};
        const answer = await controls.serve(
          request,
          () => (bearerOf(request) ? null : problem(401, 'GW.AUTHN', 'the access token is missing, expired or revoked')),
          refuse,
          () => {
            const clientId = bearerOf(request)!;
            const taken = takeToken(clientId);
            rate = taken.headers;
            if (!taken.ok) return problem(429, 'GW.RATE_LIMIT', '요청이 많아 처리할 수 없습니다 (rate limit)');
            return api(request, clientId);
          },
        );
        const traced = { 'GNCP-GW-Trace-ID': traceId(), ...answer.headers };
        return { ...answer, headers: { ...traced, ...rate } };
      }
      if (request.method !== 'POST') return problem(405, 'GW.METHOD_NOT_ALLOWED', 'use POST');
      const type = String(request.headers['content-type'] ?? '');
      if (!type.startsWith('application/x-www-form-urlencoded')) return problem(400, 'BAD_REQUEST', 'the body must be application/x-www-form-urlencoded');
      const form = new URLSearchParams(request.body.toString('utf8'));
      return controls.serve(request, () => check(form), refuse, () => token(form.get('client_id')!));
    },
    control,
    close: async () => controls.close(),
  };
};
