/**
 * Channel connections: a seller's own marketplace credentials (Coupang Wing, Naver Commerce API), held by the
 * tenant. Other contexts act for the tenant through `TenantConnections` and never see how the secrets are stored.
 */

export type ChannelName = 'coupang_wing' | 'naver_commerce';

export interface CoupangWingCredentials {
  vendorId: string;
  accessKey: string;
  secretKey: string;
}

export interface NaverCommerceCredentials {
  clientId: string;
  clientSecret: string;
}

export interface ChannelCredentials {
  coupang_wing: CoupangWingCredentials;
  naver_commerce: NaverCommerceCredentials;
}

export interface OpenedConnection<C extends ChannelName> {
  connectionId: string;
  channel: C;
  credentials: ChannelCredentials[C];
}

/** What contexts use to call a marketplace as the tenant. */
export interface TenantConnections {
  /**
   * The tenant's active connection on a channel with its credentials opened, its use recorded. Throws
   * `not_found` (404) when the tenant has none and `upstream_failed` (502) when the provider has refused its
   * credentials since they were verified (the connection must be renewed).
   */
  open<C extends ChannelName>(tenantId: string, channel: C): Promise<OpenedConnection<C>>;
  /** The provider refused the credentials on a later call: the connection becomes `rejected` with the time and code. */
  markRejected(tenantId: string, connectionId: string, providerCode: string): Promise<void>;
}
