/**
 * 1688 cross-border open platform client (providers.md sections 4 and 10): every call is
 * `POST {base}/openapi/param2/1/{namespace}/{apiName}/{appKey}`, form-encoded, object parameters as JSON strings,
 * signed per attempt (the timestamp changes) with `_aop_signature`. Search pages are cached per query and page,
 * details per offer; concurrent detail calls for one offer share one provider call.
 */
import {
  SOURCES,
  type ImageQuery,
  type ImageSearchResult,
  type KeywordPageQuery,
  type Offer,
  type OfferDetail,
  type OfferPage,
  type OfferPriceTier,
  type QuoteType,
  type Sku,
  type SkuAttribute,
  type Sourced,
} from '../../core/alibaba/model.ts';
import type { CallOptions, OfferCatalog } from '../../core/alibaba/ports.ts';
import { DomainError } from '../../core/shared/errors.ts';
import { ttlCache } from '../providers/cache.ts';
import { coalescer } from '../providers/coalesce.ts';
import type { ProviderDeps } from '../providers/deps.ts';
import { ProviderUnreachable, retryRateLimitsAndServerErrors, sendWithRetry, type ProviderResponse, type RetryPolicy } from '../providers/http.ts';
import { rateLimiter } from '../providers/limits.ts';
import { alibabaBusinessError, alibabaGatewayError, gatewayError } from './errors.ts';
import { aopSignature, urlPath } from './signature.ts';

export const CROSSBORDER = 'com.alibaba.fenxiao.crossborder';
export const APIS = {
  keywordQuery: 'product.search.keywordQuery',
  detail: 'product.search.queryProductDetail',
  imageUpload: 'product.image.upload',
  imageQuery: 'product.search.imageQuery',
} as const;

export interface AlibabaOptions {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  accessToken: string;
  /** The language 1688 translates subjects and attributes into (`country`). */
  country: string;
  timeoutMs: number;
  retry: RetryPolicy;
  ratePerSecond: number;
  rateMaxWaitMs: number;
  searchTtlMs: number;
  detailTtlMs: number;
  fetch?: typeof fetch;
  random?: () => number;
}

// ---- Normalisation ---------------------------------------------------------------------------------------

/** Yuan ("12.5", "12.50", 12.5) to fen, half-up; null for anything that is not a positive amount. */
export const fen = (value: unknown): number | null => {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = /^(\d{1,9})(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  // From the digits, not a float: "12.345" is 1,234.5 fen, half-up 1,235.
  const frac = (m[2] ?? '').padEnd(3, '0');
  const n = Number(m[1]) * 100 + Number(frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1 : 0);
  return n > 0 ? n : null;
};

const int = (value: unknown): number | null => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
};

const num = (value: unknown): number | null => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
};

const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : null);

/** "10%" -> 10; "12.5%" -> 12.5; a bare number is taken as percent already. */
export const percent = (value: unknown): number | null => num(typeof value === 'string' ? value.replace(/%\s*$/, '') : value);

const obj = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const arr = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.map(obj) : []);

export const normaliseOffer = (raw: Record<string, unknown>): Offer => {
  const price = obj(raw.priceInfo);
  return {
    offerId: text(raw.offerId) ?? '',
    subject: text(raw.subject) ?? '',
    subjectTranslated: text(raw.subjectTrans),
    imageUrl: text(raw.imageUrl),
    priceFen: fen(price.price),
    promotionPriceFen: fen(price.promotionPrice),
    consignPriceFen: fen(price.consignPrice),
    monthSold: int(raw.monthSold),
    repurchaseRatePercent: percent(raw.repurchaseRate),
    minOrderQuantity: int(raw.minOrderQuantity),
    tradeScore: num(raw.tradeScore),
    sellerIdentities: Array.isArray(raw.sellerIdentities) ? raw.sellerIdentities.map(String) : [],
    categoryId: text(raw.topCategoryId),
    shippingPromise: text(obj(raw.productSimpleShippingInfo).shippingTimeGuarantee),
  };
};

export const normalisePage = (raw: Record<string, unknown>, page: number, pageSize: number): OfferPage => ({
  total: int(raw.totalRecords) ?? 0,
  totalPages: int(raw.totalPage) ?? 0,
  page: int(raw.currentPage) ?? page,
  pageSize: int(raw.pageSize) ?? pageSize,
  offers: arr(raw.data).map(normaliseOffer).filter((o) => o.offerId !== ''),
});

const QUOTE: Record<string, QuoteType> = { '0': 'by_quantity', '1': 'by_sku', '2': 'sku_by_quantity' };

const attribute = (a: Record<string, unknown>): SkuAttribute => ({
  name: text(a.attributeName) ?? '',
  nameTranslated: text(a.attributeNameTrans),
  value: text(a.value) ?? '',
  valueTranslated: text(a.valueTrans),
  imageUrl: text(a.skuImageUrl),
});

export const normaliseDetail = (raw: Record<string, unknown>, offerId: string): OfferDetail => {
  const sale = obj(raw.productSaleInfo);
  const shipping = obj(raw.productShippingInfo);
  const skuWeights = new Map(arr(shipping.skuShippingInfoList).map((s) => [text(s.skuId), num(s.weight)]));
  const tiers: OfferPriceTier[] = arr(sale.priceRangeList)
    .map((t) => ({ minQuantity: int(t.startQuantity) ?? 0, unitPriceFen: fen(t.price) ?? 0 }))
    .filter((t) => t.minQuantity > 0 && t.unitPriceFen > 0)
    .sort((a, b) => a.minQuantity - b.minQuantity);
  const skus: Sku[] = arr(raw.productSkuInfos).map((s) => {
    const skuId = text(s.skuId) ?? '';
    const grams = skuWeights.get(skuId);
    return {
      skuId,
      specId: text(s.specId),
      stock: int(s.amountOnSale),
      priceFen: fen(s.price),
      promotionPriceFen: fen(s.promotionPrice),
      attributes: arr(s.skuAttributes).map(attribute),
      weightGrams: grams != null && grams > 0 ? Math.round(grams) : null,
    };
  });
  const positive = (v: unknown) => {
    const n = num(v);
    return n !== null && n > 0 ? n : null;
  };
  const images = arr([obj(raw.productImage)]).flatMap((i) => (Array.isArray(i.images) ? i.images.map(String) : []));
  return {
    offerId: text(raw.offerId) ?? offerId,
    subject: text(raw.subject) ?? '',
    subjectTranslated: text(raw.subjectTrans),
    categoryId: text(raw.categoryId),
    status: text(raw.status),
    // Without a stated minimum, the first tier's start is the minimum; without tiers, one unit.
    minOrderQuantity: Math.max(1, int(raw.minOrderQuantity) ?? tiers[0]?.minQuantity ?? 1),
    quoteType: QUOTE[String(sale.quoteType ?? (skus.length ? 1 : 0))] ?? (skus.length ? 'by_sku' : 'by_quantity'),
    priceTiers: tiers,
    skus,
    stock: int(sale.amountOnSale),
    unit: text(obj(sale.unitInfo).unit) ?? text(sale.unitInfo),
    shipping: { weightKg: positive(shipping.weight), lengthCm: positive(shipping.length), widthCm: positive(shipping.width), heightCm: positive(shipping.height) },
    seller: { openId: text(raw.sellerOpenId), companyName: text(raw.companyName) },
    images,
  };
};

// ---- The client ------------------------------------------------------------------------------------------

interface Entry<T> {
  data: T;
  asOf: string;
}

const SORTS: Record<KeywordPageQuery['sort'], string | null> = {
  relevance: null,
  price_asc: JSON.stringify({ price: 'asc' }),
  price_desc: JSON.stringify({ price: 'desc' }),
  sales_desc: JSON.stringify({ monthSold: 'desc' }),
};

/** Throttling answers and server errors may pass; the gateway's throttling comes as an error code too. */
const classify = (r: ProviderResponse) => {
  const gw = r.status !== 200 ? gatewayError(r) : null;
  return gw && /^gw\.Qos/i.test(gw.code) ? 'retry' : retryRateLimitsAndServerErrors(r);
};

export const alibabaGateway = (options: AlibabaOptions, deps: ProviderDeps): OfferCatalog => {
  const now = () => deps.clock.now().getTime();
  const base = options.baseUrl.replace(/\/+$/, '');
  // The app key is not a secret; the secret and the token never leave the signed form body.
  const rate = rateLimiter(deps, { name: `alibaba:rate:${options.appKey}`, provider: '1688', perSecond: options.ratePerSecond, maxWaitMs: options.rateMaxWaitMs });
  const cache = ttlCache(deps.cache, { namespace: 'alibaba', onError: (message, attributes) => deps.warn?.(message, attributes) });

  /** One gateway call; resolves with the API's `result.result` or throws the mapped domain error. */
  const call = async (apiName: string, params: Record<string, string>, signal?: AbortSignal, context: { offerId?: string } = {}): Promise<unknown> => {
    const path = urlPath(CROSSBORDER, apiName, options.appKey);
    let sent: { response: ProviderResponse; attempts: number };
    try {
      sent = await sendWithRetry({
        request: () => {
          const form: Record<string, string> = { ...params, access_token: options.accessToken, _aop_timestamp: String(now()) };
          form._aop_signature = aopSignature(options.appSecret, path, form);
          return {
            url: `${base}/openapi/${path}`,
            init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' }, body: new URLSearchParams(form).toString() },
          };
        },
        beforeAttempt: () => rate.acquire(signal),
        classify,
        policy: options.retry,
        timeoutMs: options.timeoutMs,
        ...(signal ? { signal } : {}),
        onRetry: (info) => deps.warn?.('retrying 1688 call', { api: apiName, ...info }),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.random ? { random: options.random } : {}),
      });
    } catch (error) {
      if (error instanceof ProviderUnreachable) {
        throw new DomainError('upstream_failed', `1688 is unreachable: ${error.message}`, { details: { provider: '1688', api: apiName, timedOut: error.timedOut }, cause: error });
      }
      throw error;
    }
    const { response, attempts } = sent;
    if (response.status !== 200 || gatewayError(response)) throw alibabaGatewayError(response, apiName, attempts, now());
    let body: Record<string, unknown>;
    try {
      body = obj(JSON.parse(response.text));
    } catch (error) {
      throw new DomainError('upstream_failed', `1688 ${apiName} answered 200 with a body that is not JSON`, { details: { provider: '1688', api: apiName }, cause: error });
    }
    const result = obj(body.result);
    if (result.success !== true && result.success !== 'true') {
      throw alibabaBusinessError(apiName, text(result.code), text(result.message) ?? text(result.msg) ?? 'no message', context);
    }
    return result.result;
  };

  const cached = async <T>(kind: string, params: unknown, ttlMs: number, source: string, fetch: () => Promise<T>): Promise<Sourced<T>> => {
    const { value, cached } = await cache.through<Entry<T>>(cache.key(kind, params), ttlMs, async () => ({ data: await fetch(), asOf: new Date(now()).toISOString() }), { kind });
    return { source, asOf: value.asOf, cached, data: value.data };
  };

  const pageParam = (q: { page: number; pageSize: number }) => ({ beginPage: q.page, pageSize: q.pageSize, country: options.country });

  // Rows of a batch naming one offer arrive together: they share one provider call, then the cache.
  const details = coalescer<Entry<OfferDetail> & { cached: boolean }>({
    maxKeys: 2, // one offer per scope, so a group never fills and waits for its window
    windowMs: 0,
    maxHoldMs: 50,
    ready: async () => {},
    send: async ([offerId]) => {
      const { value, cached } = await cache.through<Entry<OfferDetail>>(cache.key('detail', { offerId, country: options.country }), options.detailTtlMs, async () => {
        const raw = await call(APIS.detail, { offerDetailParam: JSON.stringify({ offerId: Number(offerId), country: options.country }) }, undefined, { offerId: offerId! });
        return { data: normaliseDetail(obj(raw), offerId!), asOf: new Date(now()).toISOString() };
      }, { kind: 'detail' });
      return { ...value, cached };
    },
  });

  return {
    search: (q: KeywordPageQuery, callOptions: CallOptions = {}) => {
      const param = {
        keyword: q.keyword,
        ...pageParam(q),
        ...(SORTS[q.sort] ? { sort: SORTS[q.sort] } : {}),
        ...(q.priceMin !== undefined ? { priceStart: String(q.priceMin) } : {}),
        ...(q.priceMax !== undefined ? { priceEnd: String(q.priceMax) } : {}),
      };
      return cached('search', param, options.searchTtlMs, SOURCES.keywordSearch, async () =>
        normalisePage(obj(await call(APIS.keywordQuery, { offerQueryParam: JSON.stringify(param) }, callOptions.signal)), q.page, q.pageSize),
      );
    },
    detail: async (offerId: string, callOptions: CallOptions = {}) => {
      const shared = await details.arrive(`detail:${offerId}`).join([offerId], callOptions.signal);
      const { data, asOf, cached: wasCached } = shared.result;
      return { source: SOURCES.detail, asOf, cached: wasCached, data };
    },
    imageSearch: async (q: ImageQuery, callOptions: CallOptions = {}): Promise<Sourced<ImageSearchResult>> => {
      let image: ImageSearchResult['image'];
      let param: Record<string, unknown>;
      if (q.kind === 'upload') {
        const raw = await call(APIS.imageUpload, { uploadImageParam: JSON.stringify({ imageBase64: q.imageBase64 }) }, callOptions.signal);
        const imageId = text(raw) ?? text(obj(raw).imageId);
        if (!imageId) throw new DomainError('upstream_failed', '1688 accepted the image upload but gave no image id', { details: { provider: '1688', api: APIS.imageUpload } });
        image = { kind: 'upload', imageId, format: q.format, bytes: q.bytes };
        param = { imageId, ...pageParam(q) };
      } else {
        image = { kind: 'url', imageUrl: q.imageUrl };
        param = { imageAddress: q.imageUrl, ...pageParam(q) };
      }
      const page = normalisePage(obj(await call(APIS.imageQuery, { offerQueryParam: JSON.stringify(param) }, callOptions.signal)), q.page, q.pageSize);
      return { source: SOURCES.imageSearch, asOf: new Date(now()).toISOString(), cached: false, data: { ...page, image } };
    },
  };
};
