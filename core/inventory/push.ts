/**
 * Pushes after a stock change: only the listings whose sellable quantity the change can move (listings of the
 * changed SKUs and of bundles containing them), only those whose quantity differs from the last push, and no
 * read-back (reading back is the periodic sync's job). A channel with `pushMany` takes a batch in as few provider
 * calls as it allows (Naver Commerce: the options of one product in one call).
 *
 * Nothing here waits on local sales: it runs after the change committed, and a failure is returned for the
 * caller to retry later, not thrown.
 */
import { isDomainError } from '../shared/errors.ts';
import type { ChannelStock, InventoryDeps } from './ports.ts';
import type { Listing, ListingChannel, PushOutcome, SyncFailure } from './model.ts';
import { sharesOf } from './listings.ts';
import { sellableQuantity } from './sellable.ts';

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/** A connection problem stops the channel for this run; anything else is the one listing's failure. */
export const connectionFailure = (channel: ListingChannel, error: unknown): SyncFailure | null => {
  if (!isDomainError(error)) return null;
  if (error.code === 'not_found') return { channel, externalId: null, sku: null, kind: 'no_connection', message: error.message };
  if (error.code === 'upstream_failed' && error.details?.rejected === true) return { channel, externalId: null, sku: null, kind: 'rejected', message: error.message };
  return null;
};

export interface ChannelPushOutcome {
  pushed: number;
  failed: SyncFailure[];
  /** Set when the connection stopped the channel: the listings after it were not tried. */
  stopped: SyncFailure | null;
}

/**
 * Sets each listing's quantity on one channel (pushMany when the channel has it, else one push each), records
 * each success as the listing's pushed quantity and each failure as its lastError.
 */
export const pushToChannel = async (
  deps: InventoryDeps, tenantId: string, channel: ListingChannel, port: ChannelStock, items: readonly { listing: Listing; quantity: number }[], signal?: AbortSignal,
): Promise<ChannelPushOutcome> => {
  const outcome: ChannelPushOutcome = { pushed: 0, failed: [], stopped: null };
  const failedOne = async (l: Listing, error: unknown): Promise<void> => {
    const message = messageOf(error);
    outcome.failed.push({ channel, externalId: l.externalId, sku: l.sku, kind: 'failed', message });
    await deps.store.recordCheck(tenantId, channel, l.externalId, { channelQuantity: l.channelQuantity, error: message, at: deps.clock.now() });
  };
  if (!items.length) return outcome;
  if (port.pushMany) {
    let errors: Map<string, unknown>;
    try {
      errors = await port.pushMany(tenantId, items.map((i) => ({ externalId: i.listing.externalId, quantity: i.quantity })), signal);
    } catch (error) {
      outcome.stopped = connectionFailure(channel, error);
      if (outcome.stopped) return outcome;
      // A failure of the whole call: none of the batch is known to be set.
      for (const i of items) await failedOne(i.listing, error);
      return outcome;
    }
    for (const i of items) {
      if (errors.has(i.listing.externalId)) await failedOne(i.listing, errors.get(i.listing.externalId) ?? 'the channel did not set this listing');
      else {
        await deps.store.recordPush(tenantId, channel, i.listing.externalId, i.quantity, deps.clock.now());
        outcome.pushed++;
      }
    }
    return outcome;
  }
  for (const i of items) {
    try {
      await port.push(tenantId, i.listing.externalId, i.quantity, signal);
      await deps.store.recordPush(tenantId, channel, i.listing.externalId, i.quantity, deps.clock.now());
      outcome.pushed++;
    } catch (error) {
      outcome.stopped = connectionFailure(channel, error);
      if (outcome.stopped) return outcome;
      await failedOne(i.listing, error);
    }
  }
  return outcome;
};

/** The sellable quantity of each listing now, from stored stock. */
export const wantedQuantities = async (deps: InventoryDeps, tenantId: string, listings: readonly Listing[]): Promise<Map<Listing, number>> => {
  const shares = await sharesOf(deps.store, tenantId, listings.map((l) => l.sku));
  return new Map(listings.map((l) => [l, sellableQuantity({ shared: shares.get(l.sku) ?? 0, bufferUnits: l.bufferUnits, allocationPercent: l.allocationPercent })]));
};

/**
 * Pushes what a change of `skus` (absent: anything) moved, on every channel but `skip`. Channels run side by
 * side; each adapter paces its calls to the provider's rate for the seller.
 */
export const pushChanges = async (
  deps: InventoryDeps, tenantId: string, options: { skus?: readonly string[] | undefined; skip?: ReadonlySet<ListingChannel> } = {}, signal?: AbortSignal,
): Promise<PushOutcome> => {
  const outcome: PushOutcome = { pushed: 0, unchanged: 0, failed: [], stopped: [] };
  if (options.skus && options.skus.length === 0) return outcome;
  // A read-only channel (Rocket Growth) is never pushed; the sync reads it back.
  const listings = (await deps.store.listings(tenantId, options.skus ? { affectedBy: options.skus } : {})).filter(
    (l) => !options.skip?.has(l.channel) && !deps.channels[l.channel]?.readOnly,
  );
  if (!listings.length) return outcome;
  const want = await wantedQuantities(deps, tenantId, listings);
  const byChannel = new Map<ListingChannel, { listing: Listing; quantity: number }[]>();
  for (const [listing, quantity] of want) {
    if (listing.pushedQuantity === quantity) {
      outcome.unchanged++;
      continue;
    }
    const mine = byChannel.get(listing.channel);
    if (mine) mine.push({ listing, quantity });
    else byChannel.set(listing.channel, [{ listing, quantity }]);
  }
  await Promise.all(
    [...byChannel].map(async ([channel, items]) => {
      const port = deps.channels[channel];
      if (!port) {
        outcome.stopped.push({ channel, externalId: null, sku: null, kind: 'no_connection', message: `${channel} is not available on this server` });
        return;
      }
      const done = await pushToChannel(deps, tenantId, channel, port, items, signal);
      outcome.pushed += done.pushed;
      outcome.failed.push(...done.failed);
      if (done.stopped) outcome.stopped.push(done.stopped);
    }),
  );
  return outcome;
};
