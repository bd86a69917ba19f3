import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkHealth, healthMonitor, readHealth, type HealthCheck, type HealthDeps } from './health.ts';
import type { HealthReport } from './model.ts';
import type { Authenticator, Credentials, Principal } from './principal.ts';

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

describe('readHealth', () => {
  const report: HealthReport = {
    status: 'failing', checkedAt: '2026-03-01T00:00:00.000Z',
    checks: [{ name: 'database', status: 'up', durationMs: 3 }, { name: 'dynamodb', status: 'down', durationMs: 20, error: 'connection refused' }],
  };
  const short = { status: 'failing', checkedAt: '2026-03-01T00:00:00.000Z' };
  const admin: Principal = { kind: 'admin', actorId: 'ops', via: 'api_key' };
  const tenant: Principal = { kind: 'tenant', tenantId: 't1', actorId: 'u1', role: 'owner', via: 'api_key' };
  const asking = (authorization?: string): Credentials => ({ authorization, sourceIp: '203.0.113.9', requestId: 'r1' });
  /** A metrics token as the adapter checks it: with none configured, everything (even no header) is let through. */
  const token = (expected?: string) => ({ authorize: (authorization: string | undefined) => !expected || authorization === expected });

  const deps = (answer: Principal | null | Error, metrics?: HealthDeps['metrics']) => {
    const seen: Array<[Credentials, AbortSignal | undefined]> = [];
    const auth: Authenticator = {
      authenticate: async (credentials, signal) => {
        seen.push([credentials, signal]);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    };
    return { deps: { health: { report: async () => report }, auth, metrics }, seen };
  };

  it('tells anyone without credentials the status and when it was checked, and nothing else, without authenticating', async () => {
    const { deps: d, seen } = deps(admin, token('Bearer metrics-token-0123456789'));
    expect(await readHealth(d, asking())).toEqual(short);
    expect(await readHealth(d, asking(''))).toEqual(short);
    expect(seen).toEqual([]);
  });

  it('shows the checks to an admin, and passes the credentials and the signal on', async () => {
    const { deps: d, seen } = deps(admin);
    const signal = new AbortController().signal;
    expect(await readHealth(d, asking('Bearer admin-key'), signal)).toEqual(report);
    expect(seen).toEqual([[asking('Bearer admin-key'), signal]]);
  });

  it('gives a tenant, an invalid credential and a failing authentication the short answer', async () => {
    expect(await readHealth(deps(tenant).deps, asking('Bearer tenant-key'))).toEqual(short);
    expect(await readHealth(deps(null).deps, asking('Bearer nonsense'))).toEqual(short);
    expect(await readHealth(deps(new Error('database down')).deps, asking('Bearer admin-key'))).toEqual(short);
  });

  it('shows the checks for the metrics token, when one is set, without authenticating', async () => {
    const { deps: d, seen } = deps(tenant, token('Bearer metrics-token-0123456789'));
    expect(await readHealth(d, asking('Bearer metrics-token-0123456789'))).toEqual(report);
    expect(seen).toEqual([]);
    // Any other header is authenticated as usual.
    expect(await readHealth(d, asking('Bearer metrics-token-x'))).toEqual(short);
    expect(await readHealth(deps(admin, token('Bearer metrics-token-0123456789')).deps, asking('Bearer admin-key'))).toEqual(report);
    expect(seen).toEqual([[asking('Bearer metrics-token-x'), undefined]]);
  });

  it('grants nothing through the metrics token when none is set', async () => {
    const { deps: d, seen } = deps(tenant, token());
    expect(await readHealth(d, asking('Bearer anything'))).toEqual(short);
    expect(seen).toHaveLength(1);
  });
});
