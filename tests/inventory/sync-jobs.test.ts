/** Syncs as pg-boss jobs on the embedded database: one per tenant, run by one worker, the periodic one once per slot. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncResult } from '../../core/inventory/model.ts';
import { pgBossSyncJobs, type SyncJobQueue } from '../../adapters/postgres/sync-jobs.ts';
import { postgresUnavailable, withPglite, withPostgres, type TestDatabase } from '../helpers/database.ts';
import { gate } from '../helpers/barrier.ts';

const result = (listings: number): SyncResult => ({ startedAt: new Date(0), finishedAt: new Date(1000), listings, pushed: listings, unchanged: 0, drift: [], failures: [] });

describe('sync jobs (pg-boss)', () => {
  let db: TestDatabase;
  let one: SyncJobQueue;
  let two: SyncJobQueue;
  beforeAll(async () => {
    db = await withPglite();
    one = pgBossSyncJobs(db);
    two = pgBossSyncJobs(db);
  }, 120_000);
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await db?.close();
  });

  it('queues one sync per tenant; a second ask answers it; two workers run it once; the result is read back by its tenant', async () => {
    const first = await one.enqueue('t1', { channels: ['coupang_wing'] });
    const second = await two.enqueue('t1', {});
    const other = await one.enqueue('t2', {});
    expect([first.created, second.created, second.job.id, first.job.state, other.created]).toEqual([true, false, first.job.id, 'queued', true]);

    const hold = gate('sync-jobs-run');
    const ran: string[] = [];
    const run = async (tenantId: string) => {
      ran.push(tenantId);
      await hold.pass();
      return result(tenantId === 't1' ? 3 : 1);
    };
    await one.work(run, { pollSeconds: 0.5 });
    await two.work(run, { pollSeconds: 0.5 });
    await hold.arrived(2);
    expect((await one.get('t1', first.job.id))!.state).toBe('running');
    // While it runs, asking again still answers the running one.
    expect((await two.enqueue('t1', {})).job.id).toBe(first.job.id);
    hold.release();
    for (let i = 0; i < 100 && (await one.get('t1', first.job.id))!.state !== 'done'; i++) await new Promise((r) => setTimeout(r, 100));
    const done = (await two.get('t1', first.job.id))!;
    expect([done.state, done.result?.listings, done.result?.finishedAt.toISOString(), done.channels]).toEqual(['done', 3, '1970-01-01T00:00:01.000Z', ['coupang_wing']]);
    expect(ran.sort()).toEqual(['t1', 't2']);
    expect(await one.get('t2', first.job.id)).toBeNull();
    // Done: the next ask queues a new one.
    expect((await one.enqueue('t1', {})).created).toBe(true);
  }, 120_000);

  it('the periodic sync queues each tenant once per slot, whichever process asks, and not beside a queued one', async () => {
    expect(await one.enqueuePeriodic(['p1', 'p2'], 3600)).toBe(2);
    expect(await two.enqueuePeriodic(['p1', 'p2', 'p3'], 3600)).toBe(1);
    // A direct run holds its job from the workers; finishing it frees the tenant.
    const direct = await one.enqueue('p4', {}, { direct: true });
    expect(direct.job.state).toBe('running');
    await one.finish(direct.job.id, result(2));
    expect((await two.get('p4', direct.job.id))).toMatchObject({ state: 'done', result: { listings: 2 } });
    const failed = await one.enqueue('p5', {}, { direct: true });
    await one.fail(failed.job.id, 'database down');
    expect(await two.get('p5', failed.job.id)).toMatchObject({ state: 'failed', error: 'database down' });
  }, 120_000);

  it('runs a maintenance pass, as supervising processes do every minute, and the jobs stay readable', async () => {
    const queued = await one.enqueue('m1', {});
    await expect(one.maintain()).resolves.toBeUndefined();
    await expect(two.maintain()).resolves.toBeUndefined();
    expect((await one.get('m1', queued.job.id))?.state).toBeDefined();
  }, 120_000);
});

const skip = await postgresUnavailable();

describe.skipIf(skip !== null)('sync jobs (pg-boss) on PostgreSQL', () => {
  it('queues, reads back and runs a maintenance pass', async () => {
    const db = await withPostgres();
    const queue = pgBossSyncJobs(db, { schema: `pgboss_${db.schema.slice(-12)}` });
    try {
      const first = await queue.enqueue('t1', {});
      expect(first.created).toBe(true);
      expect((await queue.enqueue('t1', {})).job.id).toBe(first.job.id);
      await expect(queue.maintain()).resolves.toBeUndefined();
      expect((await queue.get('t1', first.job.id))?.state).toBe('queued');
    } finally {
      await queue.close();
      await db.close();
    }
  }, 120_000);
});
