/**
 * Keeps channels in step with our stock. For each listing: its sellable quantity is computed from stored stock;
 * when it differs from what was last pushed (or nothing was), it is pushed; then what the channel shows is read
 * back, and a listing whose channel says other than we do is reported as drift (channel says X, we say Y). Where a
 * writable channel says more than we do, ours is pushed over it (`corrected`).
 *
 * A channel with `pushMany` takes the changed listings in as few provider calls as it allows (push.ts).
 * Channels run side by side, each listing of a channel after the other: the channel's adapter paces the calls to
 * the provider's rate for the seller, so one slow channel never delays another. A failed push or read is recorded
 * on the listing (`lastError`) and the push is tried again by the next sync, since `pushedQuantity` is unchanged;
 * local sales never wait on a channel. A connection whose credentials the provider refused is reported once per
 * run as `rejected` and its listings are left alone until it is renewed.
 */
import { DomainError, notFound } from '../shared/errors.ts';
import type { InventoryDeps } from './ports.ts';
import type { Drift, Listing, ListingChannel, SyncFailure, SyncInput, SyncJob, SyncResult } from './model.ts';
import { connectionFailure, messageOf, pushToChannel, wantedQuantities } from './push.ts';

const READ_BATCH = 50;

export const syncChannels = async (deps: InventoryDeps, tenantId: string, input: SyncInput = {}, signal?: AbortSignal): Promise<SyncResult> => {
  const startedAt = deps.clock.now();
  const listings = await deps.store.listings(tenantId, input.channels ? { channels: input.channels } : {});
  const want = await wantedQuantities(deps, tenantId, listings);
  const byChannel = new Map<ListingChannel, Listing[]>();
  for (const l of listings) {
    const mine = byChannel.get(l.channel);
    if (mine) mine.push(l);
    else byChannel.set(l.channel, [l]);
  }

  const drift: Drift[] = [];
  const failures: SyncFailure[] = [];
  let pushed = 0;
  let unchanged = 0;

  const runChannel = async (channel: ListingChannel, mine: Listing[]): Promise<void> => {
    const port = deps.channels[channel];
    if (!port) {
      failures.push({ channel, externalId: null, sku: null, kind: 'no_connection', message: `${channel} is not available on this server` });
      return;
    }
    // A read-only channel (Rocket Growth: Coupang's warehouse) is only read back.
    const changed = port.readOnly ? [] : mine.filter((l) => l.pushedQuantity !== want.get(l)).map((l) => ({ listing: l, quantity: want.get(l)! }));
    unchanged += mine.length - changed.length;
    const done = await pushToChannel(deps, tenantId, channel, port, changed, signal);
    pushed += done.pushed;
    failures.push(...done.failed);
    if (done.stopped) {
      failures.push(done.stopped);
      return;
    }
    const failed = new Set(done.failed.map((f) => f.externalId));
    // Pushed in this sync: a read-back still showing more is the channel's read lagging its write, not a correction to make.
    const pushedNow = new Set(changed.map((c) => c.listing.externalId).filter((id) => !failed.has(id)));
    // Read back every listing, pushed or not: a channel's own sales or a hand edit show up as drift.
    for (let i = 0; i < mine.length; i += READ_BATCH) {
      const batch = mine.slice(i, i + READ_BATCH).filter((l) => !failed.has(l.externalId));
      if (!batch.length) continue;
      let seen: Map<string, number>;
      try {
        seen = await port.read(tenantId, batch.map((l) => l.externalId), signal);
      } catch (error) {
        const stop = connectionFailure(channel, error);
        if (stop) {
          failures.push(stop);
          return;
        }
        for (const l of batch) {
          failures.push({ channel, externalId: l.externalId, sku: l.sku, kind: 'failed', message: `read back: ${messageOf(error)}` });
          await deps.store.recordCheck(tenantId, channel, l.externalId, { channelQuantity: l.channelQuantity, error: `read back: ${messageOf(error)}`, at: deps.clock.now() });
        }
        continue;
      }
      const over: { listing: Listing; quantity: number }[] = [];
      const seenDrift: Drift[] = [];
      for (const l of batch) {
        const ours = want.get(l)!;
        const theirs = seen.get(l.externalId);
        if (theirs === undefined) {
          failures.push({ channel, externalId: l.externalId, sku: l.sku, kind: 'failed', message: 'the channel does not know this listing' });
          await deps.store.recordCheck(tenantId, channel, l.externalId, { channelQuantity: null, error: 'the channel does not know this listing', at: deps.clock.now() });
          continue;
        }
        await deps.store.recordCheck(tenantId, channel, l.externalId, { channelQuantity: theirs, error: null, at: deps.clock.now() });
        if (theirs === ours) continue;
        seenDrift.push({ channel, externalId: l.externalId, sku: l.sku, channelQuantity: theirs, ourQuantity: ours, corrected: false });
        if (theirs > ours && !port.readOnly && !pushedNow.has(l.externalId)) over.push({ listing: { ...l, channelQuantity: theirs }, quantity: ours });
      }
      // A channel offering more than we can sell (a hand edit, a lost push) is overwritten with ours. Less is left
      // as reported: it is usually the channel's own sales on their way through the order feed, which would be
      // sold twice if pushed back.
      if (over.length) {
        const fixed = await pushToChannel(deps, tenantId, channel, port, over, signal);
        pushed += fixed.pushed;
        unchanged -= fixed.pushed;
        failures.push(...fixed.failed);
        if (fixed.stopped) {
          // The channel refused the connection: nothing is corrected, and no later batch is read.
          drift.push(...seenDrift);
          failures.push(fixed.stopped);
          return;
        }
        const notFixed = new Set(fixed.failed.map((f) => f.externalId));
        const overwritten = new Set(over.map((o) => o.listing.externalId));
        for (const d of seenDrift) d.corrected = overwritten.has(d.externalId) && !notFixed.has(d.externalId);
      }
      drift.push(...seenDrift);
    }
  };

  await Promise.all([...byChannel].map(([channel, mine]) => runChannel(channel, mine)));
  return { startedAt, finishedAt: deps.clock.now(), listings: listings.length, pushed, unchanged, drift, failures };
};

const jobsOf = (deps: InventoryDeps) => {
  if (!deps.syncJobs) throw new DomainError('unavailable', 'Syncs cannot be queued on this server');
  return deps.syncJobs;
};

/**
 * Queues a sync of the tenant, or answers the one already queued or running (`created: false`): one sync per
 * tenant at a time. `wait`: runs it here and answers it done (the CLI; a large set of listings takes minutes at
 * the providers' rates, so callers over HTTP should poll the job instead).
 */
export const requestSync = async (deps: InventoryDeps, tenantId: string, input: SyncInput, options: { wait?: boolean } = {}, signal?: AbortSignal): Promise<{ job: SyncJob; created: boolean }> => {
  const jobs = jobsOf(deps);
  const { job, created } = await jobs.enqueue(tenantId, input, { direct: options.wait === true });
  if (!options.wait || !created) return { job, created };
  let result: SyncResult;
  try {
    result = await syncChannels(deps, tenantId, input, signal);
  } catch (error) {
    await jobs.fail(job.id, messageOf(error));
    throw error;
  }
  await jobs.finish(job.id, result);
  return { job: { ...job, state: 'done', result, finishedAt: result.finishedAt }, created };
};

export const getSyncJob = async (deps: InventoryDeps, tenantId: string, id: string): Promise<SyncJob> => {
  const job = await jobsOf(deps).get(tenantId, id);
  if (!job) throw notFound(`Sync ${id}`, { id });
  return job;
};
