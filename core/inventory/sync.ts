/**
 * Keeps channels in step with our stock. For each listing: its sellable quantity is computed from stored stock;
 * when it differs from what was last pushed (or nothing was), it is pushed; then what the channel shows is read
 * back, and a listing whose channel says other than we do is reported as drift (channel says X, we say Y).
 *
 * Channels run side by side, each listing of a channel after the other: the channel's adapter paces the calls to
 * the provider's rate for the seller, so one slow channel never delays another. A failed push or read is recorded
 * on the listing (`lastError`) and the push is tried again by the next sync, since `pushedQuantity` is unchanged;
 * local sales never wait on a channel. A connection whose credentials the provider refused is reported once per
 * run as `rejected` and its listings are left alone until it is renewed.
 */
import { isDomainError } from '../shared/errors.ts';
import type { InventoryDeps } from './ports.ts';
import type { Drift, Listing, ListingChannel, SyncFailure, SyncInput, SyncResult } from './model.ts';
import { sharesOf } from './listings.ts';
import { sellableQuantity } from './sellable.ts';

const READ_BATCH = 50;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/** A connection problem stops the channel for this run; anything else is the one listing's failure. */
const connectionFailure = (channel: ListingChannel, error: unknown): SyncFailure | null => {
  if (!isDomainError(error)) return null;
  if (error.code === 'not_found') return { channel, externalId: null, sku: null, kind: 'no_connection', message: error.message };
  if (error.code === 'upstream_failed' && error.details?.rejected === true) return { channel, externalId: null, sku: null, kind: 'rejected', message: error.message };
  return null;
};

export const syncChannels = async (deps: InventoryDeps, tenantId: string, input: SyncInput = {}, signal?: AbortSignal): Promise<SyncResult> => {
  const startedAt = deps.clock.now();
  const listings = await deps.store.listings(tenantId, input.channels ? { channels: input.channels } : {});
  const shares = await sharesOf(deps.store, tenantId, listings.map((l) => l.sku));
  const byChannel = new Map<ListingChannel, Listing[]>();
  for (const l of listings) byChannel.set(l.channel, [...(byChannel.get(l.channel) ?? []), l]);

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
    const want = new Map(mine.map((l) => [l.externalId, sellableQuantity({ shared: shares.get(l.sku) ?? 0, bufferUnits: l.bufferUnits, allocationPercent: l.allocationPercent })]));
    const failed = new Set<string>();
    for (const l of mine) {
      const quantity = want.get(l.externalId)!;
      if (l.pushedQuantity === quantity || port.readOnly) {
        unchanged++;
        continue;
      }
      try {
        await port.push(tenantId, l.externalId, quantity, signal);
        await deps.store.recordPush(tenantId, channel, l.externalId, quantity, deps.clock.now());
        pushed++;
      } catch (error) {
        const stop = connectionFailure(channel, error);
        if (stop) {
          failures.push(stop);
          return;
        }
        failed.add(l.externalId);
        failures.push({ channel, externalId: l.externalId, sku: l.sku, kind: 'failed', message: messageOf(error) });
        await deps.store.recordCheck(tenantId, channel, l.externalId, { channelQuantity: l.channelQuantity, error: messageOf(error), at: deps.clock.now() });
      }
    }
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
      for (const l of batch) {
        const ours = want.get(l.externalId)!;
        const theirs = seen.get(l.externalId);
        if (theirs === undefined) {
          failures.push({ channel, externalId: l.externalId, sku: l.sku, kind: 'failed', message: 'the channel does not know this listing' });
          await deps.store.recordCheck(tenantId, channel, l.externalId, { channelQuantity: null, error: 'the channel does not know this listing', at: deps.clock.now() });
          continue;
        }
        await deps.store.recordCheck(tenantId, channel, l.externalId, { channelQuantity: theirs, error: null, at: deps.clock.now() });
        if (theirs !== ours) drift.push({ channel, externalId: l.externalId, sku: l.sku, channelQuantity: theirs, ourQuantity: ours });
      }
    }
  };

  await Promise.all([...byChannel].map(([channel, mine]) => runChannel(channel, mine)));
  return { startedAt, finishedAt: deps.clock.now(), listings: listings.length, pushed, unchanged, drift, failures };
};
