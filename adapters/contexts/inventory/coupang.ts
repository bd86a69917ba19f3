/**
 * The inventory context's Coupang channels: Wing stock (pushed and read), Rocket Growth stock (read only) and Wing
 * orders as stock events, acting through the tenant's Wing connection with this process's Wing client (the
 * Coupang context's, so both reach the same gateway, or the same sandbox when one stands in).
 */
import type { ChannelStock, OrderFeed } from '../../../core/inventory/ports.ts';
import { WING_ORDER_FEED_DEFAULTS, wingOrderFeed } from '../../coupang/wing-orders.ts';
import { rocketGrowthStock, wingStock } from '../../coupang/wing-stock.ts';
import { lazyPort } from '../../providers/lazy-port.ts';
import type { Shared } from '../context.ts';
import type { CoupangConfig } from '../coupang/config.ts';
import { coupangClients, wingMethods } from '../coupang/wire.ts';

/** How long one full read of a vendor's Rocket Growth stock serves the next reads (the batches of one sync). */
const ROCKET_GROWTH_SNAPSHOT_MS = 60_000;

export interface CoupangInventoryPorts {
  channels: { coupang_wing: ChannelStock; coupang_rocket_growth: ChannelStock };
  orderFeeds: { coupang_wing: OrderFeed };
  close(): Promise<void>;
}

export const coupangInventoryPorts = (config: CoupangConfig, shared: Shared): CoupangInventoryPorts => {
  const clients = coupangClients(config, shared);
  const clock = shared.ports.clock;
  const deps = { wing: lazyPort(async () => (await clients.get()).ports.wing, wingMethods), connections: shared.ports.connections };
  return {
    channels: { coupang_wing: wingStock(deps), coupang_rocket_growth: rocketGrowthStock(deps, { snapshotMs: ROCKET_GROWTH_SNAPSHOT_MS, clock }) },
    orderFeeds: { coupang_wing: wingOrderFeed(deps, { ...WING_ORDER_FEED_DEFAULTS, clock }) },
    close: async () => (await clients.take())?.close(),
  };
};
