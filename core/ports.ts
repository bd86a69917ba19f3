import type { Clock } from './shared/clock.ts';
import type { Authenticator } from './platform/principal.ts';
import type { AccessStore } from './platform/access.ts';
import type { FeatureFlags } from './platform/flags.ts';
import type { HealthMonitor } from './platform/health.ts';
import type { ApiQuota } from './platform/quota.ts';
import type { Idempotency } from './platform/idempotency.ts';
import type { RateCounter } from './platform/rate-counter.ts';
import type { ResponseCache } from './platform/response-cache.ts';
import type { NaverPorts } from './naver/ports.ts';
import type { BillingPorts } from './billing/ports.ts';

/** Build facts the running artefact reports about itself (GET /v1/meta). */
export interface BuildInfo {
  version: string;
  commit: string;
  builtAt: string;
  apiVersion: string;
}

/** This process's metrics in the Prometheus text format (GET /metrics). */
export interface MetricsExposition {
  readonly contentType: string;
  /** Whether a scraper's Authorization header is accepted (always, when no token is configured). */
  authorize(authorization: string | undefined): boolean;
  render(): string;
}

/** The API's own OpenAPI document, rendered on demand from the endpoint definitions. */
export interface ApiDocument {
  json(): string;
  yaml(): string;
}

/**
 * Every port a use case may reach, as the composition root provides them. Each bounded context adds its
 * own ports interface here; handlers receive this object and never construct an adapter.
 */

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
}

/** Each bounded context's ports under its name: one line per context (adapters/contexts/ wires them). */
export interface ContextPorts {
  naver: NaverPorts;
  billing: BillingPorts;
}

/** Shared infrastructure flat, each bounded context's ports under its name. */
export type Ports = PlatformPorts & ContextPorts;
