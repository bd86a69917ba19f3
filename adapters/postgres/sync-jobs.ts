/**
 * Inventory syncs as jobs in pg-boss, in its own schema of the database (PostgreSQL or the embedded PGlite,
 * through the Database interface). The queue's `exclusive` policy keyed by tenant lets one sync per tenant be
 * queued or running at a time: a second request answers the one there. Workers claim jobs with
 * FOR UPDATE SKIP LOCKED, so among several processes one runs a tenant's sync.
 *
 * A direct run (the CLI, `wait`) queues the job to start an hour later, so no worker takes it while the caller
 * runs it, and completes it itself; if the caller dies, a worker runs it when the hour is up.
 */
import { getConstructionPlans, getMigrationPlans, PgBoss } from 'pg-boss';
import type { ListingChannel, SyncInput, SyncJob, SyncResult } from '../../core/inventory/model.ts';
import type { SyncJobs } from '../../core/inventory/ports.ts';
import type { Database } from './database.ts';

export const SYNC_QUEUE = 'inventory-sync';
/** How long a direct run holds its job from the workers. */
const DIRECT_HOLD_SECONDS = 3600;
/** A sync of 10,000 Wing listings takes about 2,000 s of pushes and reads at 10 calls/s. */
const EXPIRE_SECONDS = 3 * 3600;

interface JobData {
  tenantId: string;
  channels: ListingChannel[] | null;
  direct?: boolean;
}

type StoredResult = Omit<SyncResult, 'startedAt' | 'finishedAt'> & { startedAt: string; finishedAt: string };

export interface SyncJobQueue extends SyncJobs {
  /** Runs queued syncs in this process, `concurrency` at a time. */
  work(run: (tenantId: string, input: SyncInput) => Promise<SyncResult>, options?: { concurrency?: number; pollSeconds?: number }): Promise<void>;
  /**
   * Queues a sync of each tenant, at most one per tenant per `periodSeconds` slot across processes, and none
   * while one is queued or running. Answers how many were queued.
   */
  enqueuePeriodic(tenantIds: readonly string[], periodSeconds: number): Promise<number>;
  /** One maintenance pass now (what supervising processes run every minute): abandoned jobs expire, old ones go. */
  maintain(): Promise<void>;
  close(): Promise<void>;
}

const stateOf = (state: string, data: JobData): SyncJob['state'] => {
  if (state === 'completed') return 'done';
  if (state === 'failed' || state === 'cancelled') return 'failed';
  if (state === 'active' || data.direct) return 'running';
  return 'queued';
};

const date = (v: unknown): Date | null => (v == null ? null : new Date(v as string));

const jobOf = (j: { id: string; state: string; data: JobData; output?: unknown; createdOn: Date; startedOn?: Date | null; completedOn?: Date | null }): SyncJob => {
  const state = stateOf(j.state, j.data);
  const output = (j.output ?? null) as (StoredResult & { message?: string }) | null;
  return {
    id: j.id,
    state,
    channels: j.data.channels,
    createdAt: new Date(j.createdOn),
    startedAt: state === 'running' && j.data.direct ? new Date(j.createdOn) : date(j.startedOn),
    finishedAt: state === 'done' || state === 'failed' ? date(j.completedOn) : null,
    result:
      state === 'done' && output
        ? {
            ...output,
            startedAt: new Date(output.startedAt),
            finishedAt: new Date(output.finishedAt),
            // Results stored before drift was corrected say nothing of it: nothing was.
            drift: output.drift.map((d) => ({ ...d, corrected: d.corrected ?? false })),
          }
        : null,
    error: state === 'failed' ? (output?.message ?? 'the sync failed') : null,
  };
};

const toStored = (r: SyncResult): StoredResult => ({ ...r, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt.toISOString() });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Installs pg-boss's schema, or migrates it, with the plans it exports. Its own install at start needs
 * `migrate: true`, which also starts its background migrations; those send several statements in one query and
 * read each one's rows, which the Database interface (one result per query) does not give.
 */
const install = async (db: Database, schema: string): Promise<void> => {
  const found = await db.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`${schema}.version`]);
  if (!found.rows[0]?.t) {
    await db.query(getConstructionPlans(schema));
    return;
  }
  const version = (await db.query<{ version: number }>(`SELECT version FROM ${schema}.version`)).rows[0]?.version;
  if (version == null) return;
  let plans: string;
  try {
    plans = getMigrationPlans(schema, Number(version));
  } catch {
    return; // already at pg-boss's version: there is no migration from it
  }
  await db.query(plans);
};

export const pgBossSyncJobs = (db: Database, options: { schema?: string; onError?: (error: unknown) => void; supervise?: boolean } = {}): SyncJobQueue => {
  let started: Promise<PgBoss> | undefined;
  const schema = options.schema ?? 'pgboss';
  const boss = (): Promise<PgBoss> =>
    (started ??= (async () => {
      await install(db, schema);
      const b = new PgBoss({
        db: { executeSql: async (text: string, values?: unknown[]) => db.query(text, values ?? []) },
        schema,
        // Expiry of abandoned jobs and retention run where background work runs; the one-shot processes only queue.
        supervise: options.supervise ?? false,
        schedule: false,
        // Background schema migrations send several statements in one query, which this interface answers with one result.
        migrate: false,
      });
      b.on('error', (error: unknown) => options.onError?.(error));
      await b.start();
      if (!(await b.getQueue(SYNC_QUEUE))) {
        await b.createQueue(SYNC_QUEUE, { policy: 'exclusive', retryLimit: 1, retryDelay: 60, expireInSeconds: EXPIRE_SECONDS, deleteAfterSeconds: 2 * 86_400 }).catch(async (error: unknown) => {
          // Another process created it first.
          if (!(await b.getQueue(SYNC_QUEUE))) throw error;
        });
      }
      return b;
    })().catch((error: unknown) => {
      // Forgotten, so the next call tries again instead of failing for the life of the process.
      started = undefined;
      throw error;
    }));

  const find = async (tenantId: string, id: string): Promise<SyncJob | null> => {
    if (!UUID.test(id)) return null;
    const [j] = await (await boss()).findJobs<JobData>(SYNC_QUEUE, { id });
    return j && j.data.tenantId === tenantId ? jobOf(j) : null;
  };

  const open = async (tenantId: string): Promise<SyncJob | null> => {
    const jobs = await (await boss()).findJobs<JobData>(SYNC_QUEUE, { key: tenantId });
    const live = jobs.filter((j) => ['created', 'retry', 'active'].includes(j.state));
    return live.length ? jobOf(live.at(-1)!) : null;
  };

  return {
    enqueue: async (tenantId, input, { direct = false } = {}) => {
      const b = await boss();
      const data: JobData = { tenantId, channels: input.channels ?? null, ...(direct ? { direct: true } : {}) };
      // Twice: the running job may end between a refused send and the look-up.
      for (let attempt = 0; attempt < 2; attempt++) {
        const id = await b.send(SYNC_QUEUE, data, {
          singletonKey: tenantId,
          ...(direct ? { startAfter: DIRECT_HOLD_SECONDS, retryLimit: 0 } : {}),
        });
        if (id) return { job: (await find(tenantId, id))!, created: true };
        const running = await open(tenantId);
        if (running) return { job: running, created: false };
      }
      throw new Error('could not queue the sync nor find the one running');
    },
    get: find,
    finish: async (id, result) => {
      await (await boss()).complete(SYNC_QUEUE, id, toStored(result), { includeQueued: true });
    },
    fail: async (id, message) => {
      await (await boss()).fail(SYNC_QUEUE, id, { message });
    },
    work: async (run, { concurrency = 2, pollSeconds = 2 } = {}) => {
      await (await boss()).work<JobData, StoredResult>(SYNC_QUEUE, { batchSize: 1, localConcurrency: concurrency, pollingIntervalSeconds: pollSeconds }, async ([job]) => {
        const result = await run(job!.data.tenantId, job!.data.channels ? { channels: job!.data.channels } : {});
        return toStored(result);
      });
    },
    enqueuePeriodic: async (tenantIds, periodSeconds) => {
      const b = await boss();
      let queued = 0;
      for (const tenantId of tenantIds) {
        // singletonSeconds: one job per tenant per slot, whichever process sends first.
        const id = await b.send(SYNC_QUEUE, { tenantId, channels: null } satisfies JobData, { singletonKey: tenantId, singletonSeconds: periodSeconds });
        if (id) queued++;
      }
      return queued;
    },
    maintain: async () => {
      await (await boss()).supervise();
    },
    close: async () => {
      if (started) await (await started).stop({ graceful: true, timeout: 10_000 });
    },
  };
};
