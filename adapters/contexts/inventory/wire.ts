/**
 * The inventory context's ports: the stock store over the relational database and, in a process that runs
 * background work, the release of expired reservations and, once a channel stock adapter is wired, pushes after
 * each stock change. No channel stock adapter is wired yet: a sync reports each channel as not available on this
 * server (docs/inventory.md).
 */
import type { InventoryPorts } from '../../../core/inventory/ports.ts';
import { releaseExpired } from '../../../core/inventory/reservations.ts';
import { syncChannels } from '../../../core/inventory/sync.ts';
import { postgresInventoryStore } from '../../postgres/inventory.ts';
import { defineContext, every } from '../context.ts';
import { inventoryConfig } from './config.ts';
import { pushScheduler, type PushScheduler } from './push-scheduler.ts';

export const inventory = defineContext({
  name: 'inventory',
  config: inventoryConfig,
  wire: async (config, shared, profile) => {
    const { logger } = shared;
    const ports: InventoryPorts = {
      store: postgresInventoryStore(shared.database),
      channels: {},
      policy: { defaultReservationSeconds: config.INVENTORY_RESERVATION_SECONDS, maxReservationSeconds: config.INVENTORY_RESERVATION_MAX_SECONDS },
    };
    let stopExpiry: (() => void) | undefined;
    let pushes: PushScheduler | undefined;
    if (profile.background && Object.keys(ports.channels).length > 0) {
      pushes = pushScheduler({
        delayMs: config.INVENTORY_PUSH_DELAY_MS,
        sync: async (tenantId) => void (await syncChannels({ ...ports, clock: shared.ports.clock }, tenantId)),
        onError: (tenantId, error) => logger.warn('channel push after a stock change failed; the next change or sync retries', { tenantId, error: error as Error }),
      });
      ports.changes = pushes;
    }
    if (profile.background) {
      // Held stock past its reservation's expiry goes back to sale; several processes split the work (SKIP LOCKED).
      stopExpiry = every(config.INVENTORY_EXPIRY_EVERY_MS, async () => {
        try {
          const released = await releaseExpired({ ...ports, clock: shared.ports.clock });
          if (released) logger.info('expired reservations released', { released });
        } catch (error) {
          logger.warn('could not release expired reservations; the next run tries again', { error: error as Error });
        }
      });
    }
    return {
      ports,
      close: async () => {
        stopExpiry?.();
        await pushes?.close();
      },
    };
  },
});
