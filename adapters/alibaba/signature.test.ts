import { describe, expect, it } from 'vitest';
import { aopSignature, signingString, urlPath } from './signature.ts';

// Known answers computed with OpenSSL, independently of this code:
//   printf '%s' 'param2/1/system/currentTime/1000000a1b2' | openssl dgst -sha1 -hmac 'test123'
//   printf '%s' 'param2/1/com.alibaba.fenxiao.crossborder/product.search.keywordQuery/9900001_aop_timestamp1765000000000access_tokensandbox-1688-access-tokenofferQueryParam{"keyword":"露营椅","beginPage":1,"pageSize":20,"country":"ko"}' \
//     | openssl dgst -sha1 -hmac 'sandbox-1688-app-secret'
// (upper-cased). The first is the platform documentation's own illustration: urlPath param2/1/system/currentTime/1000000,
// parameters b=2 and a=1, secret test123.
describe('_aop_signature', () => {
  it('matches the documented illustration: parameters sorted by key, key+value concatenated after the url path', () => {
    expect(signingString('param2/1/system/currentTime/1000000', { b: '2', a: '1' })).toBe('param2/1/system/currentTime/1000000a1b2');
    expect(aopSignature('test123', 'param2/1/system/currentTime/1000000', { b: '2', a: '1' })).toBe('33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88');
  });

  it('signs a keyword query with a JSON parameter and Chinese text as UTF-8, leaving _aop_signature out', () => {
    const path = urlPath('com.alibaba.fenxiao.crossborder', 'product.search.keywordQuery', '9900001');
    expect(path).toBe('param2/1/com.alibaba.fenxiao.crossborder/product.search.keywordQuery/9900001');
    const params = {
      offerQueryParam: '{"keyword":"露营椅","beginPage":1,"pageSize":20,"country":"ko"}',
      access_token: 'sandbox-1688-access-token',
      _aop_timestamp: '1765000000000',
      _aop_signature: 'ignored',
    };
    expect(aopSignature('sandbox-1688-app-secret', path, params)).toBe('340E9BA56D4721FD1B185C4A00F26B768C3B59F8');
  });
});
