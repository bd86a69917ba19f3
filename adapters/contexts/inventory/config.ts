import type { CoupangConfig } from '../coupang/config.ts';
import { int, type EnvSection, type SectionConfig } from '../env.ts';
import type { PlatformConfig } from '../platform/config.ts';

/** Inventory: reservation holds and the expiry purge (docs/inventory.md). */
const env = {
  /** How long a reservation holds stock when the request does not say (seconds). */
  INVENTORY_RESERVATION_SECONDS: int(900, 10, 604_800),
  /** The longest hold a request may ask for (seconds; 7 days). */
  INVENTORY_RESERVATION_MAX_SECONDS: int(604_800, 10, 2_592_000),
  /** How often a process that runs background work releases expired reservations (milliseconds). */
  INVENTORY_EXPIRY_EVERY_MS: int(30_000, 1_000, 3_600_000),
  /** How long a tenant's stock must settle after a change before its channels are pushed (milliseconds). */
  INVENTORY_PUSH_DELAY_MS: int(2_000, 0, 60_000),
  /**
   * How often a process that runs background work reads the channels' order feeds (milliseconds). With the push
   * delay this bounds how late an order reaches the other channels: 15 s + 2 s + the pushes, well within 60 s.
   */
  INVENTORY_POLL_EVERY_MS: int(15_000, 1_000, 600_000),
  /** How often each tenant with listings is synced (pushed and read back) as the safety net (milliseconds; 1 min to 1 day). */
  INVENTORY_SYNC_EVERY_MS: int(900_000, 60_000, 86_400_000),
};

/**
 * The Coupang channels are reached with the Coupang context's Wing client, built from its variables; Smart Store
 * reaches Naver Commerce where connections are verified (the platform's section).
 */
export type InventoryConfig = SectionConfig<typeof env> & CoupangConfig & Pick<PlatformConfig, 'NODE_ENV' | 'NAVER_COMMERCE_BASE_URL' | 'NAVER_COMMERCE_SANDBOX'>;

export const inventoryConfig: EnvSection<typeof env, InventoryConfig> = {
  env,
  check: (c, ctx) => {
    if (c.INVENTORY_RESERVATION_SECONDS > c.INVENTORY_RESERVATION_MAX_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['INVENTORY_RESERVATION_SECONDS'], message: 'must not exceed INVENTORY_RESERVATION_MAX_SECONDS' });
    }
  },
};
