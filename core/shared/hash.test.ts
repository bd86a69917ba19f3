import { describe, expect, it } from 'vitest';
import { constantTimeEqual, sha256Hex } from './hash.ts';

describe('sha256Hex', () => {
  it('gives the standard digests (FIPS 180-2 "abc", the empty string) and hashes text as UTF-8', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // U+AE40 is the three bytes EA B9 80 in UTF-8 (sha256sum of those bytes).
    expect(sha256Hex('김')).toBe('a0d5f241aa6fb544e5d26431e2f40a310f0fc260803053038e5c6012ddaa6ce6');
  });
});

describe('constantTimeEqual', () => {
  it('is true only for the same text', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });

  it('is false for texts of different lengths, a prefix included, without throwing', () => {
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('abcd', 'abc')).toBe(false);
  });
});
