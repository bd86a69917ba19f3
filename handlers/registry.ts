/**
 * The one list of endpoints. Drivers (HTTP router, Lambda, CLI) and the OpenAPI generator read it. Adapters
 * import only this module and handlers/toolkit.ts from handlers/ (see .dependency-cruiser.cjs).
 */
import type { AnyEndpoint } from './kit/endpoint.ts';
import { platformEndpoints } from './platform/index.ts';
import { naverEndpoints } from './naver/index.ts';
import { coupangEndpoints } from './coupang/index.ts';
import { alibabaEndpoints } from './alibaba/index.ts';
import { analysisEndpoints } from './analysis/index.ts';
import { agentsEndpoints } from './agents/index.ts';
import { billingEndpoints } from './billing/index.ts';
import { inventoryEndpoints } from './inventory/index.ts';
import { analyticsEndpoints } from './analytics/index.ts';

export const endpoints: readonly AnyEndpoint[] = [
  ...platformEndpoints,
  ...naverEndpoints,
  ...coupangEndpoints,
  ...alibabaEndpoints,
  ...analysisEndpoints,
  ...agentsEndpoints,
  ...billingEndpoints,
  ...inventoryEndpoints,
  ...analyticsEndpoints,
];
