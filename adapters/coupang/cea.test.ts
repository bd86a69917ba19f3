import { describe, expect, it } from 'vitest';
import { ceaAuthorization, ceaSignature, ceaSignedDate } from './cea.ts';

// Expected signatures computed outside this code, with OpenSSL:
//   printf '%s' '<message>' | openssl dgst -sha256 -hmac 'sandbox-secret-key'
describe('CEA signing', () => {
  it('formats the signed date as yyMMddTHHmmssZ in UTC, zero-padded', () => {
    expect(ceaSignedDate(new Date('2024-01-02T03:04:05Z'))).toBe('240102T030405Z');
    expect(ceaSignedDate(new Date('2031-12-31T23:59:59.999Z'))).toBe('311231T235959Z');
    // A local offset does not leak in: 09:00 in Seoul on the 3rd is 00:00 UTC on the 3rd.
    expect(ceaSignedDate(new Date('2024-01-03T09:00:00+09:00'))).toBe('240103T000000Z');
  });

  it('signs date + method + path + raw query (known answers)', () => {
    const query = 'keyword=%EC%BA%A0%ED%95%91%EC%9D%98%EC%9E%90&limit=5';
    expect(ceaSignature('sandbox-secret-key', '240102T030405Z', 'GET', '/v2/providers/affiliate_open_api/apis/openapi/v1/products/search', query)).toBe(
      'e8affef6cfc0c61df90c3b39475309523ceee083d382fa007c4273e20c67b1fc',
    );
    expect(ceaSignature('sandbox-secret-key', '240102T030405Z', 'get', '/v2/providers/seller_api/apis/api/v1/marketplace/seller-products', '')).toBe(
      'b97c7819a096207e25adb53a0825f083b51dcfc69c4019cb0f9f2f647729242c',
    );
  });

  it('builds the Authorization header with the access key and the signed date', () => {
    const header = ceaAuthorization(
      { accessKey: 'sandbox-access-key', secretKey: 'sandbox-secret-key' },
      { method: 'GET', path: '/v2/providers/seller_api/apis/api/v1/marketplace/seller-products', query: '' },
      new Date('2024-01-02T03:04:05Z'),
    );
    expect(header).toBe(
      'CEA algorithm=HmacSHA256, access-key=sandbox-access-key, signed-date=240102T030405Z, signature=b97c7819a096207e25adb53a0825f083b51dcfc69c4019cb0f9f2f647729242c',
    );
  });
});
