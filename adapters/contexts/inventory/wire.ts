/**
 * The inventory context's ports: the stock store over the relational database, the channels' stock and order
 * adapters, the sync job queue (./sync-jobs.ts) and, in a process that runs background work, the release of expired
 * reservations, the order poller, pushes after each stock change, and the queued and periodic syncs. Channels:
 * Coupang Wing (stock pushed and read, orders) and Rocket Growth (stock read only) through the tenant's Wing
 * connection (./coupang.ts); Smart Store (stock and orders) through the tenant's Naver Commerce connection
 * (./naver-smart-store.ts). A channel not wired here is reported by a sync as not available on this server
 * (docs/inventory.md).
 */
import type { InventoryPorts, InventoryStore } from '../../../core/inventory/ports.ts';
import { lazy, lazyPort } from '../../providers/lazy-port.ts';
import { defineContext, every } from '../context.ts';
import { inventoryConfig } from './config.ts';
import { coupangInventoryPorts } from './coupang.ts';
import { naverSmartStore } from './naver-smart-store.ts';
import { pushScheduler, type PushScheduler } from './push-scheduler.ts';
import { orderPoller, type OrderPoller } from './order-poller.ts';
import { connectionMarker } from './connection-marker.ts';
import { wireSyncJobs } from './sync-jobs.ts';

const storeMethods: { [K in keyof InventoryStore]: true } = {
  getItem: true, lockItems: true, getItems: true, insertItem: true, applyChange: true, listItems: true, ledger: true, insertReservation: true,
  reservationByReference: true, lockReservation: true, closeReservation: true, claimExpired: true, insertListing: true, updateListingSettings: true,
  listings: true, tenantsWithListings: true, recordPush: true, recordCheck: true, transaction: true,
  listingsByExternalId: true, recordOrderEvents: true, settleOrderEvent: true, orderEventsOf: true, orderEventsNeedingAttention: true, leaseOrderCursor: true,
  advanceOrderCursor: true, releaseOrderCursor: true, orderCursor: true, orderPollTargets: true,
};

export const inventory = defineContext({
  name: 'inventory',
  config: inventoryConfig,
  wire: async (config, shared, profile) => {
    const { logger } = shared;
    // Loaded on first use: every endpoint's Lambda wires every context, and only inventory's own touch this store.
    const store = lazy(async () => (await import('../../postgres/inventory.ts')).postgresInventoryStore(shared.database));
    const coupang = coupangInventoryPorts(config, shared);
    const smartStore = naverSmartStore(config, shared);
    if (profile.eagerProviders) await smartStore.start();
    const ports: InventoryPorts = {
      store: lazyPort(() => store.get(), storeMethods),
      channels: { ...coupang.channels, naver_smart_store: smartStore.stock },
      orderFeeds: { ...coupang.orderFeeds, naver_smart_store: smartStore.orders },
      policy: { defaultReservationSeconds: config.INVENTORY_RESERVATION_SECONDS, maxReservationSeconds: config.INVENTORY_RESERVATION_MAX_SECONDS },
    };
    let stopExpiry: (() => void) | undefined;
    let pushes: PushScheduler | undefined;
    if (profile.background && Object.keys(ports.channels).length > 0) {
      pushes = pushScheduler({
        delayMs: config.INVENTORY_PUSH_DELAY_MS,
        stopMs: config.INVENTORY_SYNC_EVERY_MS,
        push: async (tenantId, skus, skip) => {
          const { pushChanges } = await import('../../../core/inventory/push.ts');
          return pushChanges({ ...ports, clock: shared.ports.clock }, tenantId, { skus, skip });
        },
        onError: (tenantId, error) => logger.warn('channel push after a stock change failed; it is retried with backoff', { tenantId, error: error as Error }),
        onStopped: (tenantId, f) => logger.warn('channel pushes stopped for the tenant until its connection works again', { tenantId, channel: f.channel, kind: f.kind }),
        onGiveUp: (tenantId, skus) => logger.warn('channel push retries spent; the periodic sync pushes them', { tenantId, skus: skus === 'all' ? 'all' : skus.length }),
      });
      ports.changes = pushes;
    }
    const jobs = wireSyncJobs({
      database: shared.database, ports, clock: shared.ports.clock, logger, background: profile.background, everyMs: config.INVENTORY_SYNC_EVERY_MS,
      synced: (tenantId, channels) => pushes?.resume(tenantId, channels),
    });
    ports.syncJobs = jobs.port;
    if (profile.background) {
      // Held stock past its reservation's expiry goes back to sale; several processes split the work (SKIP LOCKED).
      stopExpiry = every(config.INVENTORY_EXPIRY_EVERY_MS, async () => {
        try {
          const { releaseExpired } = await import('../../../core/inventory/reservations.ts');
          const released = await releaseExpired({ ...ports, clock: shared.ports.clock });
          if (released) logger.info('expired reservations released', { released });
        } catch (error) {
          logger.warn('could not release expired reservations; the next run tries again', { error: error as Error });
        }
      });
    }
    // Channel orders become sales and restocks, exactly once (docs/inventory.md); then the push scheduler tells the other channels.
    let orders: OrderPoller | undefined;
    if (profile.background && Object.keys(ports.orderFeeds ?? {}).length > 0) {
      const poller = orderPoller({
        deps: { ...ports, clock: shared.ports.clock }, everyMs: config.INVENTORY_POLL_EVERY_MS, holder: `${process.pid}-${crypto.randomUUID()}`,
        connectionMarker: connectionMarker(shared.ports.connections), logger,
      });
      poller.start();
      orders = poller;
    }
    return {
      ports,
      close: async () => {
        await orders?.close();
        stopExpiry?.();
        await pushes?.close();
        await jobs.close();
        await coupang.close();
        await smartStore.close();
      },
    };
  },
});
