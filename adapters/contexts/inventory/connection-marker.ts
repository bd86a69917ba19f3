/**
 * What a tenant's connection for a listing channel looks like now, as a short string the order poller compares:
 * `active:<id>`, `rejected` or `none`. A channel stopped for a refused or missing connection is polled again once
 * this changes (the connection renewed, made, or replaced), not every tick.
 */
import type { ListingChannel } from '../../../core/inventory/model.ts';
import type { ChannelName, TenantConnections } from '../../../core/platform/ports.ts';
import { isDomainError } from '../../../core/shared/errors.ts';

/** Smart Store listings use the Naver Commerce connection; Wing and Rocket Growth listings the Wing one. */
export const connectionChannelOf: Record<ListingChannel, ChannelName> = {
  naver_smart_store: 'naver_commerce',
  coupang_wing: 'coupang_wing',
  coupang_rocket_growth: 'coupang_wing',
};

export const connectionMarker = (connections: TenantConnections) => async (tenantId: string, channel: ListingChannel): Promise<string> => {
  try {
    return `active:${(await connections.open(tenantId, connectionChannelOf[channel])).connectionId}`;
  } catch (error) {
    if (isDomainError(error) && error.code === 'not_found') return 'none';
    if (isDomainError(error) && error.code === 'upstream_failed') return 'rejected';
    // Unknown (an outage): a fresh value, so the channel is tried again rather than left stopped.
    return `unknown:${Date.now()}`;
  }
};
