/**
 * Every context's environment section, in the order of adapters/contexts/index.ts: the configuration schema is
 * their union. Listed apart from the wiring so a process that wires only some contexts (a per-endpoint Lambda)
 * still parses, and refuses, the same environment without loading the other contexts' adapters.
 */
import { platform } from './platform/config.ts';
import { naverConfig } from './naver/config.ts';
import { coupangConfig } from './coupang/config.ts';
import { billingConfig } from './billing/config.ts';
import { inventoryConfig } from './inventory/config.ts';
import { alibabaConfig } from './alibaba/config.ts';

export const sections = [
  platform,
  { name: 'naver', config: naverConfig },
  { name: 'coupang', config: coupangConfig },
  { name: 'billing', config: billingConfig },
  { name: 'inventory', config: inventoryConfig },
  { name: 'alibaba', config: alibabaConfig },
] as const;
