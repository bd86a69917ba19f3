import { describe, expect, it } from 'vitest';
import { encodeCacheValue } from './response-cache.ts';

describe('encodeCacheValue', () => {
  it('serialises the value as JSON', () => {
    expect(encodeCacheValue('search:캠핑', { items: [1, 2], total: 2 }, 60_000)).toBe('{"items":[1,2],"total":2}');
    expect(encodeCacheValue('k', null, 1)).toBe('null');
  });

  it('refuses an empty key', () => {
    expect(() => encodeCacheValue('', {}, 1_000)).toThrow(new RangeError('response cache: key must not be empty'));
  });

  it('refuses a TTL under 1 ms or fractional', () => {
    expect(() => encodeCacheValue('k', {}, 0)).toThrow(new RangeError('response cache k: ttlMs must be a positive integer, got 0'));
    expect(() => encodeCacheValue('k', {}, 1.5)).toThrow(RangeError);
  });

  it('refuses a value JSON cannot hold', () => {
    expect(() => encodeCacheValue('k', undefined, 1_000)).toThrow(new TypeError('response cache k: the value is not JSON-serialisable'));
    expect(() => encodeCacheValue('k', () => 1, 1_000)).toThrow(TypeError);
  });
});
