/**
 * Syncs as queued jobs (adapters/postgres/sync-jobs.ts, pg-boss): every process can queue one and read it; a
 * process that runs background work also runs queued syncs and, every `everyMs`, queues the periodic sync of each
 * tenant with listings (the safety net behind the pushes after each change: it reads every listing back).
 *
 * The job library starts on first use: at the first sync this process queues, or at the first periodic tick that
 * finds a tenant with listings (a few seconds after start, then every `everyMs`), so a process without inventory
 * never touches its tables.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { ListingChannel, SyncInput, SyncResult } from '../../../core/inventory/model.ts';
import type { InventoryPorts, SyncJobs } from '../../../core/inventory/ports.ts';
import type { Clock } from '../../../core/shared/clock.ts';
import type { Database } from '../../postgres/database.ts';
import type { SyncJobQueue } from '../../postgres/sync-jobs.ts';
import { lazy, lazyPort } from '../../providers/lazy-port.ts';

export interface SyncJobsWiring {
  port: SyncJobs;
  close(): Promise<void>;
}

/** The channels a finished sync reached through a working connection (listed, wired, not refused or missing). */
export const workingChannels = (ports: InventoryPorts, input: SyncInput, result: SyncResult): ListingChannel[] => {
  const stopped = new Set(result.failures.filter((f) => f.kind !== 'failed').map((f) => f.channel));
  const asked = input.channels ?? (Object.keys(ports.channels) as ListingChannel[]);
  return asked.filter((c) => ports.channels[c] && !stopped.has(c));
};

export const wireSyncJobs = (options: {
  database: Database;
  ports: InventoryPorts;
  clock: Clock;
  logger: Logger;
  background: boolean;
  everyMs: number;
  /** Told after each sync this process ran, with the channels it found working (the push scheduler resumes them). */
  synced?: (tenantId: string, channels: ListingChannel[]) => void;
}): SyncJobsWiring => {
  const { ports, logger } = options;
  const run = async (tenantId: string, input: SyncInput): Promise<SyncResult> => {
    const { syncChannels } = await import('../../../core/inventory/sync.ts');
    const result = await syncChannels({ ...ports, clock: options.clock }, tenantId, input);
    options.synced?.(tenantId, workingChannels(ports, input, result));
    return result;
  };
  const queue = lazy(async (): Promise<SyncJobQueue> => {
    const { pgBossSyncJobs } = await import('../../postgres/sync-jobs.ts');
    const q = pgBossSyncJobs(options.database, { supervise: options.background, onError: (error) => logger.warn('sync job queue error', { error: error as Error }) });
    if (options.background) await q.work(run);
    return q;
  });
  const port = lazyPort<SyncJobs>(() => queue.get(), { enqueue: true, get: true, finish: true, fail: true });

  const timers: NodeJS.Timeout[] = [];
  if (options.background) {
    const tick = async (): Promise<void> => {
      try {
        const tenants = await ports.store.tenantsWithListings();
        if (!tenants.length) return;
        const queued = await (await queue.get()).enqueuePeriodic(tenants, Math.round(options.everyMs / 1000));
        if (queued) logger.info('periodic inventory syncs queued', { queued, tenants: tenants.length });
      } catch (error) {
        logger.warn('could not queue the periodic inventory syncs; the next tick tries again', { error: error as Error });
      }
    };
    const first = setTimeout(() => void tick(), Math.min(5_000, options.everyMs));
    const every = setInterval(() => void tick(), options.everyMs);
    first.unref();
    every.unref();
    timers.push(first, every);
  }
  return {
    port,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await (await queue.take())?.close();
    },
  };
};
