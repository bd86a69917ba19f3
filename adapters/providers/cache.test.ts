import { describe, expect, it } from 'vitest';
import type { ResponseCache } from '../../core/platform/response-cache.ts';
import { ttlCache } from './cache.ts';

const memory = () => {
  const entries = new Map<string, { value: unknown; ttlMs: number }>();
  const cache: ResponseCache = {
    get: async <T>(key: string) => {
      const e = entries.get(key);
      return e ? { value: structuredClone(e.value) as T, storedAt: new Date(), expiresAt: new Date() } : null;
    },
    put: async (key, value, ttlMs) => void entries.set(key, { value: structuredClone(value), ttlMs }),
    delete: async (key) => void entries.delete(key),
  };
  return { cache, entries };
};
const broken: ResponseCache = {
  get: async () => Promise.reject(new Error('cache down')),
  put: async () => Promise.reject(new Error('cache down')),
  delete: async () => undefined,
};

describe('ttlCache', () => {
  it('fetches on a miss and stores for the TTL; the next call is served from the cache', async () => {
    const { cache, entries } = memory();
    const c = ttlCache(cache, { namespace: 'acme' });
    let fetched = 0;
    const fetch = async () => ({ n: ++fetched });
    expect(await c.through('acme:k', 60_000, fetch)).toEqual({ value: { n: 1 }, cached: false });
    expect(await c.through('acme:k', 60_000, fetch)).toEqual({ value: { n: 1 }, cached: true });
    expect(fetched).toBe(1);
    expect(entries.get('acme:k')).toEqual({ value: { n: 1 }, ttlMs: 60_000 });
  });

  it('get and put address the same entries; a miss is null', async () => {
    const c = ttlCache(memory().cache, { namespace: 'acme' });
    expect(await c.get('acme:x')).toBeNull();
    await c.put('acme:x', { rows: [1] }, 1_000);
    expect(await c.get('acme:x')).toEqual({ rows: [1] });
  });

  it('a failing cache is reported, never thrown: the provider answers instead', async () => {
    const reports: Array<[string, Record<string, unknown>]> = [];
    const c = ttlCache(broken, { namespace: 'acme', onError: (message, attributes) => reports.push([message, attributes]) });
    expect(await c.through('acme:k', 1_000, async () => 'fresh', { api: 'search' })).toEqual({ value: 'fresh', cached: false });
    expect(reports).toEqual([
      ['response cache read failed', { api: 'search', error: 'Error: cache down' }],
      ['response cache write failed', { api: 'search', error: 'Error: cache down' }],
    ]);
    expect(await c.get('acme:k')).toBeNull();
    await expect(c.put('acme:k', 1, 1_000)).resolves.toBeUndefined();
  });

  it('a failing fetch is not cached and reaches the caller', async () => {
    const { cache, entries } = memory();
    const c = ttlCache(cache, { namespace: 'acme' });
    await expect(c.through('acme:k', 1_000, async () => Promise.reject(new Error('provider down')))).rejects.toThrow('provider down');
    expect(entries.size).toBe(0);
  });

  it('keys name the namespace, the kind and the parameters; long parameter sets by their SHA-256', () => {
    const c = ttlCache(memory().cache, { namespace: 'acme' });
    expect(c.key('shop', { q: '텐트', page: 1 })).toBe('acme:shop:v1:{"q":"텐트","page":1}');
    expect(ttlCache(memory().cache, { namespace: 'other' }).key('shop', ['a'])).toBe('other:shop:v1:["a"]');
    const long = { words: 'x'.repeat(300) };
    const key = c.key('trend', long);
    expect(key).toMatch(/^acme:trend:v1:[0-9a-f]{64}$/);
    expect(c.key('trend', { words: 'x'.repeat(300) })).toBe(key);
    expect(c.key('trend', { words: 'y'.repeat(300) })).not.toBe(key);
  });
});
