/**
 * Without a Partners key the Coupang context starts its sandbox and says so in a log line; with the sandbox off
 * the Coupang endpoints answer 503 naming the variables, and cross-market still answers Naver's side.
 */
import { describe, expect, it } from 'vitest';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import { testRuntime } from '../helpers/invoke.ts';
import { auth, TOKEN } from './helpers.ts';

const tenant = memoryAuthenticator(new Map([[TOKEN, { kind: 'tenant', tenantId: 'tenant-1', actorId: 'user-1', role: 'owner', via: 'api_key' }]]));

describe('no Coupang Partners key', () => {
  it('COUPANG_SANDBOX=auto outside production: the sandbox answers, and a start-up line says so', { timeout: 120_000 }, async () => {
    const rt = await testRuntime({ env: { COUPANG_SANDBOX: 'auto' }, overrides: { auth: tenant } });
    try {
      const res = await rt.call('coupang.searchProducts', { query: { keyword: '텐트', limit: '2' }, headers: auth });
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(2);
      const line = rt.captured.logs.find((l) => String(l.message).startsWith('no Coupang Partners key configured: using the Coupang sandbox at http://127.0.0.1:'));
      expect(line).toBeDefined();
      expect(JSON.stringify(rt.captured.logs)).not.toContain('sandbox-partners-secret-key');
    } finally {
      await rt.close();
    }
  });

  it('COUPANG_SANDBOX=off: 503 naming the variables; cross-market reports Coupang missing', { timeout: 120_000 }, async () => {
    const rt = await testRuntime({ env: { COUPANG_SANDBOX: 'off' }, overrides: { auth: tenant } });
    try {
      const res = await rt.call('coupang.searchProducts', { query: { keyword: '텐트' }, headers: auth });
      expect(res.status).toBe(503);
      expect(res.body.detail).toBe('Coupang Partners is not configured on this server (set COUPANG_PARTNERS_ACCESS_KEY and COUPANG_PARTNERS_SECRET_KEY)');
      const cross = await rt.call('coupang.crossMarket', { query: { keyword: '텐트' }, headers: auth });
      expect(cross.status).toBe(200);
      expect(cross.body.missing).toEqual(['coupang']);
      expect(cross.body.coupang).toMatchObject({ status: 'unavailable', problem: 'unavailable' });
      expect(rt.captured.logs.some((l) => String(l.message).includes('Coupang sandbox'))).toBe(false);
    } finally {
      await rt.close();
    }
  });

  it('half a key stops the start, naming the missing variable', async () => {
    const error = await testRuntime({ env: { COUPANG_PARTNERS_ACCESS_KEY: 'only-half' } }).then(() => null, (e: unknown) => e);
    expect(String(error)).toContain('COUPANG_PARTNERS_SECRET_KEY');
    expect(String(error)).toContain('required when COUPANG_PARTNERS_ACCESS_KEY is set');
  });
});
