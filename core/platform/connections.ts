/**
 * Channel connections: a seller's own marketplace credentials (Coupang Wing, Naver Commerce API), held by the
 * tenant. Other contexts act for the tenant through `TenantConnections` and never see how the secrets are stored.
 * The use cases are in channel-connections.ts.
 *
 * A connection is verified with one cheap call to the provider before it is stored, stored sealed by the vault
 * (the tenant and connection id bound to the sealed value), listed without its secrets, and marked `rejected` when
 * the provider refuses it later. A tenant holds at most one connection per channel: connecting again replaces the
 * one there (a renewal or key rotation), in one transaction with its audit entry.
 */
import type { SealedSecret } from './vault.ts';

export type ChannelName = 'coupang_wing' | 'naver_commerce' | 'alibaba_1688';
export const channelNames: readonly ChannelName[] = ['coupang_wing', 'naver_commerce', 'alibaba_1688'];

export interface CoupangWingCredentials {
  vendorId: string;
  accessKey: string;
  secretKey: string;
}

export interface NaverCommerceCredentials {
  clientId: string;
  clientSecret: string;
}

/** A tenant's own 1688 account, granted by OAuth (docs/alibaba.md): tokens, refreshed before the access token expires. */
export interface Alibaba1688Credentials {
  accessToken: string;
  /** ISO instant; the access token lives 10 hours. */
  accessTokenExpiresAt: string;
  refreshToken: string;
  /** ISO instant, or null when 1688 gave none. */
  refreshTokenExpiresAt: string | null;
  memberId: string;
  aliId: string;
}

export interface ChannelCredentials {
  coupang_wing: CoupangWingCredentials;
  naver_commerce: NaverCommerceCredentials;
  alibaba_1688: Alibaba1688Credentials;
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
   * credentials since they were verified (the connection must be renewed). A 1688 connection's tokens are
   * refreshed first when the access token is near its expiry; a refused refresh marks it rejected (502).
   */
  open<C extends ChannelName>(tenantId: string, channel: C, signal?: AbortSignal): Promise<OpenedConnection<C>>;
  /** The provider refused the credentials on a later call: the connection becomes `rejected` with the time and code. */
  markRejected(tenantId: string, connectionId: string, providerCode: string): Promise<void>;
}

// ---- the model --------------------------------------------------------------------------------------------

export type ConnectionStatus = 'active' | 'rejected';

/** A connection as listed: never its secrets. */
export interface Connection {
  id: string;
  tenantId: string;
  channel: ChannelName;
  /** The last 4 characters of the access key (Coupang Wing) or client id (Naver Commerce), to tell keys apart. */
  keyHint: string;
  status: ConnectionStatus;
  verifiedAt: Date;
  /** Recorded at most once a minute. */
  lastUsedAt: Date | null;
  rejectedAt: Date | null;
  /** The provider's code when it refused the credentials. */
  rejectedCode: string | null;
  createdAt: Date;
}

/** As stored: the credentials sealed by the vault with the context `sealContext(tenantId, id)`. */
export interface StoredConnection extends Connection {
  sealed: SealedSecret;
}

/** Tenant-scoped like every access read: a connection id of another tenant is not found. */
export interface ConnectionRepository {
  /** False (nothing written) when the tenant already has a connection on the channel. */
  insert(connection: StoredConnection): Promise<boolean>;
  get(tenantId: string, connectionId: string): Promise<StoredConnection | null>;
  /** The tenant's connection on the channel, active or rejected. */
  forChannel(tenantId: string, channel: ChannelName): Promise<StoredConnection | null>;
  /** Oldest first; without the sealed credentials. */
  list(tenantId: string): Promise<Connection[]>;
  /** Removes the row (secrets included); false when the tenant has no such connection. */
  delete(tenantId: string, connectionId: string): Promise<boolean>;
  /** Marks an active connection rejected; false when there is none or it was rejected before (the first time and code stay). */
  markRejected(tenantId: string, connectionId: string, at: Date, code: string): Promise<boolean>;
  /** Replaces the sealed credentials of an active connection in place (a token refresh); false when there is none. */
  reseal(tenantId: string, connectionId: string, sealed: SealedSecret): Promise<boolean>;
  /** Records use; skips the write when the stored time is newer than `olderThan`. */
  touch(tenantId: string, connectionId: string, at: Date, olderThan: Date): Promise<void>;
}

/** The outcome of one cheap call made with the credentials. An outage throws (`upstream_failed`, `unavailable`). */
export type Verification = { ok: true } | { ok: false; providerCode: string; message: string };

/** Verifies credentials against the channel's provider (a port so tests and the sandboxes can stand in). */
export interface ChannelVerifier {
  verify<C extends ChannelName>(channel: C, credentials: ChannelCredentials[C], signal?: AbortSignal): Promise<Verification>;
}

export type ConnectInput =
  | ({ channel: 'coupang_wing' } & CoupangWingCredentials)
  | ({ channel: 'naver_commerce' } & NaverCommerceCredentials);

// ---- OAuth grants (1688) ------------------------------------------------------------------------------------

/** Tokens 1688 granted, from a code exchange or a refresh. */
export interface GrantedTokens {
  accessToken: string;
  accessTokenExpiresInSeconds: number;
  /** Null on a refresh that keeps the refresh token it was given. */
  refreshToken: string | null;
  refreshTokenExpiresAt: Date | null;
  memberId: string | null;
  aliId: string | null;
}

/** A refusal (wrong or used code, revoked grant) is an outcome; an outage throws (`upstream_failed`, `rate_limited`). */
export type GrantOutcome = { ok: true; tokens: GrantedTokens } | { ok: false; providerCode: string; message: string };

/** The 1688 OAuth client: the authorize URL, the code exchange and the refresh at `system.oauth2/getToken`. */
export interface AlibabaGrants {
  /** The page the seller opens to grant access; throws `unavailable` where 1688 OAuth is not configured. */
  authorizeUrl(state: string): Promise<string>;
  exchange(code: string, signal?: AbortSignal): Promise<GrantOutcome>;
  refresh(refreshToken: string, signal?: AbortSignal): Promise<GrantOutcome>;
}
