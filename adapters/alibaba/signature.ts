/**
 * The 1688 open platform's request signature (providers.md, 1688): the string is the URL path without its
 * `/openapi/` prefix (`param2/1/{namespace}/{apiName}/{appKey}`) followed by `key + value` of every parameter but
 * `_aop_signature`, sorted by key; the signature is HMAC-SHA1 over it with the app secret, in upper-case hex.
 */
import { createHmac } from 'node:crypto';

export const urlPath = (namespace: string, apiName: string, appKey: string): string => `param2/1/${namespace}/${apiName}/${appKey}`;

/** Keys sorted by UTF-16 code unit, which for the gateway's ASCII keys is byte order. */
export const signingString = (path: string, params: Record<string, string>): string =>
  path +
  Object.keys(params)
    .filter((k) => k !== '_aop_signature')
    .sort()
    .map((k) => k + params[k])
    .join('');

export const aopSignature = (appSecret: string, path: string, params: Record<string, string>): string =>
  createHmac('sha1', appSecret).update(signingString(path, params), 'utf8').digest('hex').toUpperCase();
