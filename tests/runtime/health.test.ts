import { describe, expect, it } from 'vitest';
import { healthMonitor, type HealthCheck } from '../../core/platform/health.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { testRuntime } from '../helpers/invoke.ts';

const clockAt = (ms: number): Clock & { set(ms: number): void } => {
  let now = ms;
  return { now: () => new Date(now), set: (v) => void (now = v) };
};

describe('GET /health', () => {
  it('is 200 listing every dependency when all answer, 503 naming the one that fails or times out', async () => {
    const up: HealthCheck = { name: 'database', check: async () => {} };
    const down: HealthCheck = { name: 'dynamodb', check: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8000')) };
    const hangs: HealthCheck = { name: 'cache', check: () => new Promise(() => {}) };
    const clock = clockAt(0);

    const healthy = await testRuntime({ overrides: { health: healthMonitor([up], clock, 100, 0) } });
    const ok = await healthy.call('platform.health');
    expect(ok.status).toBe(200);
    expect(ok.body.checks).toEqual([{ name: 'database', status: 'up', durationMs: expect.any(Number) }]);

    const failing = await testRuntime({ overrides: { health: healthMonitor([up, down, hangs], clock, 100, 0) } });
    const bad = await failing.call('platform.health');
    expect(bad.status).toBe(503);
    expect(bad.body.status).toBe('failing');
    expect(bad.body.checks.map((c: { name: string; status: string; error?: string }) => [c.name, c.status, c.error])).toEqual([
      ['database', 'up', undefined],
      ['dynamodb', 'down', 'connect ECONNREFUSED 127.0.0.1:8000'],
      ['cache', 'down', 'timed out'],
    ]);
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
