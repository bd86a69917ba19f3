/**
 * Event-driven pushes: after a committed stock change the tenant's channels are synced once the change has
 * settled for `delayMs`, so a burst of orders makes one sync (batched per tenant; each channel adapter paces its
 * calls to the provider). One sync per tenant runs at a time; a change during a run makes one more run after it.
 * The periodic sync stays the safety net: a push that fails here is retried by the next change or sync.
 */
import type { StockChanges } from '../../../core/inventory/ports.ts';

export interface PushScheduler extends StockChanges {
  /** Resolves when no sync is waiting or running (for tests and shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export const pushScheduler = (options: { delayMs: number; sync: (tenantId: string) => Promise<void>; onError: (tenantId: string, error: unknown) => void }): PushScheduler => {
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  let waiters: (() => void)[] = [];
  let closed = false;

  const settle = (): void => {
    if (timers.size > 0 || running.size > 0) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };

  const run = (tenantId: string): void => {
    timers.delete(tenantId);
    if (running.has(tenantId)) {
      again.add(tenantId);
      return;
    }
    const done = options
      .sync(tenantId)
      .catch((error: unknown) => options.onError(tenantId, error))
      .finally(() => {
        running.delete(tenantId);
        if (again.delete(tenantId) && !closed) schedule(tenantId);
        settle();
      });
    running.set(tenantId, done);
  };

  const schedule = (tenantId: string): void => {
    if (closed || timers.has(tenantId)) return;
    const timer = setTimeout(() => run(tenantId), options.delayMs);
    timer.unref();
    timers.set(tenantId, timer);
  };

  const idle = (): Promise<void> =>
    new Promise<void>((resolve) => {
      waiters.push(resolve);
      settle();
    });

  return {
    stockChanged: schedule,
    idle,
    close: async () => {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await Promise.all(running.values());
      settle();
    },
  };
};
