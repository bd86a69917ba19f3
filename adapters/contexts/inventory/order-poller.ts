/**
 * The background reader of the channels' order feeds: every `everyMs` it polls each (tenant, channel) that has
 * listings on a channel with a feed (core/inventory/orders.ts `pollOrders`), a few side by side. One tick runs at
 * a time in a process; across processes the cursor's lease keeps one poller per (tenant, channel) (the others
 * skip it), and exactly-once does not depend on it (event keys and the cursor's compare-and-set do).
 *
 * Reported in the log: oversold sales (a warning each, with the shortfall), ignored events (no listing), a channel
 * stopped for a missing or refused connection (once, when it stops), other feed failures (retried next tick).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ListingChannel, OrderPollResult } from '../../../core/inventory/model.ts';
import type { InventoryDeps } from '../../../core/inventory/ports.ts';
import { pollOrders } from '../../../core/inventory/orders.ts';

export interface OrderPoller {
  /** One pass over every (tenant, channel); a tick asked for while one runs answers that one. */
  tick(): Promise<void>;
  close(): Promise<void>;
}

export interface OrderPollerOptions {
  deps: InventoryDeps;
  everyMs: number;
  /** This process's name on the leases it takes. */
  holder: string;
  /** (tenant, channel) pairs polled side by side. */
  concurrency?: number;
  /** What the tenant's connection on the channel looks like now: a stopped channel is polled again when it changes. */
  connectionMarker?: (tenantId: string, channel: ListingChannel) => Promise<string>;
  logger: Pick<Logger, 'info' | 'warn'>;
}

export const reportPoll = (logger: Pick<Logger, 'info' | 'warn'>, tenantId: string, r: OrderPollResult): void => {
  for (const e of r.oversold) {
    logger.warn('channel sale larger than the free stock: the shortfall is kept on the event, see GET /v1/inventory/channel-orders', {
      tenantId, channel: r.channel, key: e.key, orderId: e.orderId, externalId: e.externalId, quantity: e.quantity, shortfall: e.shortfall,
    });
  }
  for (const e of r.ignored) logger.warn('channel order event ignored', { tenantId, channel: r.channel, key: e.key, orderId: e.orderId, externalId: e.externalId, note: e.note });
  if (r.failure?.kind === 'failed') logger.warn('channel order feed failed; the next poll retries', { tenantId, channel: r.channel, reason: r.failure.message });
  else if (r.failure) logger.warn('channel orders stopped until the connection changes', { tenantId, channel: r.channel, kind: r.failure.kind, reason: r.failure.message });
  if (r.recorded) logger.info('channel orders applied', { tenantId, channel: r.channel, recorded: r.recorded, applied: r.applied, oversold: r.oversold.length, ignored: r.ignored.length });
};

export const orderPoller = (options: OrderPollerOptions): OrderPoller & { start(): void } => {
  const { deps, logger } = options;
  const concurrency = options.concurrency ?? 4;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const controller = new AbortController();

  const pass = async (): Promise<void> => {
    const channels = Object.keys(deps.orderFeeds ?? {}) as ListingChannel[];
    const targets = await deps.store.orderPollTargets(channels);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!closed && next < targets.length) {
        const { tenantId, channel } = targets[next++]!;
        try {
          const marker = options.connectionMarker;
          const r = await pollOrders(deps, tenantId, channel, {
            holder: options.holder, signal: controller.signal, ...(marker ? { connectionMarker: () => marker(tenantId, channel) } : {}),
          });
          reportPoll(logger, tenantId, r);
        } catch (error) {
          if (!closed) logger.warn('channel orders could not be applied; the next poll retries from the stored cursor', { tenantId, channel, error: error as Error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  };

  const tick = (): Promise<void> => {
    if (closed) return Promise.resolve();
    running ??= pass()
      .catch((error: unknown) => logger.warn('could not list the channels to poll for orders; the next tick tries again', { error: error as Error }))
      .finally(() => {
        running = null;
      });
    return running;
  };

  return {
    tick,
    start: () => {
      timer = setInterval(() => void tick(), options.everyMs);
      timer.unref();
    },
    close: async () => {
      closed = true;
      clearInterval(timer);
      controller.abort();
      await running;
    },
  };
};
