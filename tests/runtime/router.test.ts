import { describe, expect, it } from 'vitest';
import { Router } from '../../adapters/routing/router.ts';

describe('Router', () => {
  const router = new Router<string>();
  router.add('GET', '/health', 'health');
  router.add('GET', '/v1/naver/keywords', 'keywords');
  router.add('GET', '/v1/naver/keywords/{keyword}/overview', 'overview');
  router.add('GET', '/v1/naver/keywords/trending/overview', 'trending');
  router.add('DELETE', '/v1/api-keys/{keyId}', 'revoke');
  router.add('GET', '/v1/items/{itemId}/stock/{channel}', 'stock');
  router.add('PUT', '/v1/items/{itemId}/stock/{channel}', 'setStock');

  it('matches static routes', () => {
    expect(router.match('GET', '/health')).toEqual({ kind: 'found', value: 'health', params: {} });
  });

  it('matches parameters and percent-decodes them', () => {
    expect(router.match('GET', '/v1/naver/keywords/%EC%BA%A0%ED%95%91/overview')).toEqual({
      kind: 'found',
      value: 'overview',
      params: { keyword: '캠핑' },
    });
    expect(router.match('PUT', '/v1/items/i-1/stock/coupang')).toEqual({ kind: 'found', value: 'setStock', params: { itemId: 'i-1', channel: 'coupang' } });
  });

  it('prefers a static segment over a parameter, and backtracks when the static branch dead-ends', () => {
    expect(router.match('GET', '/v1/naver/keywords/trending/overview')).toMatchObject({ value: 'trending' });
    expect(router.match('GET', '/v1/naver/keywords/trending/other')).toEqual({ kind: 'not_found' });
  });

  it('says which methods a known path allows (HEAD with GET)', () => {
    expect(router.match('POST', '/health')).toEqual({ kind: 'method_not_allowed', allow: ['GET', 'HEAD'] });
    expect(router.match('POST', '/v1/items/x/stock/naver')).toEqual({ kind: 'method_not_allowed', allow: ['GET', 'PUT', 'HEAD'] });
    expect(router.match('HEAD', '/health')).toMatchObject({ kind: 'found', value: 'health' });
  });

  it('does not match empty parameters, extra segments or trailing slashes', () => {
    expect(router.match('DELETE', '/v1/api-keys/')).toEqual({ kind: 'not_found' });
    expect(router.match('DELETE', '/v1/api-keys/k/extra')).toEqual({ kind: 'not_found' });
    expect(router.match('GET', '/health/')).toEqual({ kind: 'not_found' });
  });

  it('reports undecodable parameters instead of throwing', () => {
    expect(router.match('DELETE', '/v1/api-keys/%E0%A4%A')).toEqual({ kind: 'bad_path', param: 'keyId' });
    expect(router.match('DELETE', '/v1/api-keys/%FF')).toEqual({ kind: 'bad_path', param: 'keyId' });
  });

  it('refuses duplicate and clashing definitions', () => {
    const r = new Router<string>();
    r.add('GET', '/a/{id}', 'x');
    expect(() => r.add('GET', '/a/{id}', 'y')).toThrow(/defined twice/);
    expect(() => r.add('POST', '/a/{other}', 'z')).toThrow(/clashes/);
    expect(() => r.add('GET', '/b/x{id}', 'z')).toThrow(/whole segment/);
  });
});
