import { describe, expect, it } from 'vitest';
import { healthMonitor, type HealthCheck } from '../../core/platform/health.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { testRuntime } from '../helpers/invoke.ts';
import { memoryAuthenticator } from '../../adapters/memory/auth.ts';
import type { Principal } from '../../core/platform/principal.ts';

const clockAt = (ms: number): Clock & { set(ms: number): void } => {
  let now = ms;
  return { now: () => new Date(now), set: (v) => void (now = v) };
};

describe('GET /health', () => {
  it('is 200 when all dependencies answer, 503 when one fails or times out; checks only for an admin or the metrics token', async () => {
    const up: HealthCheck = { name: 'database', check: async () => {} };
    const down: HealthCheck = { name: 'dynamodb', check: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8000')) };
    const hangs: HealthCheck = { name: 'cache', check: () => new Promise(() => {}) };
    const clock = clockAt(0);
    const admin: Principal = { kind: 'admin', actorId: 'adm_1', via: 'api_key' };
    const tenant: Principal = { kind: 'tenant', tenantId: 't1', actorId: 'm1', role: 'owner', via: 'api_key' };
    const auth = memoryAuthenticator(new Map<string, Principal>([['admin-key', admin], ['tenant-key', tenant]]));
    const env = { METRICS_TOKEN: 'scrape-token-0123456789' };

    const healthy = await testRuntime({ env, overrides: { auth, health: healthMonitor([up], clock, 100, 0) } });
    const ok = await healthy.call('platform.health');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'ok', checkedAt: expect.any(String) });
    const okDetails = await healthy.call('platform.health', { headers: { authorization: 'Bearer admin-key' } });
    expect(okDetails.body.checks).toEqual([{ name: 'database', status: 'up', durationMs: expect.any(Number) }]);

    const failing = await testRuntime({ env, overrides: { auth, health: healthMonitor([up, down, hangs], clock, 100, 0) } });
    // The public answer names no dependency and shows no driver message.
    for (const authorization of [undefined, 'Bearer tenant-key', 'Bearer wrong', 'Bearer scrape-token-wrong-0000']) {
      const bad = await failing.call('platform.health', authorization ? { headers: { authorization } } : {});
      expect(bad.status).toBe(503);
      expect(bad.body).toEqual({ status: 'failing', checkedAt: expect.any(String) });
      expect(bad.raw.body).not.toMatch(/dynamodb|database|ECONNREFUSED/);
    }
    for (const authorization of ['Bearer admin-key', 'Bearer scrape-token-0123456789']) {
      const bad = await failing.call('platform.health', { headers: { authorization } });
      expect(bad.status).toBe(503);
      expect(bad.body.checks.map((c: { name: string; status: string; error?: string }) => [c.name, c.status, c.error])).toEqual([
        ['database', 'up', undefined],
        ['dynamodb', 'down', 'connect ECONNREFUSED 127.0.0.1:8000'],
        ['cache', 'down', 'timed out'],
      ]);
    }
    await Promise.all([healthy.close(), failing.close()]);
  });

  it('gives no details for any bearer when no metrics token is configured', async () => {
    const down: HealthCheck = { name: 'database', check: async () => Promise.reject(new Error('password authentication failed for user "sellpo"')) };
    const rt = await testRuntime({ overrides: { auth: memoryAuthenticator(), health: healthMonitor([down], clockAt(0), 100, 0) } });
    const res = await rt.call('platform.health', { headers: { authorization: 'Bearer anything-at-all' } });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'failing', checkedAt: expect.any(String) });
    await rt.close();
  });

  it('serves one round of checks to every caller within the cache age, and shares a round in progress', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const slow: HealthCheck = { name: 'database', check: () => (runs++, new Promise<void>((r) => (release = r))) };
    const clock = clockAt(1_000);
    const monitor = healthMonitor([slow], clock, 5_000, 1_000);
    const together = [monitor.report(), monitor.report(), monitor.report()];
    release();
    const reports = await Promise.all(together);
    expect(runs).toBe(1);
    expect(new Set(reports).size).toBe(1);
    clock.set(1_900);
    await monitor.report();
    expect(runs).toBe(1);
    clock.set(2_100);
    const next = monitor.report();
    release();
    await next;
    expect(runs).toBe(2);
  });
});
