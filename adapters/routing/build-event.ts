import { randomUUID } from 'node:crypto';
import type { V2Event } from '../../handlers/toolkit.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

let cachedSecond = -1;
let cachedTime = '';
/** API Gateway's requestContext.time, e.g. `25/Nov/2026:14:33:28 +0000`, formatted once per second. */
export const gatewayTime = (epochMs: number): string => {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    const d = new Date(epochMs);
    cachedTime = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
    cachedSecond = second;
  }
  return cachedTime;
};

export interface EventParts {
  method: string;
  /** Path as sent on the wire (percent-encoded), without the query string. */
  rawPath: string;
  rawQueryString?: string;
  /** Lowercase names. */
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  pathParameters?: Record<string, string>;
  routeKey?: string;
  sourceIp?: string;
}

/** Builds the API Gateway v2 event every driver hands to a handler. */
export const buildV2Event = (parts: EventParts): V2Event => {
  const headers = parts.headers ?? {};
  const now = Date.now();
  const cookie = headers.cookie;
  return {
    version: '2.0',
    routeKey: parts.routeKey ?? '$default',
    rawPath: parts.rawPath,
    rawQueryString: parts.rawQueryString ?? '',
    ...(cookie ? { cookies: cookie.split(/;\s*/) } : {}),
    headers,
    ...(parts.pathParameters ? { pathParameters: parts.pathParameters } : {}),
    requestContext: {
      http: {
        method: parts.method,
        path: parts.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: parts.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: parts.routeKey ?? '$default',
      stage: '$default',
      time: gatewayTime(now),
      timeEpoch: now,
    },
    ...(parts.body !== undefined ? { body: parts.body } : {}),
    isBase64Encoded: parts.isBase64Encoded ?? false,
  };
};

/** Fills `{name}` segments of an endpoint path from values, percent-encoding each; reports the missing ones. */
export const fillPath = (template: string, values: Record<string, string>): { path: string; missing: string[] } => {
  const missing: string[] = [];
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing.push(name);
      return `{${name}}`;
    }
    return encodeURIComponent(value);
  });
  return { path, missing };
};
