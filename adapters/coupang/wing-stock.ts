/**
 * The inventory context's Coupang channels, acting as the tenant through its Wing connection (opened on every
 * call, so a renewed connection is used at once; a refusal of its keys marks it rejected): Wing stock, set with
 * `PUT .../vendor-items/{id}/quantities/{n}` and read with `GET .../inventories`, and Rocket Growth stock, which
 * sits in Coupang's warehouse and is read only. Every call goes through the Wing client: its per-vendor rate
 * slots, retries with backoff and X-CAG slow-down. vendorItemIds stay strings from end to end.
 */
import type { WingAccount } from '../../core/coupang/model.ts';
import type { WingApi } from '../../core/coupang/ports.ts';
import { withWingAccount } from '../../core/coupang/wing-account.ts';
import type { ChannelStock } from '../../core/inventory/ports.ts';
import type { TenantConnections } from '../../core/platform/ports.ts';
import type { Clock } from '../../core/shared/clock.ts';
import { DomainError, isDomainError } from '../../core/shared/errors.ts';

export interface CoupangChannelDeps {
  wing: WingApi;
  connections: TenantConnections;
}

/**
 * The inventory ports' contract for a refused connection: `upstream_failed` with `details.rejected: true`, whether
 * Coupang refused the keys just now (withWingAccount has marked the connection) or the connection was rejected
 * before (opening it answers `renew: true`). `not_found` (no connection) passes as it is.
 */
export const viaWingConnection = async <T>(deps: CoupangChannelDeps, tenantId: string, work: (account: WingAccount) => Promise<T>): Promise<T> => {
  try {
    return await withWingAccount({ coupang: { wing: deps.wing }, connections: deps.connections }, tenantId, work);
  } catch (error) {
    if (isDomainError(error) && error.code === 'upstream_failed' && (error.details?.connectionStatus === 'rejected' || error.details?.renew === true)) {
      throw new DomainError('upstream_failed', error.message, { details: { ...error.details, rejected: true }, cause: error });
    }
    throw error;
  }
};

/** A vendor item Wing does not know is that listing's failure, not a missing connection (which stops the channel). */
const unknownItem = (error: unknown): boolean => isDomainError(error) && error.code === 'not_found' && error.details?.provider === 'coupang-wing';

const VENDOR_ITEM_ID = /^\d{1,20}$/;

const checkId = (externalId: string): void => {
  if (!VENDOR_ITEM_ID.test(externalId)) throw new DomainError('invalid', `a Coupang listing's externalId is its vendorItemId (digits), not "${externalId.slice(0, 40)}"`);
};

/** Reads run a few at a time: the rate slots pace them, and one at a time would leave slots unused while a call is in flight. */
const READ_CONCURRENCY = 4;

export const wingStock = (deps: CoupangChannelDeps): ChannelStock => ({
  push: async (tenantId, externalId, quantity, signal) => {
    checkId(externalId);
    if (!Number.isInteger(quantity) || quantity < 0) throw new DomainError('invalid', `a Wing stock quantity is a whole number of 0 or more, not ${quantity}`);
    await viaWingConnection(deps, tenantId, async (account) => {
      try {
        await deps.wing.setQuantity(account, externalId, quantity, signal ? { signal } : {});
      } catch (error) {
        if (unknownItem(error)) throw new DomainError('invalid', `The Wing account has no vendor item ${externalId}`, { details: { channel: 'coupang_wing', externalId }, cause: error });
        throw error;
      }
    });
  },
  read: async (tenantId, externalIds, signal) => {
    const seen = new Map<string, number>();
    const ids = externalIds.filter((id) => VENDOR_ITEM_ID.test(id));
    if (!ids.length) return seen;
    await viaWingConnection(deps, tenantId, async (account) => {
      let next = 0;
      let stopped = false;
      const worker = async (): Promise<void> => {
        while (!stopped && next < ids.length) {
          const id = ids[next++]!;
          try {
            seen.set(id, (await deps.wing.inventory(account, id, signal ? { signal } : {})).amountInStock);
          } catch (error) {
            if (unknownItem(error)) continue;
            // Refused keys or an outage: no more calls with this account in this read.
            stopped = true;
            throw error;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, ids.length) }, worker));
    });
    return seen;
  },
});

export interface RocketGrowthOptions {
  /** How long one full read of a vendor's warehouse stock answers later reads (a sync reads in batches of 50). */
  snapshotMs: number;
  clock: Clock;
}

/** Up to this many listings are read one call each (`?vendorItemId=`); more read the whole summary, paged. */
const SINGLE_READS = 3;
const MAX_PAGES = 500;

/**
 * Rocket Growth: the units are in Coupang's warehouse and only Coupang moves them, so the channel is read only
 * (`readOnly`: the sync never pushes it, and `push` refuses). At 50 calls a minute, a read of more than a few
 * listings pages through the vendor's whole summary once and keeps it for `snapshotMs`, so the batches of one
 * sync share it.
 */
export const rocketGrowthStock = (deps: CoupangChannelDeps, options: RocketGrowthOptions): ChannelStock => {
  const snapshots = new Map<string, { at: number; stock: Map<string, number> }>();
  return {
    readOnly: true,
    push: async (_tenantId, externalId) => {
      throw new DomainError('invalid', `Rocket Growth stock of vendor item ${externalId} is held in Coupang's warehouse and cannot be set by the seller; the channel is read only`, {
        details: { channel: 'coupang_rocket_growth', externalId, readOnly: true },
      });
    },
    read: async (tenantId, externalIds, signal) => {
      const ids = externalIds.filter((id) => VENDOR_ITEM_ID.test(id));
      const seen = new Map<string, number>();
      if (!ids.length) return seen;
      const call = signal ? { signal } : {};
      await viaWingConnection(deps, tenantId, async (account) => {
        if (ids.length <= SINGLE_READS) {
          for (const id of ids) {
            const page = await deps.wing.rocketGrowthInventory(account, { vendorItemId: id }, call);
            const item = page.items.find((i) => i.vendorItemId === id);
            if (item) seen.set(id, item.orderableQuantity);
          }
          return;
        }
        const now = options.clock.now().getTime();
        const key = `${tenantId}\u0000${account.vendorId}`;
        let snapshot = snapshots.get(key);
        if (!snapshot || now - snapshot.at >= options.snapshotMs) {
          const stock = new Map<string, number>();
          let nextToken: string | null = null;
          let pages = 0;
          do {
            const page = await deps.wing.rocketGrowthInventory(account, nextToken ? { nextToken } : {}, call);
            for (const item of page.items) stock.set(item.vendorItemId, item.orderableQuantity);
            nextToken = page.nextToken;
          } while (nextToken && ++pages < MAX_PAGES);
          snapshot = { at: now, stock };
          for (const [k, old] of snapshots) if (now - old.at >= options.snapshotMs) snapshots.delete(k);
          snapshots.set(key, snapshot);
        }
        for (const id of ids) {
          const n = snapshot.stock.get(id);
          if (n !== undefined) seen.set(id, n);
        }
      });
      return seen;
    },
  };
};
