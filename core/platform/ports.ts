/**
 * The platform's shared infrastructure, reached flat on `ports` by every context (`ports.clock`, `ports.rateCounter`,
 * ...). Other contexts import platform types only from this file, as they would any context's ports.
 */
import type { Clock } from '../shared/clock.ts';
import type { Authenticator } from './principal.ts';
import type { AccessStore } from './access.ts';
import type { FeatureFlags } from './flags.ts';
import type { HealthMonitor } from './health.ts';
import type { ApiQuota } from './quota.ts';
import type {
  Alibaba1688Credentials, AlibabaGrants, GrantOutcome, GrantedTokens,
  ChannelCredentials, ChannelName, ChannelVerifier, CoupangWingCredentials, NaverCommerceCredentials, OpenedConnection, TenantConnections, Verification,
} from './connections.ts';
import type { KeyVault, SealedSecret } from './vault.ts';
import type { Idempotency } from './idempotency.ts';
import type { ConsumeRequest, ConsumeResult, RateCounter, RateWindow } from './rate-counter.ts';
import type { ResponseCache } from './response-cache.ts';

export type { ConsumeRequest, ConsumeResult, RateWindow, Authenticator, AccessStore, FeatureFlags, HealthMonitor, ApiQuota, Idempotency, RateCounter, ResponseCache };
export type {
  Alibaba1688Credentials, AlibabaGrants, GrantOutcome, GrantedTokens,
  ChannelCredentials, ChannelName, ChannelVerifier, CoupangWingCredentials, NaverCommerceCredentials, OpenedConnection, TenantConnections, Verification,
  KeyVault, SealedSecret,
};

/** Build facts the running artefact reports about itself (GET /v1/meta). */
export interface BuildInfo {
  version: string;
  commit: string;
  builtAt: string;
  apiVersion: string;
  /** The oldest API version whose calls are still answered as documented. */
  oldestApiVersion: string;
}

/** This process's metrics in the Prometheus text format (GET /metrics). */
export interface MetricsExposition {
  readonly contentType: string;
  /** Whether a scraper's Authorization header is accepted (always, when no token is configured). */
  authorize(authorization: string | undefined): boolean;
  render(): string;
}

/** The API's own OpenAPI document, rendered on demand from the endpoint definitions (its code loaded then too). */
export interface ApiDocument {
  json(): Promise<string>;
  yaml(): Promise<string>;
}

export interface PlatformPorts {
  clock: Clock;
  apiDocument: ApiDocument;
  auth: Authenticator;
  /** Tenants, members, admins, API keys and the audit log. */
  access: AccessStore;
  flags: FeatureFlags;
  /** Daily API calls per plan; absent where calls are not metered (the operator's CLI, tests). */
  quota?: ApiQuota;
  /** Absent where metrics are off (METRICS_ENABLED=false, Lambda, CLI): GET /metrics answers 404. */
  metrics?: MetricsExposition;
  /** The critical dependencies' checks behind GET /health. */
  health: HealthMonitor;
  build: BuildInfo;
  /** Idempotency-Key records and their policy (TTL, lease), used by the handler toolkit. */
  idempotency: Idempotency;
  /** Fixed-window counters shared by every process (provider rate limits, daily budgets). */
  rateCounter: RateCounter;
  /** Provider responses cached with a TTL, shared by every process. */
  responseCache: ResponseCache;
  /** Seals what the service keeps for tenants (billing keys, connection credentials); AES-256-GCM with key ids. */
  vault: KeyVault;
  /** The tenants' channel connections: what contexts use to call a marketplace as the tenant (docs/connections.md). */
  connections: TenantConnections;
  /** Verifies a channel's credentials with one cheap provider call before a connection is stored. */
  channelVerifier: ChannelVerifier;
  /** 1688 OAuth for a tenant's own account: the authorize URL, the code exchange and the refresh (docs/alibaba.md). */
  alibabaGrants: AlibabaGrants;
}
