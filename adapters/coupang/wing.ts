/**
 * Coupang Wing (the seller APIs) with a seller's own keys, from the tenant's connection. Every call is CEA-signed
 * afresh per attempt and names the vendor (`X-Requested-By`). Coupang allows about 10 calls a second per vendor
 * and then answers 429 and blocks for a while, so calls take a per-vendor rate slot from the shared rate counter,
 * 429 and 5xx are retried with full-jitter backoff, and a response carrying `X-CAG-Warnings` (the gateway nearing
 * its threshold) makes this process take two slots a call for that vendor for a while. Rocket Growth calls
 * (50 a minute per vendor) take slots of their own. Ids stay strings: integers past 2^53 (18-digit shipmentBoxId)
 * are read from the JSON text exactly.
 */
import type {
  ItemInventory,
  OrderItem,
  OrderSheet,
  OrderSheetQuery,
  Page,
  ReturnQuery,
  ReturnRequest,
  RevenueItem,
  RevenueLine,
  RevenueQuery,
  RocketGrowthStock,
  SellerProduct,
  SellerProductItem,
  SellerProductsQuery,
  SellerProductSummary,
  WingAccount,
} from '../../core/coupang/model.ts';
import type { CallOptions, WingApi } from '../../core/coupang/ports.ts';
import type { ProviderDeps } from '../providers/deps.ts';
import { providerHttp, retryRateLimitsAndServerErrors, type ProviderResponse, type RetryPolicy } from '../providers/http.ts';
import { rateLimiter } from '../providers/limits.ts';
import { ceaAuthorization } from './cea.ts';
import { parseBody, wingError } from './errors.ts';

export const MARKETPLACE = '/v2/providers/seller_api/apis/api/v1/marketplace';
export const OPENAPI = '/v2/providers/openapi/apis/api';
export const ROCKET_GROWTH = '/v2/providers/rg_open_api/apis/api/v1';

export interface WingOptions {
  baseUrl: string;
  timeoutMs: number;
  retry: RetryPolicy;
  /** Calls a second per vendor, shared by every process. */
  ratePerSecond: number;
  /** Rocket Growth calls a minute per vendor, shared by every process (Coupang allows 50). */
  rocketGrowthPerMinute: number;
  rateMaxWaitMs: number;
  /** How long after an X-CAG-Warnings header calls for that vendor go at half the rate. */
  slowdownMs: number;
}

// ---- Reading Coupang's fields ----------------------------------------------------------------------------------

const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
const id = (v: unknown): string => str(v) ?? '';
const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};
const int0 = (v: unknown): number => num(v) ?? 0;
const list = (v: unknown): Array<Record<string, unknown>> => (Array.isArray(v) ? (v as Array<Record<string, unknown>>).filter((x) => x && typeof x === 'object') : []);

export const toSummary = (p: Record<string, unknown>): SellerProductSummary => ({
  sellerProductId: id(p.sellerProductId),
  sellerProductName: String(p.sellerProductName ?? ''),
  productId: str(p.productId),
  displayCategoryCode: str(p.displayCategoryCode),
  brand: str(p.brand),
  statusName: String(p.statusName ?? ''),
  createdAt: str(p.createdAt),
  saleStartedAt: str(p.saleStartedAt),
  saleEndedAt: str(p.saleEndedAt),
});

const toItem = (i: Record<string, unknown>): SellerProductItem => ({
  vendorItemId: id(i.vendorItemId),
  itemName: String(i.itemName ?? ''),
  originalPrice: num(i.originalPrice),
  salePrice: num(i.salePrice),
  maximumBuyCount: num(i.maximumBuyCount),
  externalVendorSku: str(i.externalVendorSku),
});

const toOrderItem = (i: Record<string, unknown>): OrderItem => ({
  vendorItemId: id(i.vendorItemId),
  vendorItemName: String(i.vendorItemName ?? ''),
  productId: str(i.productId),
  sellerProductId: id(i.sellerProductId),
  sellerProductName: String(i.sellerProductName ?? ''),
  sellerProductItemName: str(i.sellerProductItemName),
  externalVendorSkuCode: str(i.externalVendorSkuCode),
  shippingCount: int0(i.shippingCount),
  salesPrice: int0(i.salesPrice),
  orderPrice: int0(i.orderPrice),
  discountPrice: int0(i.discountPrice),
  cancelCount: int0(i.cancelCount),
  holdCountForCancel: int0(i.holdCountForCancel),
  confirmDate: str(i.confirmDate),
  estimatedShippingDate: str(i.estimatedShippingDate),
  canceled: i.canceled === true,
});

export const toOrderSheet = (s: Record<string, unknown>): OrderSheet => ({
  shipmentBoxId: id(s.shipmentBoxId),
  orderId: id(s.orderId),
  orderedAt: str(s.orderedAt),
  paidAt: str(s.paidAt),
  status: String(s.status ?? ''),
  shippingPrice: int0(s.shippingPrice),
  remotePrice: int0(s.remotePrice),
  deliveryCompanyName: str(s.deliveryCompanyName),
  invoiceNumber: str(s.invoiceNumber),
  deliveredDate: str(s.deliveredDate),
  items: list(s.orderItems).map(toOrderItem),
});

const toReturn = (r: Record<string, unknown>): ReturnRequest => ({
  receiptId: id(r.receiptId),
  orderId: id(r.orderId),
  receiptType: String(r.receiptType ?? ''),
  receiptStatus: String(r.receiptStatus ?? ''),
  createdAt: str(r.createdAt),
  cancelReason: str(r.cancelReason),
  cancelCountSum: int0(r.cancelCountSum),
  faultByType: str(r.faultByType),
  items: list(r.returnItems).map((i) => ({ vendorItemId: id(i.vendorItemId), cancelCount: int0(i.cancelCount), purchaseCount: int0(i.purchaseCount), shipmentBoxId: str(i.shipmentBoxId) })),
});

const toRevenueItem = (i: Record<string, unknown>): RevenueItem => ({
  taxType: String(i.taxType ?? ''),
  productId: str(i.productId),
  vendorItemId: id(i.vendorItemId),
  vendorItemName: String(i.vendorItemName ?? ''),
  salePrice: int0(i.salePrice),
  quantity: int0(i.quantity),
  coupangDiscountCoupon: int0(i.coupangDiscountCoupon),
  sellerDiscountCoupon: int0(i.sellerDiscountCoupon),
  saleAmount: int0(i.saleAmount),
  serviceFee: int0(i.serviceFee),
  serviceFeeVat: int0(i.serviceFeeVat),
  serviceFeeRatio: int0(i.serviceFeeRatio),
  settlementAmount: int0(i.settlementAmount),
  externalSellerSkuCode: str(i.externalSellerSkuCode),
});

export const toRevenueLine = (l: Record<string, unknown>): RevenueLine => {
  const fee = l.deliveryFee && typeof l.deliveryFee === 'object' ? (l.deliveryFee as Record<string, unknown>) : null;
  return {
    orderId: id(l.orderId),
    saleType: l.saleType === 'REFUND' ? 'REFUND' : 'SALE',
    saleDate: str(l.saleDate),
    recognitionDate: str(l.recognitionDate),
    settlementDate: str(l.settlementDate),
    finalSettlementDate: str(l.finalSettlementDate),
    deliveryFee: fee ? { amount: int0(fee.amount), fee: int0(fee.fee), feeVat: int0(fee.feeVat), feeRatio: num(fee.feeRatio) } : null,
    items: list(l.items).map(toRevenueItem),
  };
};

/** `code` is numeric (200) on some APIs and "SUCCESS"/"ERROR" on others. */
const succeeded = (body: Record<string, unknown>): boolean => body.code === undefined || body.code === 'SUCCESS' || String(body.code) === '200';
const token = (v: unknown): string | null => (v === null || v === undefined || String(v) === '' ? null : String(v));

// ---- The client --------------------------------------------------------------------------------------------------

export const coupangWing = (options: WingOptions, deps: ProviderDeps): WingApi => {
  const now = () => deps.clock.now().getTime();
  const slowUntil = new Map<string, number>();

  const call = async (
    account: WingAccount,
    request: { api: string; path: string; method?: 'GET' | 'PUT'; query?: URLSearchParams; notFound?: string; rocketGrowth?: boolean },
    callOptions: CallOptions = {},
  ): Promise<Record<string, unknown>> => {
    const { vendorId } = account;
    const rate = request.rocketGrowth
      ? rateLimiter(deps, { name: `coupang:rg:rate:${vendorId}`, provider: 'Coupang Rocket Growth', perSecond: options.rocketGrowthPerMinute / 60, maxWaitMs: options.rateMaxWaitMs })
      : rateLimiter(deps, { name: `coupang:wing:rate:${vendorId}`, provider: 'Coupang Wing', perSecond: options.ratePerSecond, maxWaitMs: options.rateMaxWaitMs });
    const http = providerHttp({
      provider: 'coupang-wing',
      label: 'Coupang Wing',
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs,
      retry: options.retry,
      // Signed afresh for every attempt: the signature carries its time.
      sign: (r) => ({ authorization: ceaAuthorization(account, r, deps.clock.now()), 'content-type': 'application/json;charset=UTF-8', 'x-requested-by': vendorId }),
      classify: (r: ProviderResponse) => {
        noteWarnings(vendorId, r);
        return retryRateLimitsAndServerErrors(r);
      },
      onRetry: (info) => deps.warn?.('retrying Coupang Wing call', { ...info, vendorId }),
    });
    const { response, attempts } = await http.send({
      api: request.api,
      method: request.method ?? 'GET',
      path: request.path,
      ...(request.query ? { query: request.query } : {}),
      ...(callOptions.signal ? { signal: callOptions.signal } : {}),
      beforeAttempt: async () => {
        await rate.acquire(callOptions.signal);
        // Told to slow down: a second slot per call halves this vendor's rate in every process that shares it.
        if ((slowUntil.get(vendorId) ?? 0) > now()) await rate.acquire(callOptions.signal);
      },
    });
    const failure = { api: request.api, vendorId, ...(request.notFound ? { notFound: request.notFound } : {}) };
    if (response.status !== 200) throw wingError(response, failure, attempts, now());
    const body = parseBody(response.text);
    if (!succeeded(body)) throw wingError({ ...response, status: 400 }, failure, attempts, now());
    return body;
  };

  const noteWarnings = (vendorId: string, response: ProviderResponse): void => {
    const warning = response.headers.get('x-cag-warnings');
    if (!warning) return;
    if ((slowUntil.get(vendorId) ?? 0) <= now()) deps.warn?.('Coupang asks to slow down; halving the Wing call rate for a while', { vendorId, warning, slowdownMs: options.slowdownMs });
    slowUntil.set(vendorId, now() + options.slowdownMs);
  };

  const daily = (day: string) => `${day}+09:00`;

  return {
    sellerProducts: async (account, q: SellerProductsQuery, callOptions) => {
      const query = new URLSearchParams({ vendorId: account.vendorId, maxPerPage: String(q.limit) });
      if (q.nextToken) query.set('nextToken', q.nextToken);
      const body = await call(account, { api: 'seller-products', path: `${MARKETPLACE}/seller-products`, query }, callOptions);
      return { items: list(body.data).map(toSummary), nextToken: token(body.nextToken) };
    },
    sellerProduct: async (account, sellerProductId, callOptions): Promise<SellerProduct> => {
      const body = await call(
        account,
        { api: 'seller-product', path: `${MARKETPLACE}/seller-products/${encodeURIComponent(sellerProductId)}`, notFound: `seller product ${sellerProductId}` },
        callOptions,
      );
      const data = (body.data && typeof body.data === 'object' ? body.data : {}) as Record<string, unknown>;
      return { ...toSummary(data), items: list(data.items).map(toItem) };
    },
    inventory: async (account, vendorItemId, callOptions): Promise<ItemInventory> => {
      const body = await call(
        account,
        { api: 'inventories', path: `${MARKETPLACE}/vendor-items/${encodeURIComponent(vendorItemId)}/inventories`, notFound: `vendor item ${vendorItemId}` },
        callOptions,
      );
      const d = (body.data && typeof body.data === 'object' ? body.data : {}) as Record<string, unknown>;
      return { vendorItemId, sellerItemId: str(d.sellerItemId), amountInStock: int0(d.amountInStock), salePrice: num(d.salePrice), onSale: d.onSale === true };
    },
    setQuantity: async (account, vendorItemId, quantity, callOptions): Promise<void> => {
      await call(
        account,
        {
          api: 'quantities',
          method: 'PUT',
          path: `${MARKETPLACE}/vendor-items/${encodeURIComponent(vendorItemId)}/quantities/${quantity}`,
          notFound: `vendor item ${vendorItemId}`,
        },
        callOptions,
      );
    },
    rocketGrowthInventory: async (account, q, callOptions): Promise<Page<RocketGrowthStock>> => {
      const query = new URLSearchParams();
      if (q.vendorItemId) query.set('vendorItemId', q.vendorItemId);
      if (q.nextToken) query.set('nextToken', q.nextToken);
      const body = await call(
        account,
        { api: 'rg-inventory-summaries', path: `${ROCKET_GROWTH}/vendors/${encodeURIComponent(account.vendorId)}/rg/inventory/summaries`, query, rocketGrowth: true },
        callOptions,
      );
      const items = list(body.data).map((d) => {
        const details = (d.inventoryDetails && typeof d.inventoryDetails === 'object' ? d.inventoryDetails : {}) as Record<string, unknown>;
        return { vendorItemId: id(d.vendorItemId), externalSkuId: str(d.externalSkuId), orderableQuantity: int0(details.totalOrderableQuantity) };
      });
      return { items, nextToken: token(body.nextToken) };
    },
    orderSheets: async (account, q: OrderSheetQuery, callOptions): Promise<Page<OrderSheet>> => {
      const query =
        q.mode === 'daily'
          ? new URLSearchParams({ createdAtFrom: daily(q.from), createdAtTo: daily(q.to), status: q.status, maxPerPage: String(q.maxPerPage) })
          : new URLSearchParams({ createdAtFrom: `${q.from}+09:00`, createdAtTo: `${q.to}+09:00`, status: q.status, searchType: 'timeFrame' });
      if (q.mode === 'daily' && q.nextToken) query.set('nextToken', q.nextToken);
      const body = await call(account, { api: 'ordersheets', path: `${OPENAPI}/v5/vendors/${encodeURIComponent(account.vendorId)}/ordersheets`, query }, callOptions);
      return { items: list(body.data).map(toOrderSheet), nextToken: q.mode === 'daily' ? token(body.nextToken) : null };
    },
    returnRequests: async (account, q: ReturnQuery, callOptions): Promise<Page<ReturnRequest>> => {
      const query = q.timeFrame
        ? new URLSearchParams({ createdAtFrom: `${q.from}+09:00`, createdAtTo: `${q.to}+09:00`, searchType: 'timeFrame', maxPerPage: String(q.maxPerPage) })
        : new URLSearchParams({ createdAtFrom: q.from, createdAtTo: q.to, maxPerPage: String(q.maxPerPage) });
      if (q.status === 'CANCEL') query.set('cancelType', 'CANCEL');
      else query.set('status', q.status);
      if (q.nextToken) query.set('nextToken', q.nextToken);
      const body = await call(account, { api: 'returnRequests', path: `${OPENAPI}/v6/vendors/${encodeURIComponent(account.vendorId)}/returnRequests`, query }, callOptions);
      return { items: list(body.data).map(toReturn), nextToken: token(body.nextToken) };
    },
    revenueHistory: async (account, q: RevenueQuery, callOptions): Promise<Page<RevenueLine>> => {
      // `token` is required, empty on the first page.
      const query = new URLSearchParams({ vendorId: account.vendorId, recognitionDateFrom: q.from, recognitionDateTo: q.to, token: q.token, maxPerPage: String(q.maxPerPage) });
      const body = await call(account, { api: 'revenue-history', path: `${OPENAPI}/v1/revenue-history`, query }, callOptions);
      return { items: list(body.data).map(toRevenueLine), nextToken: body.hasNext === true ? token(body.nextToken) : null };
    },
  };
};
