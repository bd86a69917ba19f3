/**
 * A cache of provider responses shared by every process (search results, DataLab series), so repeated
 * questions within the TTL cost no provider quota. Values are JSON; the caller decides the key and the TTL.
 */
export interface CachedValue<T = unknown> {
  value: T;
  storedAt: Date;
  expiresAt: Date;
}

export interface ResponseCache {
  /** The value stored under `key`, or null when there is none or it has expired. */
  get<T = unknown>(key: string): Promise<CachedValue<T> | null>;
  /** Stores a JSON-serialisable value for `ttlMs`, replacing any earlier value. */
  put(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Serialises once, with the checks every adapter applies. */
export const encodeCacheValue = (key: string, value: unknown, ttlMs: number): string => {
  if (!key) throw new RangeError('response cache: key must not be empty');
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new RangeError(`response cache ${key}: ttlMs must be a positive integer, got ${ttlMs}`);
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`response cache ${key}: the value is not JSON-serialisable`);
  return text;
};
