/**
 * Acting as the tenant's Naver Commerce application: its `naver_commerce` connection is opened for each run (a
 * renewed or deleted connection counts at once), and Naver refusing its credentials marks the connection rejected.
 * Errors as the inventory ports say: `not_found` without a connection, `upstream_failed` with
 * `details.rejected: true` when the credentials are refused (now or earlier).
 */
import type { NaverCommerceCredentials, TenantConnections } from '../../core/platform/ports.ts';
import { DomainError, isDomainError } from '../../core/shared/errors.ts';
import { credentialsRejected } from './client.ts';

export const withNaverConnection = async <T>(
  connections: TenantConnections,
  tenantId: string,
  work: (credentials: NaverCommerceCredentials) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> => {
  let opened;
  try {
    opened = await connections.open(tenantId, 'naver_commerce', signal);
  } catch (error) {
    if (isDomainError(error) && error.code === 'not_found') {
      throw new DomainError('not_found', 'this tenant has no Naver Commerce connection: connect the Smart Store application first (POST /v1/connections with channel naver_commerce)', {
        details: { channel: 'naver_commerce' },
        cause: error,
      });
    }
    if (isDomainError(error) && error.code === 'upstream_failed' && error.details?.renew === true) {
      throw new DomainError('upstream_failed', error.message, { details: { ...error.details, rejected: true }, cause: error });
    }
    throw error;
  }
  try {
    return await work(opened.credentials);
  } catch (error) {
    if (credentialsRejected(error)) {
      const providerCode = typeof error.details?.providerCode === 'string' ? error.details.providerCode : 'GW.AUTHN';
      await connections.markRejected(tenantId, opened.connectionId, providerCode);
      throw new DomainError('upstream_failed', `${error.message}`, {
        details: { provider: 'naver-commerce', providerCode, channel: 'naver_commerce', connectionId: opened.connectionId, connectionStatus: 'rejected', rejected: true },
        cause: error,
      });
    }
    throw error;
  }
};
