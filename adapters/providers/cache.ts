/**
 * Provider answers kept for a while in the shared ResponseCache. The cache is an optimisation: when it fails, the
 * call goes to the provider and the failure is only reported (`onError`), never thrown.
 */
import { createHash } from 'node:crypto';
import type { ResponseCache } from '../../core/platform/response-cache.ts';

export interface TtlCache {
  /** `<namespace>:<kind>:v1:<parameters as JSON>`; long parameter sets as their SHA-256, to stay within key limits. */
  key(kind: string, params: unknown): string;
  /** The stored value, or null on a miss or a failing cache. */
  get<T>(key: string, attributes?: Record<string, unknown>): Promise<T | null>;
  put(key: string, value: unknown, ttlMs: number, attributes?: Record<string, unknown>): Promise<void>;
  /** Serves from the cache when it can, else fetches and stores for `ttlMs`. */
  through<T>(key: string, ttlMs: number, fetch: () => Promise<T>, attributes?: Record<string, unknown>): Promise<{ value: T; cached: boolean }>;
}

export const ttlCache = (
  cache: ResponseCache,
  options: { namespace: string; onError?: (message: string, attributes: Record<string, unknown>) => void },
): TtlCache => {
  const get = async <T>(key: string, attributes: Record<string, unknown> = {}): Promise<T | null> => {
    try {
      return (await cache.get<T>(key))?.value ?? null;
    } catch (error) {
      options.onError?.('response cache read failed', { ...attributes, error: String(error) });
      return null;
    }
  };
  const put = async (key: string, value: unknown, ttlMs: number, attributes: Record<string, unknown> = {}): Promise<void> => {
    try {
      await cache.put(key, value, ttlMs);
    } catch (error) {
      options.onError?.('response cache write failed', { ...attributes, error: String(error) });
    }
  };
  return {
    key: (kind, params) => {
      const text = JSON.stringify(params);
      return `${options.namespace}:${kind}:v1:${text.length > 200 ? createHash('sha256').update(text).digest('hex') : text}`;
    },
    get,
    put,
    through: async <T>(key: string, ttlMs: number, fetch: () => Promise<T>, attributes?: Record<string, unknown>) => {
      const hit = await get<T>(key, attributes);
      if (hit !== null) return { value: hit, cached: true };
      const value = await fetch();
      await put(key, value, ttlMs, attributes);
      return { value, cached: false };
    },
  };
};
