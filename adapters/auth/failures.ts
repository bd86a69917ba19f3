/**
 * Failed authentication: throttled per source address and per key prefix, and audited in aggregate.
 *
 * Throttle. Each failure is counted in the shared rate counter (every process spends one allowance) under
 * `auth-failures:source:<address>` and, for a key in our format, `auth-failures:prefix:<prefix>`, in fixed
 * windows. A failure that finds its counter full marks the source (or prefix) blocked in this process until the
 * window ends. A blocked source is refused before its credentials are read (429 with Retry-After), from memory,
 * so a flood costs no database work once it is throttled. A blocked prefix only turns later failures with that
 * prefix into 429: the right key is still checked and accepted, so nobody can lock a key's holder out by
 * guessing with its public prefix.
 *
 * A blocked source's refusals are held for up to a second before they are sent (at most 1,000 at once per
 * process): a client that ignores Retry-After and retries at once on each connection then costs one cheap answer
 * per connection per second instead of as many as the CPU can make, which is what let a closed-loop flood
 * crowd out tenants. Holding costs a timer and an open socket, no database and no lock.
 *
 * Audit. Failures are counted in memory per window, source and reason, and each closed window becomes one entry
 * in the platform chain with its count (`details.count`, the window, up to five routes and key prefixes). The
 * appends run in the background once a window has closed, never on a request, so unauthenticated traffic never
 * queues on the audit chain's lock. Counts of a window not yet written are lost if the process dies; a Lambda
 * instance writes a closed window on its next failure or at shutdown.
 */
import type { AuditRepository } from '../../core/platform/audit.ts';
import { parseKey } from '../../core/platform/api-keys.ts';
import type { AuthFailure, Throttle } from '../../core/platform/principal.ts';
import { windowBounds, type RateCounter } from '../../core/platform/rate-counter.ts';
import type { Clock } from '../../core/shared/clock.ts';

export interface FailureLimits {
  /** Failures one source address may make per window before it is refused unread. */
  perSource: number;
  /** Failures with one key prefix per window before further failures with it answer 429. */
  perPrefix: number;
  windowMs: number;
  /** Sources counted apart per window and process; the rest share one entry with source `*`. */
  maxSources: number;
  /** A blocked source's 429 is held this long before it is sent (at most until its block ends); 0: at once. */
  holdMs: number;
  /** Refusals held at once per process; past this they are sent at once, so held sockets stay bounded. */
  maxHeld: number;
}

export const defaultFailureLimits: FailureLimits = { perSource: 20, perPrefix: 10, windowMs: 60_000, maxSources: 1_000, holdMs: 1_000, maxHeld: 1_000 };

const SAMPLE = 5;
const BEARER = /^Bearer +(\S+)$/i;

interface Bucket {
  windowStart: number;
  source: string;
  reason: AuthFailure['reason'];
  count: number;
  firstAt: number;
  lastAt: number;
  routes: Set<string>;
  prefixes: Set<string>;
  lastRequestId: string;
}

export interface FailureGuard {
  /** Seconds to wait when the source is blocked in this process, else null. Memory only. */
  throttled(sourceIp: string): Throttle | null;
  /** Counts one failure (not `forbidden`: that is audited entry by entry); returns a throttle when one applies. */
  record(failure: AuthFailure): Promise<Throttle | null>;
  /** Appends every closed window (all windows when `all`); resolves when written. */
  flush(all?: boolean): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

export const failureGuard = (deps: {
  counter: RateCounter | undefined;
  audit: AuditRepository;
  clock: Clock;
  limits?: Partial<FailureLimits>;
  onError?: (message: string, error: unknown) => void;
  /** How often closed windows are written; 0 turns the timer off (tests flush by hand). */
  flushEveryMs?: number;
}): FailureGuard => {
  const limits = { ...defaultFailureLimits, ...deps.limits };
  const window = { sizeMs: limits.windowMs };
  const onError = deps.onError ?? (() => {});
  const blockedSources = new Map<string, number>();
  const blockedPrefixes = new Map<string, number>();
  const buckets = new Map<string, Bucket>();
  let sourcesThisWindow = new Map<number, Set<string>>();

  const retryAfter = (untilMs: number, nowMs: number): Throttle => ({ retryAfterSeconds: Math.max(1, Math.ceil((untilMs - nowMs) / 1000)) });
  const blockedUntil = (map: Map<string, number>, key: string, nowMs: number): number | null => {
    const until = map.get(key);
    if (until === undefined) return null;
    if (until > nowMs) return until;
    map.delete(key);
    return null;
  };
  const block = (map: Map<string, number>, key: string, until: number, nowMs: number): void => {
    if (map.size >= 100_000) for (const [k, u] of map) if (u <= nowMs) map.delete(k);
    if (map.size < 100_000) map.set(key, until);
  };

  /** Counts in the shared counter; a counter that fails lets the failure through (answered 401, logged). */
  const spend = async (name: string, limit: number): Promise<{ allowed: boolean; resetAt: number }> => {
    if (!deps.counter) return { allowed: true, resetAt: 0 };
    try {
      const r = await deps.counter.consume({ name, limit, window });
      return { allowed: r.allowed, resetAt: r.resetAt.getTime() };
    } catch (error) {
      onError('could not count an authentication failure', error);
      return { allowed: true, resetAt: 0 };
    }
  };

  /** A throttle while `key` is blocked here, else spends one failure in the shared counter and blocks it when full. */
  const limit = async (map: Map<string, number>, key: string, name: string, max: number, nowMs: number): Promise<Throttle | null> => {
    const until = blockedUntil(map, key, nowMs);
    if (until !== null) return retryAfter(until, nowMs);
    const r = await spend(name, max);
    if (r.allowed) return null;
    block(map, key, r.resetAt, nowMs);
    return retryAfter(r.resetAt, nowMs);
  };

  const count = (failure: AuthFailure, prefix: string | null, nowMs: number): void => {
    const { start } = windowBounds(nowMs, window);
    let seen = sourcesThisWindow.get(start);
    if (!seen) {
      seen = new Set();
      sourcesThisWindow = new Map([...sourcesThisWindow].filter(([s]) => s >= start - limits.windowMs));
      sourcesThisWindow.set(start, seen);
    }
    let source = failure.sourceIp || 'unknown';
    if (!seen.has(source)) {
      if (seen.size >= limits.maxSources) source = '*';
      else seen.add(source);
    }
    const key = `${start}|${source}|${failure.reason}`;
    let b = buckets.get(key);
    if (!b) {
      b = { windowStart: start, source, reason: failure.reason, count: 0, firstAt: nowMs, lastAt: nowMs, routes: new Set(), prefixes: new Set(), lastRequestId: failure.requestId };
      buckets.set(key, b);
    }
    b.count++;
    b.lastAt = nowMs;
    b.lastRequestId = failure.requestId;
    if (b.routes.size < SAMPLE) b.routes.add(failure.route);
    if (prefix && b.prefixes.size < SAMPLE) b.prefixes.add(prefix);
  };

  let flushing: Promise<void> = Promise.resolve();
  const flush = (all = false): Promise<void> => {
    const nowMs = deps.clock.now().getTime();
    const due: Bucket[] = [];
    for (const [k, b] of buckets) {
      if (all || b.windowStart + limits.windowMs <= nowMs) {
        due.push(b);
        buckets.delete(k);
      }
    }
    if (due.length === 0) return flushing;
    // One writer at a time: entries of one source stay in window order.
    flushing = flushing.then(async () => {
      for (const b of due) {
        try {
          await deps.audit.append({
            tenantId: null,
            at: new Date(b.lastAt),
            actor: 'anonymous',
            credential: null,
            action: `auth.${b.reason}`,
            target: [...b.routes][0] ?? null,
            requestId: b.lastRequestId,
            sourceIp: b.source,
            outcome: 'denied',
            details: {
              count: b.count,
              windowStart: new Date(b.windowStart).toISOString(),
              windowEnd: new Date(b.windowStart + limits.windowMs).toISOString(),
              firstAt: new Date(b.firstAt).toISOString(),
              routes: [...b.routes].join(','),
              keyPrefixes: [...b.prefixes].join(','),
            },
          });
        } catch (error) {
          onError('could not audit authentication failures', error);
        }
      }
    });
    return flushing;
  };

  // Refusals being held (the tarpit): counted so that an open-ended flood cannot pile up sockets without bound.
  let held = 0;
  const hold = (ms: number) => (signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      held++;
      let done = false;
      const release = () => {
        if (done) return;
        done = true;
        held--;
        clearTimeout(timeout);
        signal?.removeEventListener('abort', release);
        resolve();
      };
      const timeout = setTimeout(release, ms);
      if (signal?.aborted) release();
      else signal?.addEventListener('abort', release, { once: true });
    });

  const timer = deps.flushEveryMs === 0 ? undefined : setInterval(() => void flush(), deps.flushEveryMs ?? 5_000);
  timer?.unref();

  return {
    throttled: (sourceIp) => {
      const nowMs = deps.clock.now().getTime();
      if (!sourceIp) return null;
      const until = blockedUntil(blockedSources, sourceIp, nowMs);
      if (until === null) return null;
      const ms = Math.min(limits.holdMs, until - nowMs);
      return ms > 0 && held < limits.maxHeld ? { ...retryAfter(until, nowMs), wait: hold(ms) } : retryAfter(until, nowMs);
    },
    record: async (failure) => {
      const nowMs = deps.clock.now().getTime();
      const token = BEARER.exec(failure.authorization ?? '')?.[1];
      const prefix = token ? (parseKey(token)?.prefix ?? null) : null;
      count(failure, prefix, nowMs);
      // A closed window is written on the next failure too, for a process whose timer does not run (Lambda).
      void flush();
      // Only a presented credential that failed is spent: a request without one costs no lookup and guesses nothing.
      if (failure.reason !== 'invalid_credentials') return null;
      // No network source (the CLI, a direct invocation): nothing to throttle by address.
      const bySource = failure.sourceIp ? await limit(blockedSources, failure.sourceIp, `auth-failures:source:${failure.sourceIp}`, limits.perSource, nowMs) : null;
      const byPrefix = prefix ? await limit(blockedPrefixes, prefix, `auth-failures:prefix:${prefix}`, limits.perPrefix, nowMs) : null;
      return bySource ?? byPrefix;
    },
    flush,
    close: async () => {
      if (timer) clearInterval(timer);
      await flush(true);
    },
  };
};
