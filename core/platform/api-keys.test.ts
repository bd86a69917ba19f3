import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateKey, hashKey, keyMatches, parseKey, PREFIX_LENGTH, SECRET_LENGTH } from './api-keys.ts';

/** Feeds getRandomValues the given byte runs, one run per call (the rest of each array stays 0). */
const feedRandom = (...runs: number[][]) => {
  const queue = [...runs];
  vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
    const run = queue.shift();
    if (!run) throw new Error('no more random bytes prepared');
    (array as unknown as Uint8Array).set(run.slice(0, (array as unknown as Uint8Array).length));
    return array;
  });
  return queue;
};

afterEach(() => vi.restoreAllMocks());

describe('generateKey', () => {
  it('reads sp_<kind>_<8-character prefix>_<32-character secret>, hashed whole with SHA-256', () => {
    const { key, prefix, hash } = generateKey('live');
    expect(PREFIX_LENGTH).toBe(8);
    expect(SECRET_LENGTH).toBe(32);
    expect(key).toMatch(/^sp_live_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
    expect(key.slice(8, 16)).toBe(prefix);
    expect(hash).toBe(hashKey(key));
    expect(generateKey('admin').key).toMatch(/^sp_admin_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
  });

  it('maps bytes to base62 by their value mod 62, drops bytes of 248 and above, and draws again when short', () => {
    // Prefix (8 characters from a draw of 16 bytes): 248 and 255 are dropped; 0 -> '0', 61 -> 'z', 62 -> '0',
    // 247 -> 247 mod 62 = 61 -> 'z'; the bytes after the eighth character are not used.
    const prefixBytes = [248, 255, 0, 61, 62, 247, 1, 2, 3, 4, 9, 9, 9, 9, 9, 9];
    // Secret (32 characters): a first draw of nothing but rejected bytes, then 0..63, of which 0..31 are used.
    const rejected = Array.from({ length: 64 }, () => 250);
    const counting = Array.from({ length: 64 }, (_, i) => i);
    const left = feedRandom(prefixBytes, rejected, counting);
    const { key, prefix, hash } = generateKey('admin');
    expect(left).toEqual([]);
    expect(prefix).toBe('0z0z1234');
    expect(key).toBe('sp_admin_0z0z1234_0123456789ABCDEFGHIJKLMNOPQRSTUV');
    // sha256sum of that key.
    expect(hash).toBe('09385673df45c07c7d64b5851107eb639852a3b4e96626ec1b0497a7b1ed83d0');
  });

  it('draws bytes twice the length asked for', () => {
    const sizes: number[] = [];
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      sizes.push((array as unknown as Uint8Array).length);
      (array as unknown as Uint8Array).fill(7);
      return array;
    });
    expect(generateKey('live').key).toBe(`sp_live_${'7'.repeat(8)}_${'7'.repeat(32)}`);
    expect(sizes).toEqual([16, 64]);
  });
});

describe('parseKey', () => {
  it('splits a key of ours into its kind and prefix', () => {
    expect(parseKey('sp_live_ABCDEFGH_0123456789abcdefghijABCDEFGHIJ01')).toEqual({ kind: 'live', prefix: 'ABCDEFGH' });
    expect(parseKey('sp_admin_ab12CD34_0123456789abcdefghijABCDEFGHIJ01')).toEqual({ kind: 'admin', prefix: 'ab12CD34' });
  });

  it('is null for anything else (a JWT, another kind, a wrong length, a character outside base62, extra text)', () => {
    for (const text of [
      'eyJhbGciOiJIUzI1NiJ9.e30.sig',
      'sp_test_ABCDEFGH_0123456789abcdefghijABCDEFGHIJ01',
      'sp_live_ABCDEFG_0123456789abcdefghijABCDEFGHIJ01',
      'sp_live_ABCDEFGH_0123456789abcdefghijABCDEFGHIJ0',
      'sp_live_ABCDEFGH_0123456789abcdefghijABCDEFGHIJ012',
      'sp_live_ABCD-FGH_0123456789abcdefghijABCDEFGHIJ01',
      'xsp_live_ABCDEFGH_0123456789abcdefghijABCDEFGHIJ01',
      'sp_live_ABCDEFGH_0123456789abcdefghijABCDEFGHIJ01 ',
    ]) expect(parseKey(text)).toBeNull();
  });
});

describe('hashKey and keyMatches', () => {
  const key = 'sp_live_ABCDEFGH_0123456789abcdefghijABCDEFGHIJ01';
  // sha256sum of the key's text.
  const stored = 'eb684d27b80686ec17ba5f1e3b18ba287f86e4e82016683362b8378a8a225a92';

  it('stores the SHA-256 hex of the whole key', () => {
    expect(hashKey(key)).toBe(stored);
  });

  it('matches only the key whose hash is stored', () => {
    expect(keyMatches(key, stored)).toBe(true);
    expect(keyMatches(`${key.slice(0, -1)}2`, stored)).toBe(false);
    expect(keyMatches(key, stored.slice(0, 32))).toBe(false);
  });
});
