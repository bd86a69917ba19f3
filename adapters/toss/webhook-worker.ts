/**
 * The webhook queue's worker in a long-running process: woken when an event is queued, it drains the queue
 * (core's `drainWebhooks`: bounded concurrency, a rate per source and overall) until nothing is due, and when
 * events wait for a rate window it wakes itself when the window ends. One drain at a time per process; other
 * processes and the renewal runner's sweep may drain too (acting on an event is idempotent, and the rates are
 * counted in the shared rate counter).
 */
import type { BillingDeps, WebhookQueue } from '../../core/billing/ports.ts';
import { drainWebhooks, type DrainSummary } from '../../core/billing/webhooks.ts';

export interface WebhookWorker extends WebhookQueue {
  /** Resolves when the drain in progress (if any) and any it asked for have finished. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const BATCH = 100;
/** Also looks at the queue this often without being woken (events left by another process, failed tries). */
const SWEEP_EVERY_MS = 60_000;

export const webhookWorker = (deps: () => BillingDeps, options: { onError?: (error: unknown) => void; onDrain?: (summary: DrainSummary) => void } = {}): WebhookWorker => {
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const controller = new AbortController();

  const scheduleRetry = (at: Date, now: Date) => {
    if (retryTimer || closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      wake();
    }, Math.max(10, at.getTime() - now.getTime()));
    retryTimer.unref();
  };

  const loop = async () => {
    do {
      again = false;
      const d = deps();
      let summary: DrainSummary;
      try {
        summary = await drainWebhooks(d, { limit: BATCH, signal: controller.signal, ...(options.onError ? { onError: options.onError } : {}) });
      } catch (error) {
        options.onError?.(error);
        return;
      }
      options.onDrain?.(summary);
      if (summary.retryAt) scheduleRetry(summary.retryAt, d.clock.now());
      // A full batch that made progress: more may be due now.
      if (summary.processed + summary.failed === BATCH) again = true;
    } while (again && !closed);
  };

  const wake = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = loop().finally(() => {
      running = null;
    });
  };

  const sweep = setInterval(wake, SWEEP_EVERY_MS);
  sweep.unref();

  return {
    wake,
    idle: async () => {
      while (running) await running;
    },
    close: async () => {
      closed = true;
      clearInterval(sweep);
      if (retryTimer) clearTimeout(retryTimer);
      controller.abort();
      await running;
    },
  };
};
