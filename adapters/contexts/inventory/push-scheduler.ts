/**
 * Event-driven pushes: after a committed stock change the tenant's channels are pushed once the change has
 * settled for `delayMs`, so a burst of orders makes one push (batched per tenant; each channel adapter paces its
 * calls to the provider and batches where the provider allows). Only the listings the changed SKUs can move are
 * pushed, with no read-back. One push per tenant runs at a time; changes during a run make one more run after it.
 *
 * Failures never reach the seller's sales, which committed before: a listing whose push failed is pushed again
 * after a backoff (first `retry.firstMs`, doubling up to `retry.maxMs`, `retry.attempts` times, then left to the
 * periodic sync). A channel whose connection is missing or refused is not pushed again for that tenant until a
 * sync finds its connection working (`resume`), or `stopMs` has passed (the sync may have run in another
 * process): a renewed connection, not a retry loop, brings it back.
 */
import type { ListingChannel, PushOutcome, SyncFailure } from '../../../core/inventory/model.ts';
import type { StockChanges } from '../../../core/inventory/ports.ts';

export interface PushScheduler extends StockChanges {
  /** A sync reached these channels of the tenant through a working connection: their pushes resume. */
  resume(tenantId: string, channels: readonly ListingChannel[]): void;
  /** The channels stopped for the tenant (missing or refused connection). */
  stopped(tenantId: string): ListingChannel[];
  /** Resolves when no push is waiting (retries included) or running (for tests and shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface PushSchedulerOptions {
  delayMs: number;
  /** Pushes what a change of `skus` moved (undefined: anything of the tenant), leaving out the `skip` channels. */
  push: (tenantId: string, skus: readonly string[] | undefined, skip: ReadonlySet<ListingChannel>) => Promise<PushOutcome>;
  retry?: { firstMs: number; maxMs: number; attempts: number };
  /**
   * How long a stopped channel stays stopped without a sync resuming it (the sync may run in another process):
   * then one push tries it again. Default: no limit.
   */
  stopMs?: number;
  /** A push threw (the store, not a channel): it is retried like a failed listing. */
  onError: (tenantId: string, error: unknown) => void;
  onStopped?: (tenantId: string, failure: SyncFailure) => void;
  /** The retries of these SKUs are spent; the periodic sync will push them. */
  onGiveUp?: (tenantId: string, skus: readonly string[] | 'all') => void;
}

export const DEFAULT_RETRY = { firstMs: 5_000, maxMs: 300_000, attempts: 6 };

/** SKUs to push: a set, or every listing of the tenant. */
type Work = Set<string> | 'all';

const merge = (a: Work | null, b: Work | null): Work | null => {
  if (a === 'all' || b === 'all') return 'all';
  if (!a) return b;
  if (!b) return a;
  return new Set([...a, ...b]);
};

interface TenantState {
  pending: Work | null;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  retry: Work | null;
  retryTimer: NodeJS.Timeout | null;
  attempt: number;
  /** Stopped channels and until when (epoch ms). */
  stopped: Map<ListingChannel, number>;
}

export const pushScheduler = (options: PushSchedulerOptions): PushScheduler => {
  const retry = options.retry ?? DEFAULT_RETRY;
  const tenants = new Map<string, TenantState>();
  let waiters: (() => void)[] = [];
  let closed = false;

  const stateOf = (tenantId: string): TenantState => {
    let s = tenants.get(tenantId);
    if (!s) tenants.set(tenantId, (s = { pending: null, timer: null, running: null, retry: null, retryTimer: null, attempt: 0, stopped: new Map() }));
    return s;
  };

  const busy = (): boolean => [...tenants.values()].some((s) => s.timer || s.running || s.retryTimer);
  const settle = (): void => {
    if (busy()) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  };

  const wait = (tenantId: string, s: TenantState): void => {
    s.timer = later(options.delayMs, () => {
      s.timer = null;
      run(tenantId);
    });
  };

  const stoppedNow = (s: TenantState): Set<ListingChannel> => {
    for (const [channel, until] of s.stopped) if (until <= Date.now()) s.stopped.delete(channel);
    return new Set(s.stopped.keys());
  };

  const backoff = (attempt: number): number => Math.min(retry.firstMs * 2 ** (attempt - 1), retry.maxMs);

  const failed = (tenantId: string, s: TenantState, work: Work): void => {
    s.attempt++;
    if (s.attempt > retry.attempts) {
      options.onGiveUp?.(tenantId, work === 'all' ? 'all' : [...work]);
      s.attempt = 0;
      return;
    }
    s.retry = merge(s.retry, work);
    if (!s.retryTimer) s.retryTimer = later(backoff(s.attempt), () => {
      s.retryTimer = null;
      run(tenantId);
    });
  };

  const run = (tenantId: string): void => {
    const s = stateOf(tenantId);
    if (s.running) return; // the run in progress schedules the next when it ends (finally below)
    if (s.timer) clearTimeout(s.timer);
    if (s.retryTimer) clearTimeout(s.retryTimer);
    s.timer = s.retryTimer = null;
    const work = merge(s.pending, s.retry);
    s.pending = s.retry = null;
    if (!work || closed) return settle();
    s.running = options
      .push(tenantId, work === 'all' ? undefined : [...work], stoppedNow(s))
      .then(
        (outcome) => {
          for (const stop of outcome.stopped) {
            if (!s.stopped.has(stop.channel)) options.onStopped?.(tenantId, stop);
            s.stopped.set(stop.channel, Date.now() + (options.stopMs ?? Number.POSITIVE_INFINITY));
          }
          const again = new Set(outcome.failed.flatMap((f) => (f.sku ? [f.sku] : [])));
          if (again.size) failed(tenantId, s, again);
          else s.attempt = 0;
        },
        (error: unknown) => {
          options.onError(tenantId, error);
          failed(tenantId, s, work);
        },
      )
      .finally(() => {
        s.running = null;
        if ((s.pending || (s.retry && !s.retryTimer)) && !closed && !s.timer) wait(tenantId, s);
        settle();
      });
  };

  const stockChanged = (tenantId: string, skus?: readonly string[]): void => {
    if (closed) return;
    const s = stateOf(tenantId);
    s.pending = merge(s.pending, skus ? new Set(skus) : 'all');
    // While a run is in progress the timer is set when it ends, so two runs of a tenant never overlap.
    if (!s.timer && !s.running) wait(tenantId, s);
  };

  return {
    stockChanged,
    resume: (tenantId, channels) => {
      const s = tenants.get(tenantId);
      for (const c of channels) s?.stopped.delete(c);
    },
    stopped: (tenantId) => {
      const s = tenants.get(tenantId);
      return s ? [...stoppedNow(s)] : [];
    },
    idle: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        settle();
      }),
    close: async () => {
      closed = true;
      for (const s of tenants.values()) {
        if (s.timer) clearTimeout(s.timer);
        if (s.retryTimer) clearTimeout(s.retryTimer);
        s.timer = s.retryTimer = null;
      }
      await Promise.all([...tenants.values()].map((s) => s.running));
      settle();
    },
  };
};
