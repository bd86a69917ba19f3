import type { ChannelName, OpenedConnection, TenantConnections } from '../../core/platform/ports.ts';
import { DomainError } from '../../core/shared/errors.ts';

/**
 * TenantConnections in memory: tenants' Wing accounts by tenant id, opened as the real store opens them (404
 * without one, 502 with `renew: true` once rejected), recording every markRejected.
 */
export const memoryConnections = (accounts: Record<string, { vendorId: string; accessKey: string; secretKey: string }>) => {
  const rejected: Array<{ tenantId: string; connectionId: string; code: string }> = [];
  const connections: TenantConnections & { rejected: typeof rejected } = {
    rejected,
    open: async <C extends ChannelName>(tenantId: string, channel: C): Promise<OpenedConnection<C>> => {
      const account = channel === 'coupang_wing' ? accounts[tenantId] : undefined;
      if (!account) throw new DomainError('not_found', `no ${channel} connection`, { details: { channel } });
      const connectionId = `conn-${tenantId}`;
      if (rejected.some((r) => r.connectionId === connectionId)) {
        throw new DomainError('upstream_failed', `the ${channel} connection was rejected by the provider; renew it`, { details: { channel, connectionId, renew: true } });
      }
      return { connectionId, channel, credentials: { ...account } } as unknown as OpenedConnection<C>;
    },
    markRejected: async (tenantId, connectionId, code) => {
      rejected.push({ tenantId, connectionId, code });
    },
  };
  return connections;
};

