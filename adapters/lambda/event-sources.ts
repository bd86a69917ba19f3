import { createRequire } from 'node:module';
import { buildV2Event } from '../routing/build-event.ts';
import { ProblemError, unroutedAnswer, type HandlerOptions, type V2Event, type V2Result } from '../../handlers/toolkit.ts';

/**
 * One small translator per event source, picked by the event's shape: API Gateway HTTP API v2 (and Function
 * URLs), ALB (with or without multi-value headers) and API Gateway REST v1. Each turns its event into the v2
 * event the handlers take, and the v2 result back into what that source expects.
 */
export interface Translator {
  event: V2Event;
  result(result: V2Result): unknown;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const lowerHeaders = (single: unknown, multi: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (isObject(multi)) {
    for (const [k, v] of Object.entries(multi)) if (Array.isArray(v)) out[k.toLowerCase()] = v.map(String).join(',');
  } else if (isObject(single)) {
    for (const [k, v] of Object.entries(single)) if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
  }
  return out;
};

const queryString = (single: unknown, multi: unknown, decode: boolean): string => {
  const params = new URLSearchParams();
  // ALB passes query values as they came on the wire (still percent-encoded); API Gateway v1 decodes them.
  const value = (v: string) => (decode ? v : safeDecode(v));
  if (isObject(multi)) {
    for (const [k, vs] of Object.entries(multi)) if (Array.isArray(vs)) for (const v of vs) params.append(value(k), value(String(v)));
  } else if (isObject(single)) {
    for (const [k, v] of Object.entries(single)) if (v !== undefined && v !== null) params.append(value(k), value(String(v)));
  }
  return params.toString();
};

const safeDecode = (v: string): string => {
  try {
    return decodeURIComponent(v.replace(/\+/g, ' '));
  } catch {
    return v;
  }
};

const v2: (e: Json) => Translator = (e) => ({ event: e as unknown as V2Event, result: (r) => r });

const alb = (e: Json): Translator => {
  const multi = isObject(e.multiValueHeaders);
  const event = buildV2Event({
    method: String(e.httpMethod),
    rawPath: String(e.path),
    rawQueryString: queryString(e.queryStringParameters, e.multiValueQueryStringParameters, false),
    headers: lowerHeaders(e.headers, e.multiValueHeaders),
    ...(typeof e.body === 'string' && e.body !== '' ? { body: e.body, isBase64Encoded: e.isBase64Encoded === true } : {}),
    // The load balancer appends the address it saw: the rightmost entry. Entries left of it are the caller's to write.
    sourceIp: (lowerHeaders(e.headers, e.multiValueHeaders)['x-forwarded-for'] ?? '').split(',').at(-1)!.trim(),
  });
  return {
    event,
    result: (r) => {
      const headers = { ...r.headers };
      const out: Json = {
        statusCode: r.statusCode,
        statusDescription: `${r.statusCode} ${STATUS_CODES[r.statusCode] ?? ''}`.trim(),
        body: r.body ?? '',
        isBase64Encoded: r.isBase64Encoded ?? false,
      };
      if (multi) {
        const mv: Record<string, string[]> = {};
        for (const [k, v] of Object.entries(headers)) mv[k] = [v];
        if (r.cookies?.length) mv['set-cookie'] = r.cookies;
        out.multiValueHeaders = mv;
      } else {
        if (r.cookies?.length) headers['set-cookie'] = r.cookies[r.cookies.length - 1]!;
        out.headers = headers;
      }
      return out;
    },
  };
};

const v1 = (e: Json): Translator => {
  const rc = isObject(e.requestContext) ? e.requestContext : {};
  const identity = isObject(rc.identity) ? rc.identity : {};
  const event = buildV2Event({
    method: String(e.httpMethod),
    rawPath: String(e.path),
    rawQueryString: queryString(e.queryStringParameters, e.multiValueQueryStringParameters, true),
    headers: lowerHeaders(e.headers, e.multiValueHeaders),
    ...(typeof e.body === 'string' && e.body !== '' ? { body: e.body, isBase64Encoded: e.isBase64Encoded === true } : {}),
    sourceIp: typeof identity.sourceIp === 'string' ? identity.sourceIp : '',
  });
  return {
    event,
    result: (r) => {
      const multiValueHeaders: Record<string, string[]> = {};
      if (r.cookies?.length) multiValueHeaders['set-cookie'] = r.cookies;
      return { statusCode: r.statusCode, headers: r.headers ?? {}, multiValueHeaders, body: r.body ?? '', isBase64Encoded: r.isBase64Encoded ?? false };
    },
  };
};

// `require`, not `import`: the ESM import of node:http costs ~30 ms of cold start (see adapters/http/server.ts).
const { STATUS_CODES } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

/** Picks the translator for an event; `null` when the event is none of the shapes we serve. */
export const translatorFor = (event: unknown): Translator | null => {
  if (!isObject(event)) return null;
  const rc = event.requestContext;
  if (event.version === '2.0' && typeof event.rawPath === 'string' && isObject(rc) && isObject(rc.http) && typeof rc.http.method === 'string') {
    if (typeof event.rawQueryString !== 'string') event.rawQueryString = '';
    if (!isObject(event.headers)) event.headers = {};
    return v2(event);
  }
  if (isObject(rc) && isObject(rc.elb) && typeof event.httpMethod === 'string' && typeof event.path === 'string') return alb(event);
  if (typeof event.httpMethod === 'string' && typeof event.path === 'string') return v1(event);
  return null;
};

/** The answer to an event of no known shape: a 400 in the v2 format (and an access line), never a crash. */
export const unrecognisedEvent = (out: Pick<HandlerOptions, 'logger' | 'accessLog' | 'service'>): V2Result =>
  unroutedAnswer(
    new ProblemError('invalid', 'The event is not an API Gateway (v1 or v2), Function URL or ALB request.'),
    { requestIdHeader: undefined, method: '-', path: '-', sourceIp: '', started: performance.now() },
    out,
  );
