import type { Clock } from '../shared/clock.ts';
import type { CheckResult, HealthReport, HealthSummary } from './model.ts';
import type { Authenticator, Credentials } from './principal.ts';

/** One dependency the service cannot work without (database, DynamoDB, ...). */
export interface HealthCheck {
  name: string;
  /** Resolves when the dependency answers; rejects (or the signal aborts) when it does not. */
  check(signal: AbortSignal): Promise<void>;
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

export interface HealthDeps {
  health: HealthMonitor;
  auth: Authenticator;
  /** The metrics token, where one is configured, also unlocks the checks. */
  metrics?: { authorize(authorization: string | undefined): boolean } | undefined;
}

/**
 * Whether the caller may see the checks (dependency names, driver messages): the metrics token when one is
 * configured, or an admin credential. Never an error: a caller who is neither gets the short answer.
 */
const seesDetails = async (deps: HealthDeps, credentials: Credentials, signal?: AbortSignal): Promise<boolean> => {
  if (!credentials.authorization) return false;
  // `authorize(undefined)` is true only when no token is configured: then the token grants nothing here.
  if (deps.metrics && !deps.metrics.authorize(undefined) && deps.metrics.authorize(credentials.authorization)) return true;
  try {
    const principal = await deps.auth.authenticate(credentials, signal);
    return principal?.kind === 'admin';
  } catch {
    return false; // the database holding the keys may be the dependency that is down
  }
};

/** GET /health: the latest round of checks, with the checks themselves only for an admin or the metrics token. */
export const readHealth = async (deps: HealthDeps, credentials: Credentials, signal?: AbortSignal): Promise<HealthReport | HealthSummary> => {
  const report = await deps.health.report();
  return (await seesDetails(deps, credentials, signal)) ? report : { status: report.status, checkedAt: report.checkedAt };
};
