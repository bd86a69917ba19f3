import { createHash } from 'node:crypto';
import type { ResponseCache } from '../../core/platform/response-cache.ts';
import type { Sourced } from '../../core/naver/model.ts';

interface Entry<T> {
  data: T;
  asOf: string;
}

/**
 * Serves from the shared cache when it can, else fetches and stores for `ttlMs`. The cache is an optimisation:
 * if it fails, the call goes to the provider (and the failure is reported through `onError`).
 */
export const cachedCall = async <T>(
  cache: ResponseCache,
  options: { key: string; ttlMs: number; source: string; onError?: (message: string, error: unknown) => void },
  fetch: () => Promise<Entry<T>>,
): Promise<Sourced<T>> => {
  try {
    const hit = await cache.get<Entry<T>>(options.key);
    if (hit) return { source: options.source, asOf: hit.value.asOf, cached: true, data: hit.value.data };
  } catch (error) {
    options.onError?.('response cache read failed', error);
  }
  const fresh = await fetch();
  try {
    await cache.put(options.key, fresh, options.ttlMs);
  } catch (error) {
    options.onError?.('response cache write failed', error);
  }
  return { source: options.source, asOf: fresh.asOf, cached: false, data: fresh.data };
};

/** Kind, then the normalised parameters; long parameter sets (trend requests) as their SHA-256, to stay within key limits. */
export const cacheKey = (kind: string, params: unknown): string => {
  const text = JSON.stringify(params);
  return `naver:${kind}:v1:${text.length > 200 ? createHash('sha256').update(text).digest('hex') : text}`;
};
