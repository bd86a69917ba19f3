/**
 * Verification of the short-lived JWTs the web front end sends (compact JWS, HS256 or RS256 as configured).
 * The algorithm is fixed by configuration, never taken from the token's header: a token whose `alg` differs
 * (including `none`, or HS256 signed with the RSA public key as secret) is refused.
 */
import { createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { Role } from '../../core/platform/principal.ts';

export interface JwtSettings {
  alg: 'HS256' | 'RS256';
  /** HS256 shared secret, or the RS256 public key (PEM). */
  secret?: string;
  publicKeyPem?: string;
  issuer: string;
  audience: string;
  /** Longest accepted exp - iat, seconds. */
  maxLifetimeSeconds: number;
  /** Tolerated clock difference, seconds. */
  clockSkewSeconds: number;
}

export interface JwtClaims {
  sub: string;
  tid: string;
  role: Role;
  exp: number;
  iat: number;
}

export type JwtResult = { ok: true; claims: JwtClaims } | { ok: false; reason: string };

const B64URL = /^[A-Za-z0-9_-]*$/;

const decodeJson = (part: string): Record<string, unknown> | null => {
  if (!B64URL.test(part)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

const isNumericDate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface JwtVerifier {
  verify(token: string, nowMs: number): JwtResult;
}

export const jwtVerifier = (settings: JwtSettings): JwtVerifier => {
  let key: KeyObject | Buffer;
  if (settings.alg === 'HS256') {
    if (!settings.secret) throw new Error('JWT_SECRET is required for HS256');
    key = Buffer.from(settings.secret, 'utf8');
  } else {
    if (!settings.publicKeyPem) throw new Error('JWT_PUBLIC_KEY is required for RS256');
    key = createPublicKey(settings.publicKeyPem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('JWT_PUBLIC_KEY must be an RSA public key for RS256');
  }

  const signatureValid = (signingInput: string, signature: Buffer): boolean => {
    if (settings.alg === 'HS256') {
      const expected = createHmac('sha256', key as Buffer).update(signingInput).digest();
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    }
    return verify('sha256', Buffer.from(signingInput), key as KeyObject, signature);
  };

  return {
    verify: (token, nowMs) => {
      const parts = token.split('.');
      if (parts.length !== 3) return { ok: false, reason: 'not a compact JWS' };
      const [h, p, s] = parts as [string, string, string];
      const header = decodeJson(h);
      if (!header) return { ok: false, reason: 'malformed header' };
      if (header.alg !== settings.alg) return { ok: false, reason: `alg ${String(header.alg)} is not accepted` };
      if (header.crit !== undefined) return { ok: false, reason: 'crit header is not supported' };
      if (!B64URL.test(s) || s.length === 0) return { ok: false, reason: 'malformed signature' };
      if (!signatureValid(`${h}.${p}`, Buffer.from(s, 'base64url'))) return { ok: false, reason: 'bad signature' };
      const c = decodeJson(p);
      if (!c) return { ok: false, reason: 'malformed payload' };
      const now = nowMs / 1000;
      const skew = settings.clockSkewSeconds;
      if (!isNumericDate(c.exp)) return { ok: false, reason: 'exp missing' };
      if (!isNumericDate(c.iat)) return { ok: false, reason: 'iat missing' };
      if (c.exp <= now - skew) return { ok: false, reason: 'expired' };
      if (c.iat > now + skew) return { ok: false, reason: 'issued in the future' };
      if (c.nbf !== undefined && (!isNumericDate(c.nbf) || c.nbf > now + skew)) return { ok: false, reason: 'not yet valid' };
      if (c.exp - c.iat > settings.maxLifetimeSeconds) return { ok: false, reason: 'lifetime longer than allowed' };
      if (c.iss !== settings.issuer) return { ok: false, reason: 'wrong issuer' };
      const aud = c.aud;
      if (!(aud === settings.audience || (Array.isArray(aud) && aud.includes(settings.audience)))) return { ok: false, reason: 'wrong audience' };
      if (typeof c.sub !== 'string' || !ID.test(c.sub)) return { ok: false, reason: 'sub missing' };
      if (typeof c.tid !== 'string' || !ID.test(c.tid)) return { ok: false, reason: 'tid missing' };
      if (c.role !== 'owner' && c.role !== 'member') return { ok: false, reason: 'role must be owner or member' };
      return { ok: true, claims: { sub: c.sub, tid: c.tid, role: c.role, exp: c.exp, iat: c.iat } };
    },
  };
};

/** The verifier the configuration asks for, or undefined when JWTs are off (config.ts has checked the settings). */
export const jwtFromConfig = (config: {
  JWT_ALG?: 'HS256' | 'RS256' | undefined;
  JWT_SECRET?: string | undefined;
  JWT_PUBLIC_KEY?: string | undefined;
  JWT_ISSUER?: string | undefined;
  JWT_AUDIENCE?: string | undefined;
  JWT_MAX_LIFETIME_S: number;
}): JwtVerifier | undefined =>
  config.JWT_ALG
    ? jwtVerifier({
        alg: config.JWT_ALG,
        ...(config.JWT_SECRET ? { secret: config.JWT_SECRET } : {}),
        ...(config.JWT_PUBLIC_KEY ? { publicKeyPem: config.JWT_PUBLIC_KEY } : {}),
        issuer: config.JWT_ISSUER!,
        audience: config.JWT_AUDIENCE!,
        maxLifetimeSeconds: config.JWT_MAX_LIFETIME_S,
        clockSkewSeconds: 30,
      })
    : undefined;
