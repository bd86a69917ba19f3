/**
 * API key format and hashing.
 *
 * A key reads `sp_<kind>_<prefix>_<secret>`: kind `live` (tenant) or `admin`, an 8-character public prefix that
 * identifies the key in listings and in the database lookup, and a 32-character base62 secret (~190 bits).
 * Only the SHA-256 of the whole key is stored. A slow password hash (bcrypt, scrypt) exists to make guessing
 * low-entropy secrets expensive; a 190-bit random secret cannot be guessed, so a fast hash loses nothing and
 * keeps authentication at microseconds per request. The stored hash is compared in constant time.
 */
import { constantTimeEqual, sha256Hex } from '../shared/hash.ts';

export type KeyKind = 'live' | 'admin';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const PREFIX_LENGTH = 8;
export const SECRET_LENGTH = 32;
const KEY_PATTERN = /^sp_(live|admin)_([0-9A-Za-z]{8})_([0-9A-Za-z]{32})$/;

/** Uniform base62 string: bytes >= 248 are rejected so that every character is equally likely (248 = 4 * 62). */
const randomBase62 = (length: number): string => {
  let out = '';
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      if (b < 248 && out.length < length) out += BASE62[b % 62];
    }
  }
  return out;
};

export interface NewKey {
  /** The full key: shown to its creator once, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export const hashKey = (key: string): string => sha256Hex(key);

export const generateKey = (kind: KeyKind): NewKey => {
  const prefix = randomBase62(PREFIX_LENGTH);
  const key = `sp_${kind}_${prefix}_${randomBase62(SECRET_LENGTH)}`;
  return { key, prefix, hash: hashKey(key) };
};

/** Splits a presented key; `null` when it is not in our format (then it may be a JWT). */
export const parseKey = (key: string): { kind: KeyKind; prefix: string } | null => {
  const m = KEY_PATTERN.exec(key);
  return m ? { kind: m[1] as KeyKind, prefix: m[2]! } : null;
};

/** Constant-time comparison of the presented key's hash with the stored one. */
export const keyMatches = (key: string, storedHash: string): boolean => constantTimeEqual(hashKey(key), storedHash);
