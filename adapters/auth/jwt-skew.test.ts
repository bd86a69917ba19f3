import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwtFromConfig } from './jwt.ts';

// The verifier the configuration builds allows 30 s of clock skew between the issuer and us, both ways.
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const secret = 's'.repeat(40);
const sign = (payload: object) => {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};
const nowMs = Date.parse('2026-05-01T12:00:00Z');
const t = nowMs / 1000;
const claims = { sub: 'member-1', tid: 'tenant-1', role: 'member', iss: 'web', aud: 'api' };
const verifier = jwtFromConfig({ JWT_ALG: 'HS256', JWT_SECRET: secret, JWT_ISSUER: 'web', JWT_AUDIENCE: 'api', JWT_MAX_LIFETIME_S: 900 })!;

describe('JWT clock skew of the configured verifier (30 s)', () => {
  it('accepts a token that expired 29 s ago and refuses one that expired 30 s ago', () => {
    // Expired means exp <= now - 30.
    expect(verifier.verify(sign({ ...claims, iat: t - 600, exp: t - 29 }), nowMs).ok).toBe(true);
    expect(verifier.verify(sign({ ...claims, iat: t - 600, exp: t - 30 }), nowMs)).toEqual({ ok: false, reason: 'expired' });
  });

  it('accepts a token issued 30 s in the future and refuses one issued 31 s ahead', () => {
    expect(verifier.verify(sign({ ...claims, iat: t + 30, exp: t + 600 }), nowMs).ok).toBe(true);
    expect(verifier.verify(sign({ ...claims, iat: t + 31, exp: t + 600 }), nowMs)).toEqual({ ok: false, reason: 'issued in the future' });
  });

  it('accepts a not-before 30 s ahead and refuses one 31 s ahead', () => {
    expect(verifier.verify(sign({ ...claims, iat: t, nbf: t + 30, exp: t + 600 }), nowMs).ok).toBe(true);
    expect(verifier.verify(sign({ ...claims, iat: t, nbf: t + 31, exp: t + 600 }), nowMs)).toEqual({ ok: false, reason: 'not yet valid' });
  });
});
