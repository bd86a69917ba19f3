import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkHealth, healthMonitor, type HealthCheck } from './health.ts';

const clockAt = (start: string) => {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
};

const up = (name: string): HealthCheck => ({ name, check: async () => {} });
const failing = (name: string, error: unknown): HealthCheck => ({ name, check: async () => Promise.reject(error) });

afterEach(() => vi.restoreAllMocks());

describe('checkHealth', () => {
  it('is ok when every check answers, stamped with the clock', async () => {
    const clock = clockAt('2026-03-01T00:00:00Z');
    const report = await checkHealth([up('database'), up('dynamodb')], clock, 1_000);
    expect(report.status).toBe('ok');
    expect(report.checkedAt).toBe('2026-03-01T00:00:00.000Z');
    expect(report.checks.map((c) => [c.name, c.status, c.error])).toEqual([['database', 'up', undefined], ['dynamodb', 'up', undefined]]);
  });

  it('is failing when one check fails, naming it with its error', async () => {
    const report = await checkHealth([up('database'), failing('dynamodb', new Error('connection refused')), failing('cache', 'gone')], clockAt('2026-03-01T00:00:00Z'), 1_000);
    expect(report.status).toBe('failing');
    expect(report.checks.map((c) => [c.name, c.status, c.error])).toEqual([
      ['database', 'up', undefined],
      ['dynamodb', 'down', 'connection refused'],
      ['cache', 'down', 'gone'],
    ]);
  });

  it('says "timed out" for a check past the timeout, even one that ignores its signal, and for an aborted one', async () => {
    const ignoring: HealthCheck = { name: 'slow', check: () => new Promise(() => {}) };
    const listening: HealthCheck = {
      name: 'listening',
      check: (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    };
    const aborted = new Error('aborted');
    aborted.name = 'AbortError';
    const report = await checkHealth([ignoring, listening, failing('aborted', aborted)], clockAt('2026-03-01T00:00:00Z'), 20);
    expect(report.checks.map((c) => [c.name, c.status, c.error])).toEqual([
      ['slow', 'down', 'timed out'],
      ['listening', 'down', 'timed out'],
      ['aborted', 'down', 'timed out'],
    ]);
  });

  it('measures each check in whole milliseconds', async () => {
    const times = [1_000, 1_012.4, 2_000, 2_007.6];
    vi.spyOn(performance, 'now').mockImplementation(() => times.shift() ?? 0);
    const report = await checkHealth([up('a')], clockAt('2026-03-01T00:00:00Z'), 1_000);
    expect(report.checks[0]!.durationMs).toBe(12);
    const down = await checkHealth([failing('b', new Error('x'))], clockAt('2026-03-01T00:00:00Z'), 1_000);
    expect(down.checks[0]!.durationMs).toBe(8);
  });
});

describe('healthMonitor', () => {
  /** A check whose rounds the test finishes by hand. */
  const heldCheck = () => {
    const pending: Array<() => void> = [];
    let runs = 0;
    const check: HealthCheck = { name: 'database', check: () => (runs++, new Promise<void>((resolve) => pending.push(resolve))) };
    return { check, runs: () => runs, finish: () => pending.splice(0).forEach((resolve) => resolve()) };
  };

  it('callers during a round share it; its answer serves for maxAgeMs from when it finished', async () => {
    const clock = clockAt('2026-03-01T00:00:00Z');
    const held = heldCheck();
    const monitor = healthMonitor([held.check], clock, 5_000, 1_000);
    const first = monitor.report();
    const second = monitor.report();
    expect(second).toBe(first);
    // The round ends 500 ms after it started: its answer is fresh until 1,500 ms.
    clock.advance(500);
    held.finish();
    const report = await first;
    // Stamped when the checks answered.
    expect(report.checkedAt).toBe('2026-03-01T00:00:00.500Z');
    expect(held.runs()).toBe(1);
    clock.advance(999);
    expect(monitor.report()).toBe(first);
    expect(held.runs()).toBe(1);
    clock.advance(1);
    const third = monitor.report();
    expect(third).not.toBe(first);
    expect(held.runs()).toBe(2);
    held.finish();
    expect((await third).checkedAt).toBe('2026-03-01T00:00:01.500Z');
  });

  it('a round still running is shared however old it is', async () => {
    const clock = clockAt('2026-03-01T00:00:00Z');
    const held = heldCheck();
    const monitor = healthMonitor([held.check], clock, 60_000, 1_000);
    const first = monitor.report();
    clock.advance(5_000);
    expect(monitor.report()).toBe(first);
    expect(held.runs()).toBe(1);
    held.finish();
    await first;
  });

  it('maxAgeMs 0 checks on every call once a round has finished', async () => {
    const clock = clockAt('2026-03-01T00:00:00Z');
    let runs = 0;
    const monitor = healthMonitor([{ name: 'db', check: async () => void runs++ }], clock, 1_000, 0);
    await monitor.report();
    await monitor.report();
    expect(runs).toBe(2);
  });
});
