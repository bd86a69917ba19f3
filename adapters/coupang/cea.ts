/**
 * Coupang's gateway authentication (CEA): every call is signed with the access key's secret over the signed date,
 * the method, the path and the raw query string, so a signature is valid for one request at one moment.
 */
import { createHmac } from 'node:crypto';

export interface CeaKey {
  accessKey: string;
  secretKey: string;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** `yyMMdd'T'HHmmss'Z'` in UTC, e.g. 240102T030405Z. */
export const ceaSignedDate = (at: Date): string =>
  `${two(at.getUTCFullYear() % 100)}${two(at.getUTCMonth() + 1)}${two(at.getUTCDate())}T${two(at.getUTCHours())}${two(at.getUTCMinutes())}${two(at.getUTCSeconds())}Z`;

/** Lowercase hex HMAC-SHA256 of signedDate + METHOD + path + query (the query without `?`, empty when none). */
export const ceaSignature = (secretKey: string, signedDate: string, method: string, path: string, query: string): string =>
  createHmac('sha256', secretKey).update(`${signedDate}${method.toUpperCase()}${path}${query}`).digest('hex');

/** The Authorization header for one attempt of one request. */
export const ceaAuthorization = (key: CeaKey, request: { method: string; path: string; query: string }, at: Date): string => {
  const signedDate = ceaSignedDate(at);
  const signature = ceaSignature(key.secretKey, signedDate, request.method, request.path, request.query);
  return `CEA algorithm=HmacSHA256, access-key=${key.accessKey}, signed-date=${signedDate}, signature=${signature}`;
};
