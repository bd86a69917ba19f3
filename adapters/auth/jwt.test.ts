import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwtVerifier, type JwtSettings } from './jwt.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = Date.parse('2026-03-01T00:00:00Z');
const t = now / 1000;
const claims = { sub: 'member-1', tid: 'tenant-1', role: 'owner', iss: 'sellpo-web', aud: 'sellpo-api', iat: t - 10, exp: t + 600 };
const secret = 'x'.repeat(40);
const hs = (payload: object, header: object = { alg: 'HS256', typ: 'JWT' }, key = secret) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
};
const base: JwtSettings = { alg: 'HS256', secret, issuer: 'sellpo-web', audience: 'sellpo-api', maxLifetimeSeconds: 900, clockSkewSeconds: 30 };

describe('JWT verification', () => {
  const v = jwtVerifier(base);

  it('accepts a valid HS256 token', () => {
    expect(v.verify(hs(claims), now)).toEqual({ ok: true, claims: { sub: 'member-1', tid: 'tenant-1', role: 'owner', exp: claims.exp, iat: claims.iat } });
    expect(v.verify(hs({ ...claims, aud: ['other', 'sellpo-api'] }), now).ok).toBe(true);
  });

  it.each([
    ['expired', { ...claims, exp: t - 31 }],
    ['issued in the future', { ...claims, iat: t + 31 }],
    ['not yet valid', { ...claims, nbf: t + 60 }],
    ['lifetime longer than allowed', { ...claims, exp: t + 1000 }],
    ['wrong issuer', { ...claims, iss: 'evil' }],
    ['wrong audience', { ...claims, aud: 'other' }],
    ['exp missing', { ...claims, exp: undefined }],
    ['iat missing', { ...claims, iat: undefined }],
    ['tid missing', { ...claims, tid: undefined }],
    ['role must be owner or member', { ...claims, role: 'admin' }],
  ])('refuses a token that is %s', (reason, payload) => {
    expect(v.verify(hs(payload), now)).toEqual({ ok: false, reason });
  });

  it('refuses alg none, another alg, a bad signature and garbage', () => {
    expect(v.verify(`${b64({ alg: 'none' })}.${b64(claims)}.`, now).ok).toBe(false);
    expect(v.verify(hs(claims, { alg: 'HS512' }), now)).toEqual({ ok: false, reason: 'alg HS512 is not accepted' });
    expect(v.verify(hs(claims, undefined, 'y'.repeat(40)), now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(v.verify('a.b', now).ok).toBe(false);
    expect(v.verify('!!.??.**', now).ok).toBe(false);
  });

  it('verifies RS256 with the public key and refuses HS256 signed with that key (alg confusion)', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rs = jwtVerifier({ ...base, alg: 'RS256', publicKeyPem: pem });
    const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
    const token = `${input}.${createSign('sha256').update(input).sign(privateKey).toString('base64url')}`;
    expect(rs.verify(token, now).ok).toBe(true);
    expect(rs.verify(token.slice(0, -4) + 'AAAA', now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(rs.verify(hs(claims, { alg: 'HS256' }, pem), now)).toEqual({ ok: false, reason: 'alg HS256 is not accepted' });
  });
});
