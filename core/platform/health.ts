import type { Clock } from '../shared/clock.ts';

/** One dependency the service cannot work without (database, DynamoDB, ...). */
export interface HealthCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or the signal aborts) when it does not. */
  check(signal: AbortSignal): Promise<void>;
}

export interface CheckResult {
  name: string;
  status: 'up' | 'down';
  durationMs: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'failing';
  checkedAt: string;
  checks: CheckResult[];
}

const describe = (error: unknown): string => {
  if (error instanceof Error) return error.name === 'AbortError' || error.name === 'TimeoutError' ? 'timed out' : error.message;
  return String(error);
};

/** Runs every check at once, each bounded by `timeoutMs`, and reports the ones that failed by name. */
export const checkHealth = async (checks: readonly HealthCheck[], clock: Clock, timeoutMs: number): Promise<HealthReport> => {
  const results = await Promise.all(
    checks.map(async (c): Promise<CheckResult> => {
      const started = performance.now();
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await Promise.race([
          c.check(signal),
          new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
        ]);
        return { name: c.name, status: 'up', durationMs: Math.round(performance.now() - started) };
      } catch (error) {
        return { name: c.name, status: 'down', durationMs: Math.round(performance.now() - started), error: describe(error) };
      }
    }),
  );
  return {
    status: results.every((r) => r.status === 'up') ? 'ok' : 'failing',
    checkedAt: clock.now().toISOString(),
    checks: results,
  };
};

export interface HealthMonitor {
  report(): Promise<HealthReport>;
}

/**
 * One round of checks serves every caller for `maxAgeMs` (its `checkedAt` says when it ran), and callers arriving
 * while a round runs share it: load balancers and monitors polling /health never add up to a load on the
 * database. `maxAgeMs` 0 checks on every call.
 */
export const healthMonitor = (checks: readonly HealthCheck[], clock: Clock, timeoutMs: number, maxAgeMs: number): HealthMonitor => {
  let last: { at: number; report: Promise<HealthReport>; done: boolean } | undefined;
  return {
    report: () => {
      const now = clock.now().getTime();
      if (last && (!last.done || now - last.at < maxAgeMs)) return last.report;
      const round = { at: now, done: false, report: checkHealth(checks, clock, timeoutMs) };
      void round.report.finally(() => {
        round.done = true;
        round.at = clock.now().getTime();
      });
      last = round;
      return round.report;
    },
  };
};
