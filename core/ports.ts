import type { NaverPorts } from './naver/ports.ts';
import type { CoupangPorts } from './coupang/ports.ts';
import type { BillingPorts } from './billing/ports.ts';
import type { InventoryPorts } from './inventory/ports.ts';
import type { AlibabaPorts } from './alibaba/ports.ts';
import type { PlatformPorts } from './platform/ports.ts';

export type { BuildInfo, MetricsExposition, ApiDocument, PlatformPorts, ChannelVerifier, KeyVault } from './platform/ports.ts';

/** Each bounded context's ports under its name: one line per context (adapters/contexts/ wires them). */
export interface ContextPorts {
  naver: NaverPorts;
  coupang: CoupangPorts;
  billing: BillingPorts;
  inventory: InventoryPorts;
  alibaba: AlibabaPorts;
}

/**
 * Every port a use case may reach, as the composition root provides them: the platform's shared infrastructure
 * flat, each bounded context's ports under its name. Handlers receive this object and never construct an adapter.
 */
export type Ports = PlatformPorts & ContextPorts;
