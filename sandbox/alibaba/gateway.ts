/**
 * The 1688 open platform gateway (providers.md sections 4 and 10): `POST /openapi/param2/1/{namespace}/{apiName}/{appKey}`
 * with a form body. It checks what the gateway checks, in its order: the app key, the timestamp, the signature
 * (computed here on its own, not with the client's code), the access token; then the API's parameters, answering
 * business failures as `{result:{success:false, code, message}}` inside a 200 as the APIs do.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SandboxProvider, SandboxRequest, SandboxResponse } from '../types.ts';
import { Controls, type Refusal } from '../naver/controls.ts';
import { hash } from '../naver/data.ts';
import { imageOffers, keywordOffers, keywordTotal, offerDetail, offerRow } from './data.ts';
import { sandboxOAuth } from './oauth.ts';

export interface AlibabaSandboxOptions {
  appKey: string;
  appSecret: string;
  accessToken: string;
}

const NAMESPACE = 'com.alibaba.fenxiao.crossborder';

let requestCounter = 0;
const gatewayError = (status: number, code: string, message: string): SandboxResponse => ({
  status,
  body: { error_code: code, error_message: message, request_id: `sandbox-${(++requestCounter).toString(36)}` },
});
const ok = (result: unknown): SandboxResponse => ({ status: 200, body: { result: { success: true, code: '200', message: 'success', result } } });
const fail = (code: string, message: string): SandboxResponse => ({ status: 200, body: { result: { success: false, code, message } } });

const refuse: Refusal = (kind) => {
  switch (kind) {
    case 'quota':
      return gatewayError(429, 'gw.QosApiFrequencyLimit', 'App call limited: the daily call quota of this API is used up');
    case 'rate':
    case 'connections':
      return gatewayError(429, 'gw.QosAppFrequencyLimit', 'App call frequency is limited');
    case 'maintenance':
    case 'outage':
    case 'server':
      return gatewayError(500, 'gw.InternalError', 'The gateway could not complete the request');
  }
};

/** The signature as the platform documents it, written out here independently of the client. */
export const expectedSignature = (secret: string, urlPath: string, form: URLSearchParams): string => {
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of form) if (k !== '_aop_signature') pairs.push([k, v]);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let message = urlPath;
  for (const [k, v] of pairs) message += k + v;
  return createHmac('sha1', Buffer.from(secret, 'utf8')).update(Buffer.from(message, 'utf8')).digest('hex').toUpperCase();
};

const jsonParam = (form: URLSearchParams, name: string): Record<string, unknown> | null => {
  const raw = form.get(name);
  if (raw === null) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

const positiveInt = (v: unknown, fallback: number): number | null => {
  if (v === undefined) return fallback;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : null;
};

/** A page of offer rows, in the keyword search's shape. */
const page = (ids: string[], total: number, param: Record<string, unknown>): SandboxResponse => {
  const beginPage = positiveInt(param.beginPage, 1);
  const pageSize = positiveInt(param.pageSize, 20);
  if (beginPage === null) return fail('PARAM_ILLEGAL', 'beginPage must be a positive integer');
  if (pageSize === null || pageSize > 50) return fail('PARAM_ILLEGAL', 'pageSize must be 1 to 50');
  const rows = ids.slice((beginPage - 1) * pageSize, beginPage * pageSize).map(offerRow);
  return ok({ totalRecords: total, totalPage: Math.ceil(total / pageSize), pageSize, currentPage: beginPage, data: rows });
};

const priceOf = (row: Record<string, unknown>) => Number((row.priceInfo as { price: string }).price);

const keywordQuery = (form: URLSearchParams): SandboxResponse => {
  const param = jsonParam(form, 'offerQueryParam');
  if (!param) return fail('PARAM_ILLEGAL', 'offerQueryParam must be a JSON object');
  const keyword = typeof param.keyword === 'string' ? param.keyword.trim() : '';
  if (keyword === '') return fail('PARAM_ILLEGAL', 'keyword is required');
  if (typeof param.country !== 'string' || param.country === '') return fail('PARAM_ILLEGAL', 'country is required');
  let ids = keywordOffers(keyword);
  const min = param.priceStart === undefined ? null : Number(param.priceStart);
  const max = param.priceEnd === undefined ? null : Number(param.priceEnd);
  if ((min !== null && !(min >= 0)) || (max !== null && !(max >= 0))) return fail('PARAM_ILLEGAL', 'priceStart and priceEnd must be amounts in yuan');
  let rows: Array<[string, Record<string, unknown>]> | null = null;
  if (min !== null || max !== null || param.sort !== undefined) {
    rows = ids.map((id) => [id, offerRow(id)]);
    rows = rows.filter(([, r]) => (min === null || priceOf(r) >= min) && (max === null || priceOf(r) <= max));
    if (param.sort !== undefined) {
      let sort: Record<string, unknown> | null = null;
      try {
        sort = typeof param.sort === 'string' ? (JSON.parse(param.sort) as Record<string, unknown>) : null;
      } catch {
        sort = null;
      }
      const [field, order] = Object.entries(sort ?? {})[0] ?? [];
      if (!sort || !['price', 'monthSold'].includes(field as string) || !['asc', 'desc'].includes(order as string)) {
        return fail('PARAM_ILLEGAL', 'sort must be a JSON string such as {"price":"asc"}');
      }
      const value = (r: Record<string, unknown>) => (field === 'price' ? priceOf(r) : Number(r.monthSold));
      rows.sort(([, a], [, b]) => (order === 'asc' ? value(a) - value(b) : value(b) - value(a)));
    }
    ids = rows.map(([id]) => id);
  }
  const total = rows === null ? keywordTotal(keyword) : ids.length;
  return page(ids, total, param);
};

const detail = (form: URLSearchParams): SandboxResponse => {
  const param = jsonParam(form, 'offerDetailParam');
  if (!param || param.offerId === undefined) return fail('PARAM_ILLEGAL', 'offerDetailParam.offerId is required');
  const d = offerDetail(String(param.offerId));
  return d ? ok(d) : fail('OFFER_NOT_FOUND', '商品不存在 (the offer does not exist)');
};

export const alibabaSandbox = (options: AlibabaSandboxOptions): SandboxProvider & { controls: Controls } => {
  const controls = new Controls(['content-type']);
  const images = new Set<string>();
  const oauth = sandboxOAuth(options);

  const imageUpload = (form: URLSearchParams): SandboxResponse => {
    const param = jsonParam(form, 'uploadImageParam');
    const data = typeof param?.imageBase64 === 'string' ? param.imageBase64 : '';
    if (data === '') return fail('PARAM_ILLEGAL', 'uploadImageParam.imageBase64 is required');
    if (data.length > 4 * 1024 * 1024) return fail('IMAGE_TOO_LARGE', 'the image is larger than 3 MB');
    const id = `${hash(data).toString(10)}${String(data.length % 1000).padStart(3, '0')}`;
    images.add(id);
    return ok(id);
  };

  const imageQuery = (form: URLSearchParams): SandboxResponse => {
    const param = jsonParam(form, 'offerQueryParam');
    if (!param) return fail('PARAM_ILLEGAL', 'offerQueryParam must be a JSON object');
    const key = typeof param.imageId === 'string' && param.imageId ? param.imageId : typeof param.imageAddress === 'string' ? param.imageAddress : '';
    if (key === '') return fail('PARAM_ILLEGAL', 'imageId or imageAddress is required');
    if (param.imageId !== undefined && !images.has(key)) return fail('IMAGE_NOT_FOUND', 'imageId is unknown: upload the image first');
    if (param.imageAddress !== undefined && !/^https?:\/\//.test(key)) return fail('PARAM_ILLEGAL', 'imageAddress must be an http(s) URL');
    const ids = imageOffers(key);
    return page(ids, ids.length, param);
  };

  const APIS: Record<string, (form: URLSearchParams) => SandboxResponse> = {
    'product.search.keywordQuery': keywordQuery,
    'product.search.queryProductDetail': detail,
    'product.image.upload': imageUpload,
    'product.search.imageQuery': imageQuery,
  };

  /** The gateway's checks before any API runs; null when the call may go on. */
  const admit = (request: SandboxRequest, form: URLSearchParams, urlPath: string, appKey: string): SandboxResponse | null => {
    if (appKey !== options.appKey) return gatewayError(400, 'gw.AppKeyNotExist', `The app key ${appKey} does not exist`);
    const timestamp = form.get('_aop_timestamp');
    if (!timestamp || !/^\d{13}$/.test(timestamp)) return gatewayError(400, 'gw.TimestampInvalid', '_aop_timestamp must be the time in milliseconds');
    const given = form.get('_aop_signature') ?? '';
    const expected = expectedSignature(options.appSecret, urlPath, form);
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return gatewayError(401, 'gw.SignatureInvalid', 'Signature is invalid');
    if (form.get('access_token') !== options.accessToken) return gatewayError(401, 'gw.AccessTokenInvalid', 'The access_token is invalid or has expired');
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return gatewayError(400, 'gw.ContentTypeInvalid', 'Use application/x-www-form-urlencoded');
    return null;
  };

  return {
    name: 'alibaba',
    controls,
    handle: async (request) => {
      // OAuth for sellers' own accounts (sandbox/alibaba/oauth.ts): the authorize page and the token endpoint.
      if (request.method === 'GET' && request.path === '/oauth/authorize') return controls.serve(request, () => null, refuse, () => oauth.authorize(request.query));
      const t = /^\/openapi\/http\/1\/system\.oauth2\/getToken\/([^/]+)$/.exec(request.path);
      if (t && request.method === 'POST') {
        const form = new URLSearchParams(request.body.toString('utf8'));
        return controls.serve(request, () => null, refuse, () => oauth.token(t[1]!, form));
      }
      const m = /^\/openapi\/(param2\/1\/([^/]+)\/([^/]+)\/([^/]+))$/.exec(request.path);
      if (request.method !== 'POST' || !m) return gatewayError(404, 'gw.ApiNotFound', `No API at ${request.method} ${request.path}`);
      const [, urlPath, namespace, apiName, appKey] = m as unknown as [string, string, string, string, string];
      const form = new URLSearchParams(request.body.toString('utf8'));
      return controls.serve(request, () => admit(request, form, urlPath, appKey), refuse, () => {
        const api = namespace === NAMESPACE ? APIS[apiName] : undefined;
        return api ? api(form) : gatewayError(404, 'gw.ApiNotFound', `The API ${namespace}:${apiName} does not exist`);
      });
    },
    control: async (action, request) => {
      if (action === 'revoke' && request.method === 'POST') return oauth.revoke();
      if (action === 'reset' && request.method === 'POST') oauth.reset();
      return controls.control(action, request);
    },
    close: async () => controls.close(),
  };
};
