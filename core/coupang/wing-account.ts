/**
 * Acting on the tenant's own Wing account: its connection is opened for each request (so a revoked or rejected
 * connection stops at once), and a refusal of its credentials by Coupang marks the connection rejected, so the
 * seller learns it must be renewed and later calls stop before reaching Coupang.
 */
import type { TenantConnections } from '../platform/ports.ts';
import { DomainError, isDomainError } from '../shared/errors.ts';
import type { WingAccount } from './model.ts';
import type { CoupangPorts } from './ports.ts';

export interface WingDeps {
  coupang: Pick<CoupangPorts, 'wing'>;
  connections: TenantConnections;
}

export const withWingAccount = async <T>(deps: WingDeps, tenantId: string, work: (account: WingAccount) => Promise<T>): Promise<T> => {
  let opened;
  try {
    opened = await deps.connections.open(tenantId, 'coupang_wing');
  } catch (error) {
    if (isDomainError(error) && error.code === 'not_found') {
      throw new DomainError('not_found', 'this tenant has no Coupang Wing connection: connect the Wing account first (POST /v1/connections with channel coupang_wing)', {
        details: { channel: 'coupang_wing' },
        cause: error,
      });
    }
    throw error;
  }
  const { vendorId, accessKey, secretKey } = opened.credentials;
  try {
    return await work({ vendorId, accessKey, secretKey });
  } catch (error) {
    if (isDomainError(error) && error.details?.credentialsRejected === true) {
      // A named provider code when Coupang gives one, else the HTTP status (as the connection's verifier records it).
      const named = typeof error.details.providerCode === 'string' && !/^(\d+|ERROR|SUCCESS)$/.test(error.details.providerCode) ? error.details.providerCode : null;
      await deps.connections.markRejected(tenantId, opened.connectionId, named ?? `HTTP_${String(error.details.providerStatus)}`);
      const { credentialsRejected: _flag, ...details } = error.details;
      throw new DomainError('upstream_failed', `${error.message}`, { details: { ...details, channel: 'coupang_wing', connectionId: opened.connectionId, connectionStatus: 'rejected' }, cause: error });
    }
    throw error;
  }
};
