import { createHash, timingSafeEqual } from 'node:crypto';

/** Hex SHA-256 of UTF-8 text: API key digests, audit chain links, deterministic ids. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Compares two strings in time that depends only on their length (for digests of secrets). */
export const constantTimeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};
